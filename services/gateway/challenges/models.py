"""Campaigns (征集), challenges (揭榜挂帅), entries, scores and awards: role-driven workflow, gateway-owned."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from services.gateway.brokers.columns import BIGINT, utc_column


class ChallengeCampaign(SQLModel, table=True):
    __tablename__ = "challenge_campaign"

    id: str = Field(primary_key=True, max_length=40)
    title: str = Field(max_length=120)
    description: str | None = Field(None, max_length=4000)
    organizer_org_id: str = Field(max_length=64)
    closes_at: datetime = Field(sa_column=utc_column())
    created_at: datetime = Field(sa_column=utc_column(index=True))


class CampaignNeed(SQLModel, table=True):
    __tablename__ = "campaign_need"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "demand_id", name="uq_campaign_need"),)

    id: str = Field(primary_key=True, max_length=40)
    campaign_id: str = Field(foreign_key="challenge_campaign.id", max_length=40, index=True)
    demand_id: str = Field(max_length=64)
    demand_title: str = Field(max_length=200)
    owner_org_id: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=utc_column())


class Challenge(SQLModel, table=True):
    __tablename__ = "challenge"

    id: str = Field(primary_key=True, max_length=40)
    demand_id: str = Field(max_length=64, index=True)
    campaign_id: str | None = Field(None, max_length=40)
    owner_org_id: str = Field(max_length=64, index=True)
    title: str = Field(max_length=200)
    domain: str | None = Field(None, max_length=40)
    region: str | None = Field(None, max_length=6)
    award_fen: int = Field(sa_column=sa.Column(BIGINT, nullable=False))
    deadline_at: datetime = Field(sa_column=utc_column(index=True))
    eligibility: str = Field(max_length=2000)
    ip_terms: str = Field(max_length=2000)
    criteria: list[dict[str, Any]] = Field(sa_column=sa.Column(sa.JSON, nullable=False))  # [{name, weight}]
    evaluator_org_ids: list[str] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    status: str = Field(max_length=20)  # open | awarded
    created_at: datetime = Field(sa_column=utc_column())


class ChallengeEntry(SQLModel, table=True):
    __tablename__ = "challenge_entry"

    id: str = Field(primary_key=True, max_length=40)
    challenge_id: str = Field(foreign_key="challenge.id", max_length=40, index=True)
    solver_org_id: str = Field(max_length=64, index=True)
    technology_ids: list[str] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    solution: str = Field(max_length=20000)
    attachments: list[dict[str, Any]] = Field(sa_column=sa.Column(sa.JSON, nullable=False))  # [{title, reference}]
    status: str = Field(max_length=20)  # submitted | awarded
    submitted_at: datetime = Field(sa_column=utc_column())


class ChallengeScore(SQLModel, table=True):
    __tablename__ = "challenge_score"
    __table_args__ = (sa.UniqueConstraint("entry_id", "evaluator_org_id", name="uq_challenge_score_evaluator"),)

    id: str = Field(primary_key=True, max_length=40)
    entry_id: str = Field(foreign_key="challenge_entry.id", max_length=40, index=True)
    evaluator_org_id: str = Field(max_length=64)
    scores: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))  # criterion name -> 0..100
    weighted: float
    comments: str = Field(max_length=4000)
    created_at: datetime = Field(sa_column=utc_column())


class ChallengeAward(SQLModel, table=True):
    __tablename__ = "challenge_award"

    id: str = Field(primary_key=True, max_length=40)
    challenge_id: str = Field(foreign_key="challenge.id", max_length=40, index=True)
    entry_id: str = Field(foreign_key="challenge_entry.id", max_length=40, unique=True)
    amount_fen: int = Field(sa_column=sa.Column(BIGINT, nullable=False))
    milestones: list[dict[str, Any]] = Field(sa_column=sa.Column(sa.JSON, nullable=False))  # 赛马 stages [{title, due, amount_fen}]
    deal_id: str = Field(max_length=40)
    created_at: datetime = Field(sa_column=utc_column())
