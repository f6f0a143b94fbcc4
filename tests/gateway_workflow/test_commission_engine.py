"""Commission arithmetic to the fen: tiers, minimum, cap, splits."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.gateway.commissions.config import DEFAULT_RULES, load_rules, CommissionSettings
from services.gateway.commissions.engine import (
    CommissionRules,
    Tier,
    TierMode,
    compute_commission,
    split_commission,
    yuan_to_fen,
)
from services.gateway.commissions.schemas import CommissionRulesSpec

WAN = 1_000_000  # 1万元 in fen
RULES = CommissionRules(
    tiers=(Tier(100 * WAN, Decimal("0.05")), Tier(500 * WAN, Decimal("0.03")), Tier(None, Decimal("0.01"))),
    minimum_fen=5000_00,
    cap_fen=300000_00,
)


def test_marginal_tiers_charge_each_slice_at_its_rate():
    # 300万: 100万×5% + 200万×3% = 5万 + 6万 = 11万元
    assert compute_commission(300 * WAN, RULES) == 110000_00
    # 1000万: 5万 + 12万 + 500万×1% = 22万元
    assert compute_commission(1000 * WAN, RULES) == 220000_00


def test_minimum_applies_to_small_deals():
    # 5万元 × 5% = 2500元 < 5000元 minimum
    assert compute_commission(5 * WAN, RULES) == 5000_00


def test_commission_never_exceeds_the_contract_amount():
    assert compute_commission(1000_00, RULES) == 1000_00


def test_cap_limits_large_deals():
    # 1亿: 5万 + 12万 + 9500万×1% = 112万 → capped at 30万
    assert compute_commission(10000 * WAN, RULES) == 300000_00


def test_rounding_is_half_up_to_the_fen():
    rules = CommissionRules(tiers=(Tier(None, Decimal("0.015")),))
    assert compute_commission(1_00, rules) == 2  # 1.5 fen → 2 fen
    assert compute_commission(1_01, rules) == 2  # 1.515 fen → 2 fen
    assert compute_commission(33, rules) == 0  # 0.495 fen → 0


def test_flat_mode_charges_the_whole_amount_at_the_reached_rate():
    rules = CommissionRules(tiers=RULES.tiers, mode=TierMode.flat)
    assert compute_commission(300 * WAN, rules) == 90000_00  # 300万 × 3%


def test_split_assigns_remainder_fen_deterministically():
    allocations = split_commission(100, [("a", Decimal("33.33")), ("b", Decimal("33.33")), ("c", Decimal("33.34"))])
    # exact parts 33.33, 33.33, 33.34 → floors 33, 33, 33; leftover 1 goes to the largest remainder (c)
    assert [a.amount_fen for a in allocations] == [33, 33, 34]
    tie = split_commission(1, [("a", Decimal("50")), ("b", Decimal("50"))])
    assert [a.amount_fen for a in tie] == [1, 0]  # equal remainders: the earlier broker gets the fen


@pytest.mark.parametrize(
    "shares, message",
    [
        ([("a", Decimal("60")), ("b", Decimal("30"))], "sum to exactly 100"),
        ([("a", Decimal("100")), ("a", Decimal("0"))], "only once"),
        ([("a", Decimal("120")), ("b", Decimal("-20"))], "above 0"),
        ([], "at least one"),
    ],
)
def test_bad_shares_are_refused(shares, message):
    with pytest.raises(ValueError, match=message):
        split_commission(1000, shares)


def test_rules_validation_names_the_problem():
    with pytest.raises(ValueError, match="strictly increase"):
        CommissionRules(tiers=(Tier(500, Decimal("0.1")), Tier(100, Decimal("0.1")), Tier(None, Decimal("0.1"))))
    with pytest.raises(ValueError, match="only the last tier"):
        CommissionRules(tiers=(Tier(None, Decimal("0.1")), Tier(100, Decimal("0.1"))))


def test_rules_come_from_settings_json_or_the_default():
    default = load_rules(CommissionSettings(commission_rules=None, commission_rules_file=None))
    assert default == CommissionRulesSpec.model_validate(DEFAULT_RULES)
    custom = load_rules(CommissionSettings(commission_rules='{"tiers": [{"up_to_cny": null, "rate": "0.02"}]}'))
    assert compute_commission(yuan_to_fen(Decimal("1000000")), custom.to_rules()) == 20000_00


def _percents(cuts: list[int]) -> list[Decimal]:
    """Cut points in basis points → positive percentages with 2 decimals that sum to exactly 100."""
    bounds = [0, *sorted(cuts), 10_000]
    return [Decimal(b - a) / 100 for a, b in zip(bounds, bounds[1:])]


@given(
    amount=st.integers(min_value=0, max_value=10**14),
    cuts=st.lists(st.integers(min_value=1, max_value=9_999), unique=True, max_size=5),
)
def test_property_shares_sum_exactly_to_the_total(amount, cuts):
    percents = _percents(cuts)
    total = compute_commission(amount, RULES)
    allocations = split_commission(total, [(f"org_{i}", p) for i, p in enumerate(percents)])
    assert sum(a.amount_fen for a in allocations) == total
    for a in allocations:  # each share is within one fen of its exact value
        assert abs(Decimal(a.amount_fen) - total * a.share_percent / 100) < 1


@given(amount=st.integers(min_value=0, max_value=10**14))
def test_property_commission_is_bounded_and_monotonic(amount):
    c = compute_commission(amount, RULES)
    assert 0 <= c <= amount
    assert c <= RULES.cap_fen
    assert compute_commission(amount + 1_00, RULES) >= c
