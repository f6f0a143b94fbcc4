"""Webhook API shapes."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, create_model


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
    # IP services and green finance (docs/ip_and_finance.md)
    patent_status_changed = "patent.status_changed"  # to the holder organizations
    infringement_recorded = "infringement.recorded"  # to the accused (and claimant) organization
    infringement_updated = "infringement.updated"  # answer, appeal, appeal decision or correction
    finance_introduction_requested = "finance_introduction.requested"  # to the financier and the need's organization
    finance_introduction_answered = "finance_introduction.answered"  # accepted or declined
    finance_granted = "finance_introduction.granted"  # the amount granted
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


# --------------------------------------------------------------------------- event payloads (the `webhooks` section)
class IntroductionEventData(BaseModel):
    """introduction.requested / .accepted / .declined (brokers/service.py)."""

    introduction_id: str
    status: str = Field(description="requested | accepted | declined", examples=["accepted"])
    technology_id: str
    demand_id: str
    broker_org_id: str
    target_org_id: str
    decline_reason: str | None = Field(None, description="too_early | price | technical_fit | region | other")
    deal_id: str | None = Field(None, description="introduction.accepted only: the deal that opened")


class DealStageChangedData(BaseModel):
    deal_id: str
    from_stage: str = Field(examples=["signed"])
    to_stage: str = Field(examples=["closed"])
    stage_name: str = Field(examples=["成交"])
    contract_amount_cny: str | None = Field(None, description="Yuan with 2 decimals, as a string", examples=["3000000.00"])
    version: int


class CommissionComputedData(BaseModel):
    deal_id: str
    commission_cny: str = Field(description="Yuan with 2 decimals, as a string", examples=["110000.00"])


class MatchFoundData(BaseModel):
    kind: str = Field(description="`interest_match` (a saved interest) or `demand_match` (one of your demands)")
    technology_id: str
    technology_title: str = Field(examples=["沸石转轮吸附浓缩+蓄热燃烧(RTO)VOCs治理技术"])
    interest_id: str | None = None
    demand_id: str | None = None
    score: float | None = None
    strength: str | None = Field(None, examples=["strong"])
    feed_seq: int


class _Event(BaseModel):
    event_id: str = Field(examples=["evt_3f9c2a7b1d0e4c5a8b6f"], description="Dedupe by it: delivery is at least once")
    created_at: datetime
    org_id: str = Field(description="The receiving organization")


class IntroductionRequestedEvent(_Event):
    type: Literal["introduction.requested"]
    data: IntroductionEventData


class IntroductionAcceptedEvent(_Event):
    type: Literal["introduction.accepted"]
    data: IntroductionEventData


class IntroductionDeclinedEvent(_Event):
    type: Literal["introduction.declined"]
    data: IntroductionEventData


class DealStageChangedEvent(_Event):
    type: Literal["deal.stage_changed"]
    data: DealStageChangedData


class CommissionComputedEvent(_Event):
    type: Literal["commission.computed"]
    data: CommissionComputedData


class MatchFoundEvent(_Event):
    type: Literal["match.found"]
    data: MatchFoundData


# Payloads of the public-trading and IP/finance events (docs/trading.md, docs/ip_and_finance.md). Each names
# the record it is about and its state; the event-specific extras listed are present on the events that carry them.
class TradeListingEventData(BaseModel):
    """trade_listing.* (trading_listings/service.py)."""

    model_config = ConfigDict(extra="allow")
    listing_id: str
    technology_id: str
    status: str = Field(examples=["notice"])
    notice_ends_at: datetime
    applicant_org_id: str | None = Field(None, description="trade_listing.applied")


class AuctionEventData(BaseModel):
    """auction.* (auctions/service.py). Sealed auctions send bid receipts to the bidder only."""

    model_config = ConfigDict(extra="allow")
    auction_id: str
    kind: str = Field(description="english | sealed", examples=["english"])
    technology_id: str
    listing_id: str | None = None
    ends_at: datetime
    bid_id: str | None = Field(None, description="auction.bid_placed")


class TenderEventData(BaseModel):
    """tender.* (tenders/service.py). Offers stay sealed: an offer receipt goes to its bidder only."""

    model_config = ConfigDict(extra="allow")
    tender_id: str
    status: str = Field(examples=["open"])
    deadline: datetime
    demand_id: str | None = None
    offer_id: str | None = Field(None, description="tender.offer_submitted")


class ContractRegisteredData(BaseModel):
    contract_id: str
    deal_id: str
    contract_type: str = Field(examples=["technology_license"])
    contract_amount_cny: str = Field(description="Yuan with 2 decimals, as a string", examples=["3000000.00"])


class PatentStatusChangedData(BaseModel):
    patent_id: str
    application_number: str = Field(examples=["CN202010123456.7"])
    kind: str = Field(description="The legal event: granted | lapsed | restored | transferred | pledged | pledge_released")
    on: str = Field(description="Date of the legal event (YYYY-MM-DD)")
    status: str = Field(description="The patent's status today")
    flags: list[str] = Field(default_factory=list, examples=[["pledged"]])


class InfringementEventData(BaseModel):
    """infringement.recorded / .updated (to the accused and the claimant organization)."""

    model_config = ConfigDict(extra="allow")
    infringement_id: str
    decision_reference: str = Field(examples=["浙知执裁字〔2026〕12号"])
    status: str = Field(examples=["answered"])


class FinanceIntroductionEventData(BaseModel):
    """finance_introduction.* (to the need's organization, the financier and whoever asked)."""

    finance_introduction_id: str
    need_id: str
    product_id: str
    status: str = Field(examples=["granted"])


class EvaluationEventData(BaseModel):
    """evaluation.recorded / .responded carry the evaluation (`id` = evaluation id); evaluation.requested /
    .request_decided carry the request (`id` = request id, `evaluation_id` once answered)."""

    model_config = ConfigDict(extra="allow")
    id: str
    technology_id: str
    evaluator_org_id: str | None = None
    status: str | None = Field(None, examples=["accepted"])
    overall_score: float | None = None
    verdict: str | None = Field(None, examples=["recommended"])
    valid_until: str | None = None
    request_id: str | None = None
    owner_org_id: str | None = None
    evaluation_id: str | None = None


class CatalogEventData(BaseModel):
    """catalog.nominated (nomination_id, call_id, technology_id), .published (edition_id, name),
    .entry_withdrawn (edition_id, technology_id, adjustment, reason)."""

    model_config = ConfigDict(extra="allow")
    edition_id: str | None = None
    name: str | None = Field(None, examples=["2026 第一批"])
    nomination_id: str | None = None
    call_id: str | None = None
    technology_id: str | None = None
    adjustment: str | None = None
    reason: str | None = None


class ChallengeEventData(BaseModel):
    """challenge.* (揭榜挂帅); entries stay confidential: a solver's own entry id, never another's content."""

    model_config = ConfigDict(extra="allow")
    challenge_id: str
    demand_id: str
    title: str = Field(examples=["钢渣高值化综合利用技术揭榜挂帅"])
    deadline: datetime
    technology_id: str | None = Field(None, description="challenge.solver_proposed: the technology matching proposed")
    score: float | None = None
    strength: str | None = None
    entry_id: str | None = Field(None, description="challenge.entry_submitted / awarded (to the solver)")
    entry_ids: list[str] | None = Field(None, description="challenge.awarded (to the owner)")
    deal_id: str | None = Field(None, description="challenge.awarded: the deal the award opened")


def _event_model(event_type: EventType, data: type[BaseModel]) -> type[_Event]:
    name = "".join(part.capitalize() for part in event_type.value.replace(".", "_").split("_")) + "Event"
    return create_model(name, __base__=_Event, type=(Literal[event_type.value], ...), data=(data, ...))  # type: ignore[call-overload]


_FAMILY_DATA: dict[str, type[BaseModel]] = {
    "trade_listing.": TradeListingEventData, "auction.": AuctionEventData, "tender.": TenderEventData,
    "contract.": ContractRegisteredData, "patent.": PatentStatusChangedData, "infringement.": InfringementEventData,
    "finance_introduction.": FinanceIntroductionEventData, "evaluation.": EvaluationEventData, "catalog.": CatalogEventData,
    "challenge.": ChallengeEventData,
}

EVENT_MODELS: dict[EventType, type[_Event]] = {
    EventType.introduction_requested: IntroductionRequestedEvent,
    EventType.introduction_accepted: IntroductionAcceptedEvent,
    EventType.introduction_declined: IntroductionDeclinedEvent,
    EventType.deal_stage_changed: DealStageChangedEvent,
    EventType.commission_computed: CommissionComputedEvent,
    EventType.match_found: MatchFoundEvent,
    **{e: _event_model(e, data) for e in EventType for prefix, data in _FAMILY_DATA.items() if e.value.startswith(prefix)},
}
