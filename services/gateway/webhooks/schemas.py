"""Webhook API shapes."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field


class EventType(StrEnum):
    introduction_requested = "introduction.requested"
    introduction_accepted = "introduction.accepted"
    introduction_declined = "introduction.declined"
    deal_stage_changed = "deal.stage_changed"
    commission_computed = "commission.computed"
    match_found = "match.found"
    # public trading (docs/trading.md)
    trade_listing_published = "trade_listing.published"
    trade_listing_objection_raised = "trade_listing.objection_raised"
    trade_listing_objection_resolved = "trade_listing.objection_resolved"
    trade_listing_applied = "trade_listing.applied"
    trade_listing_concluded = "trade_listing.concluded"  # agreed, auction, lapsed, suspended or withdrawn
    auction_opened = "auction.opened"
    auction_bidder_registered = "auction.bidder_registered"
    auction_bid_placed = "auction.bid_placed"
    auction_extended = "auction.extended"
    auction_closed = "auction.closed"
    tender_published = "tender.published"
    tender_offer_submitted = "tender.offer_submitted"
    tender_opened = "tender.opened"
    tender_awarded = "tender.awarded"
    contract_registered = "contract.registered"
    # technology evaluation (docs/evaluation_catalog_challenges.md)
    evaluation_requested = "evaluation.requested"
    evaluation_request_decided = "evaluation.request_decided"  # accepted, declined or cancelled
    evaluation_recorded = "evaluation.recorded"
    evaluation_responded = "evaluation.responded"
    # promotion catalog (docs/evaluation_catalog_challenges.md)
    catalog_nominated = "catalog.nominated"  # to the technology's owner when someone else nominated it
    catalog_published = "catalog.published"  # to the owner of each technology in the edition
    catalog_entry_withdrawn = "catalog.entry_withdrawn"  # to the owner, with the adjustment and reason
    # open challenges (揭榜挂帅)
    challenge_published = "challenge.published"
    challenge_solver_proposed = "challenge.solver_proposed"  # to owners of technologies matching proposed
    challenge_entry_submitted = "challenge.entry_submitted"  # to the challenge owner
    challenge_awarded = "challenge.awarded"  # to the challenge owner and each awarded solver


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"url": "https://crm.example.com/hooks/greentech",
                                         "event_types": ["deal.stage_changed", "match.found"],
                                         "description": "推送到本机构的CRM系统"}]},
    )
    url: AnyHttpUrl = Field(description="HTTPS endpoint that accepts POSTed JSON events")
    event_types: list[EventType] = Field(min_length=1, max_length=len(EventType))
    description: str | None = Field(None, max_length=200)


DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 3600
MAX_ROTATION_OVERLAP_SECONDS = 7 * 24 * 3600


class SecretRotation(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"expires_in_seconds": 86400}]})
    expires_in_seconds: int = Field(
        DEFAULT_ROTATION_OVERLAP_SECONDS, ge=0, le=MAX_ROTATION_OVERLAP_SECONDS,
        description="How long the replaced secret keeps signing deliveries beside the new one (0: it stops now; "
                    "at most 7 days). Update your receiver within this window.",
    )


class SubscriptionPublic(BaseModel):
    id: str
    org_id: str
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime
    previous_secret_expires_at: datetime | None = Field(
        None, description="After a rotation: until then every delivery is also signed with the previous secret")


class SubscriptionCreated(SubscriptionPublic):
    secret: str = Field(description="Signing secret, shown only now: verify `X-Greentech-Signature` with it")


class AttemptPublic(BaseModel):
    number: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryPublic(BaseModel):
    id: str
    event_id: str
    event_type: str
    subscription_id: str
    status: str = Field(description="pending | delivered | failed")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptPublic] = Field(default_factory=list)


class EventEnvelope(BaseModel):
    """The JSON body every webhook POST carries."""

    event_id: str = Field(examples=["evt_3f9c2a7b1d0e4c5a8b6f"])
    type: EventType
    created_at: datetime
    org_id: str
    data: dict[str, Any] = Field(examples=[{"deal_id": "deal_1a2b", "from_stage": "signed", "to_stage": "closed", "stage_name": "成交"}])
