"""Commission arithmetic, in integer fen only (never float).

A rule set is a list of tiers over the contract amount, each with a rate. `marginal` tiers charge each slice
of the amount at its own rate (like income tax brackets); `flat` tiers charge the whole amount at the rate of
the tier it falls in. The result is rounded half-up to the fen once, then bounded by the minimum and the cap
(and never more than the contract amount). Splitting between brokers uses the largest-remainder method, so
the shares always add up to the total exactly; leftover fen go to the largest remainders, ties to the
earlier broker in the list (deterministic).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

FEN_PER_YUAN = 100
HUNDRED = Decimal(100)


class TierMode(StrEnum):
    marginal = "marginal"  # each slice at its own rate (超额累进)
    flat = "flat"  # the whole amount at the rate of the tier it reaches (全额累进)


@dataclass(frozen=True)
class Tier:
    up_to_fen: int | None  # upper bound of this tier (inclusive); None = no bound (last tier)
    rate: Decimal  # e.g. Decimal("0.05") for 5 %


@dataclass(frozen=True)
class CommissionRules:
    tiers: tuple[Tier, ...]
    mode: TierMode = TierMode.marginal
    minimum_fen: int = 0
    cap_fen: int | None = None

    def __post_init__(self) -> None:
        if not self.tiers:
            raise ValueError("at least one tier is required")
        bounds = [t.up_to_fen for t in self.tiers]
        if any(b is None for b in bounds[:-1]):
            raise ValueError("only the last tier may be unbounded (up_to_cny null)")
        finite = [b for b in bounds if b is not None]
        if finite != sorted(finite) or len(set(finite)) != len(finite):
            raise ValueError("tier bounds must strictly increase")
        if any(not (Decimal(0) <= t.rate <= 1) for t in self.tiers):
            raise ValueError("tier rates must be between 0 and 1 (0.05 means 5 %)")
        if self.minimum_fen < 0 or (self.cap_fen is not None and self.cap_fen < self.minimum_fen):
            raise ValueError("minimum must be >= 0 and the cap >= the minimum")


@dataclass(frozen=True)
class Allocation:
    broker_id: str
    share_percent: Decimal
    amount_fen: int


def _raw_commission(amount_fen: int, rules: CommissionRules) -> Decimal:
    if rules.mode == TierMode.flat:
        for tier in rules.tiers:
            if tier.up_to_fen is None or amount_fen <= tier.up_to_fen:
                return amount_fen * tier.rate
        return amount_fen * rules.tiers[-1].rate  # unreachable when the last tier is unbounded
    total = Decimal(0)
    lower = 0
    for tier in rules.tiers:
        upper = amount_fen if tier.up_to_fen is None else min(amount_fen, tier.up_to_fen)
        if upper > lower:
            total += (upper - lower) * tier.rate
        if tier.up_to_fen is None or amount_fen <= tier.up_to_fen:
            break
        lower = tier.up_to_fen
    return total


def compute_commission(amount_fen: int, rules: CommissionRules) -> int:
    """Commission in fen for a contract amount in fen."""
    if amount_fen < 0:
        raise ValueError("contract amount cannot be negative")
    fen = int(_raw_commission(amount_fen, rules).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    fen = max(fen, rules.minimum_fen)
    if rules.cap_fen is not None:
        fen = min(fen, rules.cap_fen)
    return min(fen, amount_fen)


def validate_shares(shares: list[tuple[str, Decimal]]) -> None:
    if not shares:
        raise ValueError("at least one broker share is required")
    ids = [b for b, _ in shares]
    if len(set(ids)) != len(ids):
        raise ValueError("each broker may appear only once")
    if any(s <= 0 for _, s in shares):
        raise ValueError("every share must be above 0 %")
    total = sum((s for _, s in shares), Decimal(0))
    if total != HUNDRED:
        raise ValueError(f"shares must sum to exactly 100 %, they sum to {total} %")


def split_commission(total_fen: int, shares: list[tuple[str, Decimal]]) -> list[Allocation]:
    """Split `total_fen` by percentage shares; the parts add up to `total_fen` exactly."""
    validate_shares(shares)
    exact = [total_fen * s / HUNDRED for _, s in shares]
    floors = [int(x.to_integral_value(rounding=ROUND_FLOOR)) for x in exact]
    leftover = total_fen - sum(floors)
    # Largest remainder first; on equal remainders the earlier broker in the list wins.
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    return [Allocation(b, s, f) for (b, s), f in zip(shares, floors)]


def yuan_to_fen(amount: Decimal) -> int:
    fen = amount * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError("amounts have at most 2 decimal places (fen)")
    return int(fen)


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))
