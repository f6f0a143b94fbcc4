"""Challenge workflow queries."""
from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, select

from services.gateway.challenges.models import (
    CampaignNeed,
    Challenge,
    ChallengeAward,
    ChallengeCampaign,
    ChallengeEntry,
    ChallengeScore,
)


def campaign(session: Session, campaign_id: str) -> ChallengeCampaign | None:
    return session.get(ChallengeCampaign, campaign_id)


def campaigns(session: Session) -> Sequence[ChallengeCampaign]:
    return session.exec(select(ChallengeCampaign).order_by(ChallengeCampaign.id.desc())).all()  # type: ignore[union-attr]


def needs(session: Session, campaign_id: str) -> Sequence[CampaignNeed]:
    return session.exec(select(CampaignNeed).where(CampaignNeed.campaign_id == campaign_id).order_by(CampaignNeed.id)).all()  # type: ignore[arg-type]


def need(session: Session, campaign_id: str, demand_id: str) -> CampaignNeed | None:
    return session.exec(select(CampaignNeed).where(CampaignNeed.campaign_id == campaign_id, CampaignNeed.demand_id == demand_id)).first()


def challenge(session: Session, challenge_id: str) -> Challenge | None:
    return session.get(Challenge, challenge_id)


def challenges(session: Session) -> Sequence[Challenge]:
    return session.exec(select(Challenge).order_by(Challenge.id.desc())).all()  # type: ignore[union-attr]


def open_for_demand(session: Session, demand_id: str) -> Challenge | None:
    return session.exec(select(Challenge).where(Challenge.demand_id == demand_id, Challenge.status == "open")).first()


def entry(session: Session, entry_id: str) -> ChallengeEntry | None:
    return session.get(ChallengeEntry, entry_id)


def entries(session: Session, challenge_id: str) -> Sequence[ChallengeEntry]:
    return session.exec(select(ChallengeEntry).where(ChallengeEntry.challenge_id == challenge_id).order_by(ChallengeEntry.id)).all()  # type: ignore[arg-type]


def entry_of(session: Session, challenge_id: str, solver_org_id: str) -> ChallengeEntry | None:
    stmt = select(ChallengeEntry).where(ChallengeEntry.challenge_id == challenge_id, ChallengeEntry.solver_org_id == solver_org_id)
    return session.exec(stmt).first()


def scores(session: Session, entry_id: str) -> Sequence[ChallengeScore]:
    return session.exec(select(ChallengeScore).where(ChallengeScore.entry_id == entry_id).order_by(ChallengeScore.id)).all()  # type: ignore[arg-type]


def score_by(session: Session, entry_id: str, org_id: str) -> ChallengeScore | None:
    return session.exec(select(ChallengeScore).where(ChallengeScore.entry_id == entry_id, ChallengeScore.evaluator_org_id == org_id)).first()


def awards(session: Session, challenge_id: str) -> Sequence[ChallengeAward]:
    return session.exec(select(ChallengeAward).where(ChallengeAward.challenge_id == challenge_id).order_by(ChallengeAward.id)).all()  # type: ignore[arg-type]
