"""Pieces the trading domains (listings, auctions, tenders, contracts) share: the settable clock, id and amount helpers."""
