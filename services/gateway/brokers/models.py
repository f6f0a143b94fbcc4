"""Broker workspace tables: engagement → shortlist entries → introductions → deals (with stage history)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from services.gateway.brokers.columns import BIGINT, utc_column


class Engagement(SQLModel, table=True):
    """A broker working one record: a demand looking for technologies, or a technology looking for buyers."""

    __tablename__ = "engagement"

    id: str = Field(primary_key=True, max_length=40)
    broker_org_id: str = Field(max_length=64, index=True)
    broker_key_id: str = Field(max_length=40)
    subject_entity: str = Field(max_length=20)  # demand | technology
    subject_id: str = Field(max_length=64, index=True)
    subject_title: str = Field(max_length=200)
    subject_domain: str | None = Field(None, max_length=40)
    subject_region: str | None = Field(None, max_length=6)
    subject_owner_org_id: str | None = Field(None, max_length=64)
    note: str | None = Field(None, max_length=2000)
    created_at: datetime = Field(sa_column=utc_column(index=True))


class ShortlistEntry(SQLModel, table=True):
    __tablename__ = "shortlist_entry"
    __table_args__ = (sa.UniqueConstraint("engagement_id", "candidate_id", name="uq_shortlist_candidate"),)

    id: str = Field(primary_key=True, max_length=40)
    engagement_id: str = Field(foreign_key="engagement.id", max_length=40, index=True)
    candidate_entity: str = Field(max_length=20)
    candidate_id: str = Field(max_length=64)
    candidate_title: str = Field(max_length=200)
    candidate_domain: str | None = Field(None, max_length=40)
    candidate_region: str | None = Field(None, max_length=6)
    candidate_owner_org_id: str | None = Field(None, max_length=64)
    note: str | None = Field(None, max_length=2000)
    match: dict[str, Any] | None = Field(None, sa_column=sa.Column(sa.JSON, nullable=True))
    created_by: str = Field(max_length=40)
    created_at: datetime = Field(sa_column=utc_column())


class Introduction(SQLModel, table=True):
    """A broker asks the candidate's owner organization to meet the other side (引荐)."""

    __tablename__ = "introduction"

    id: str = Field(primary_key=True, max_length=40)
    engagement_id: str = Field(foreign_key="engagement.id", max_length=40, index=True)
    shortlist_entry_id: str = Field(foreign_key="shortlist_entry.id", max_length=40, unique=True)
    broker_org_id: str = Field(max_length=64, index=True)
    requested_by: str = Field(max_length=40)
    target_org_id: str = Field(max_length=64, index=True)
    technology_id: str = Field(max_length=64, index=True)
    demand_id: str = Field(max_length=64, index=True)
    domain: str | None = Field(None, max_length=40)
    region: str | None = Field(None, max_length=6)
    message: str | None = Field(None, max_length=2000)
    status: str = Field(max_length=20, index=True)  # requested | accepted | declined
    decline_reason: str | None = Field(None, max_length=20)
    response_text: str | None = Field(None, max_length=2000)
    responded_by: str | None = Field(None, max_length=40)
    requested_at: datetime = Field(sa_column=utc_column(index=True))
    responded_at: datetime | None = Field(None, sa_column=utc_column(nullable=True))


class Deal(SQLModel, table=True):
    """A deal from a broker introduction (origin `introduction`) or from public trading (origin `listing`,
    `auction` or `tender`, with `origin_id` that record and no introduction/engagement)."""

    __tablename__ = "deal"

    id: str = Field(primary_key=True, max_length=40)
    introduction_id: str | None = Field(None, foreign_key="introduction.id", max_length=40, unique=True)
    engagement_id: str | None = Field(None, foreign_key="engagement.id", max_length=40, index=True)
    broker_org_id: str = Field(max_length=64, index=True)
    technology_id: str = Field(max_length=64)
    demand_id: str | None = Field(None, max_length=64)
    origin: str = Field("introduction", max_length=20, index=True)  # introduction | listing | auction | tender
    origin_id: str | None = Field(None, max_length=40, index=True)
    seller_org_id: str | None = Field(None, max_length=64, index=True)  # trading deals: the two parties
    buyer_org_id: str | None = Field(None, max_length=64, index=True)
    domain: str | None = Field(None, max_length=40)
    region: str | None = Field(None, max_length=6)
    stage: str = Field(max_length=20, index=True)
    contract_amount_fen: int | None = Field(None, sa_column=sa.Column(BIGINT, nullable=True))
    version: int = 1
    opened_at: datetime = Field(sa_column=utc_column(index=True))
    updated_at: datetime = Field(sa_column=utc_column())
    closed_at: datetime | None = Field(None, sa_column=utc_column(nullable=True, index=True))


class DealStageChange(SQLModel, table=True):
    __tablename__ = "deal_stage_change"

    id: int | None = Field(None, sa_column=sa.Column(BIGINT, primary_key=True, autoincrement=True))
    deal_id: str = Field(foreign_key="deal.id", max_length=40, index=True)
    from_stage: str | None = Field(None, max_length=20)
    to_stage: str = Field(max_length=20)
    contract_amount_fen: int | None = Field(None, sa_column=sa.Column(BIGINT, nullable=True))
    note: str | None = Field(None, max_length=2000)
    actor_key_id: str = Field(max_length=40)
    actor_org_id: str = Field(max_length=64)
    at: datetime = Field(sa_column=utc_column())


class DealBrokerShare(SQLModel, table=True):
    """Which broker organizations worked a deal and their share of the commission (sums to 100 %)."""

    __tablename__ = "deal_broker_share"

    deal_id: str = Field(foreign_key="deal.id", primary_key=True, max_length=40)
    broker_org_id: str = Field(primary_key=True, max_length=64)
    position: int = 0  # order given by the broker: decides who gets leftover fen on ties
    share_percent: Decimal = Field(sa_column=sa.Column(sa.Numeric(5, 2), nullable=False))
