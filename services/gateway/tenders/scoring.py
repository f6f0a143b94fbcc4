"""Tender scoring: price and delivery are computed, the technical part is the buyer's score.

price score    = 100 × lowest price / this price   (lowest price gets full marks, others proportional)
delivery score = 100 × shortest delivery / this delivery
total          = (w_price × price + w_technical × technical + w_delivery × delivery) / 100
Ranking: total descending; ties → lower price, then earlier submission.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class OfferFigures:
    offer_id: str
    price_fen: int
    delivery_days: int
    technical_score: Decimal | None
    submitted_at: datetime


@dataclass(frozen=True)
class Scored:
    offer_id: str
    price_score: Decimal
    delivery_score: Decimal
    technical_score: Decimal | None
    total: Decimal | None  # None until the technical part is scored
    rank: int | None


def _ratio(best: int, this: int) -> Decimal:
    return (HUNDRED * Decimal(best) / Decimal(this)).quantize(TWO_PLACES, ROUND_HALF_UP)


def score(offers: list[OfferFigures], weight_price: int, weight_technical: int, weight_delivery: int) -> list[Scored]:
    if not offers:
        return []
    lowest = min(o.price_fen for o in offers)
    fastest = min(o.delivery_days for o in offers)
    rows = []
    for o in offers:
        price, delivery = _ratio(lowest, o.price_fen), _ratio(fastest, o.delivery_days)
        total = None if o.technical_score is None else (
            (weight_price * price + weight_technical * o.technical_score + weight_delivery * delivery) / HUNDRED
        ).quantize(TWO_PLACES, ROUND_HALF_UP)
        rows.append((o, price, delivery, total))
    ranked = sorted((r for r in rows if r[3] is not None), key=lambda r: (-r[3], r[0].price_fen, r[0].submitted_at))
    ranks = {r[0].offer_id: i + 1 for i, r in enumerate(ranked)}
    return [Scored(o.offer_id, price, delivery, o.technical_score, total, ranks.get(o.offer_id)) for o, price, delivery, total in rows]
