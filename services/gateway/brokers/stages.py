"""Deal stages and the legal moves between them: 意向 → 洽谈 → 签约 → 成交, or 终止 from any open stage."""
from __future__ import annotations

from enum import StrEnum


class DealStage(StrEnum):
    intent = "intent"  # 意向
    negotiation = "negotiation"  # 洽谈
    signed = "signed"  # 签约
    closed = "closed"  # 成交
    terminated = "terminated"  # 终止


STAGE_NAMES = {
    DealStage.intent: "意向",
    DealStage.negotiation: "洽谈",
    DealStage.signed: "签约",
    DealStage.closed: "成交",
    DealStage.terminated: "终止",
}

TRANSITIONS: dict[DealStage, frozenset[DealStage]] = {
    DealStage.intent: frozenset({DealStage.negotiation, DealStage.terminated}),
    DealStage.negotiation: frozenset({DealStage.signed, DealStage.terminated}),
    DealStage.signed: frozenset({DealStage.closed, DealStage.terminated}),
    DealStage.closed: frozenset(),
    DealStage.terminated: frozenset(),
}

OPEN_STAGES = frozenset(s for s, nxt in TRANSITIONS.items() if nxt)


class IllegalTransition(Exception):
    def __init__(self, current: DealStage, target: DealStage) -> None:
        allowed = sorted(TRANSITIONS[current])
        hint = f"allowed from here: {', '.join(allowed)}" if allowed else "the deal is finished; no further changes"
        super().__init__(
            f"cannot move a deal from {current} ({STAGE_NAMES[current]}) to {target} ({STAGE_NAMES[target]}); {hint}"
        )
        self.current = current
        self.target = target
        self.allowed = allowed


def check_transition(current: DealStage, target: DealStage) -> None:
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)


def requires_contract_amount(target: DealStage) -> bool:
    return target == DealStage.signed
