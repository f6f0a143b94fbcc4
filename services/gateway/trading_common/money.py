"""Yuan on the wire, integer fen inside (the commission engine's converters, re-exported for the trading domains)."""
from __future__ import annotations

from decimal import Decimal

from services.gateway.commissions.engine import fen_to_yuan, yuan_to_fen

__all__ = ["fen_or_none", "fen_to_yuan", "yuan_or_none", "yuan_to_fen"]


def yuan_or_none(fen: int | None) -> Decimal | None:
    return None if fen is None else fen_to_yuan(fen)


def fen_or_none(yuan: Decimal | None) -> int | None:
    return None if yuan is None else yuan_to_fen(yuan)
