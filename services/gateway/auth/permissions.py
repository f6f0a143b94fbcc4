"""The permission matrix: one table, role × action → ALL (any record), OWN (own tenant only) or absent (refused).

"Own" means: for enterprises, records whose `owner_org_id` is the key's organization (and that organization
itself); for platforms, records whose `external_ref.source` is the key's `source`. docs/permissions.md is
this table in prose; tests/gateway/test_permission_matrix.py tries every row.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any

from services.gateway.auth.deps import Principal
from services.gateway.auth.roles import Role
from shared.errors import ProblemError


class Scope(StrEnum):
    all = "all"
    own = "own"


class Action(StrEnum):
    taxonomy_read = "taxonomy.read"
    listing_read = "listing.read"  # technologies and demands that are published
    listing_read_unpublished = "listing.read_unpublished"  # submitted, on_hold, rejected, withdrawn, expired
    listing_create = "listing.create"
    listing_update = "listing.update"  # PATCH, withdraw, renew
    listing_override = "listing.override"  # screening override (publish / hold / reject by hand)
    listing_bulk_upsert = "listing.bulk_upsert"
    listing_export = "listing.export"
    contacts_read = "contacts.read"  # owner organization's contact people
    organization_read = "organization.read"
    organization_create = "organization.create"
    organization_update = "organization.update"
    changes_read = "changes.read"
    match = "match.search"  # search, demand→technologies, technology→demands, similar, batch
    engagement_run = "engagement.run"  # broker workspace (engagements, introductions, deals)
    evaluation_read = "evaluation.read"
    keys_manage = "keys.manage"
    audit_read = "audit.read"
    trading_read = "trading.read"  # listings with notice, auctions, tenders (public: the notice is public)
    trading_list = "trading.list"  # list a technology for public trading (挂牌), start its auction
    trading_object = "trading.object"  # raise an objection during a listing's notice (异议)
    trading_resolve = "trading.resolve"  # resolve objections (upheld → listing suspended)
    trading_bid = "trading.bid"  # apply to a listing, register for an auction (deposit), bid, submit tender offers
    tender_publish = "tender.publish"  # publish a tender (招标), score and award it
    contract_register = "contract.register"  # register a closed deal as a technology contract (技术合同登记)
    contract_read = "contract.read"  # contract records, export and contract statistics
    patent_read = "patent.read"  # patents (public register data), the green IPC table, green patent statistics
    patent_write = "patent.write"  # register a patent, record its legal events (own: the holder organization)
    infringement_record = "infringement.record"  # record a decision, decide an appeal, correct a record
    infringement_read = "infringement.read"  # own: accused, claimant, and the accused's counterparties
    infringement_answer = "infringement.answer"  # answer or appeal (own: the accused organization)
    infringement_export = "infringement.export"  # JSON Lines for credit-sharing platforms
    finance_product_read = "finance.product_read"  # finance products are public offers
    finance_product_publish = "finance.product_publish"  # own: a financial_institution organization's key
    finance_need_post = "finance.need_post"  # own: for the key's organization
    finance_need_read = "finance.need_read"  # own: the need's organization; a financier: others' open needs and those introduced to it
    finance_introduce = "finance.introduce"  # introduce a need to a product (own: the need's organization)
    finance_answer = "finance.answer"  # accept / decline / grant (own: the product's financier)
    finance_stats = "finance.stats"  # own: what the organization asked, offered or introduced
    evaluation_record = "evaluation.record"  # record a technology evaluation (技术评价) as your organization
    evaluation_request = "evaluation.request"  # ask for an evaluation of your technology, respond to one, cancel
    evaluation_decide = "evaluation.decide"  # accept or decline an evaluation request
    catalog_read = "catalog.read"  # published promotion catalog editions (推广目录), exports, adoption reports
    catalog_manage = "catalog.manage"  # open a call for nominations, publish an edition, adjust it
    catalog_nominate = "catalog.nominate"  # nominate a published technology to an open call
    catalog_review = "catalog.review"  # expert review of nominations (scores and comments)
    catalog_report = "catalog.report"  # follow-up report on the adoption of a catalog entry
    challenge_read = "challenge.read"  # challenges and campaigns (public); entries and scores only for their parties
    challenge_campaign = "challenge.campaign"  # open a needs collection campaign (征集)
    challenge_publish = "challenge.publish"  # submit a need to a campaign, publish a challenge, propose solvers, award
    challenge_enter = "challenge.enter"  # submit an entry (揭榜) for your organization
    challenge_score = "challenge.score"  # score entries after the deadline (appointed evaluators only)


A, O = Scope.all, Scope.own
_ = None
R = Role
# fmt: off
MATRIX: dict[Action, dict[Role, Scope | None]] = {
    #                                  admin         broker        enterprise    platform      evaluator     authority
    Action.taxonomy_read:            {R.admin: A, R.broker: A,  R.enterprise: A, R.platform: A, R.evaluator: A, R.authority: _},
    Action.listing_read:             {R.admin: A, R.broker: A,  R.enterprise: A, R.platform: A, R.evaluator: A, R.authority: _},
    Action.listing_read_unpublished: {R.admin: A, R.broker: _,  R.enterprise: O, R.platform: O, R.evaluator: A, R.authority: _},
    Action.listing_create:           {R.admin: A, R.broker: _,  R.enterprise: O, R.platform: O, R.evaluator: _, R.authority: _},
    Action.listing_update:           {R.admin: A, R.broker: _,  R.enterprise: O, R.platform: O, R.evaluator: _, R.authority: _},
    Action.listing_override:         {R.admin: A, R.broker: _,  R.enterprise: _, R.platform: _, R.evaluator: _, R.authority: _},
    Action.listing_bulk_upsert:      {R.admin: A, R.broker: _,  R.enterprise: _, R.platform: O, R.evaluator: _, R.authority: _},
    Action.listing_export:           {R.admin: A, R.broker: A,  R.enterprise: _, R.platform: A, R.evaluator: A, R.authority: _},
    Action.contacts_read:            {R.admin: A, R.broker: O,  R.enterprise: O, R.platform: _, R.evaluator: _, R.authority: _},
    Action.organization_read:        {R.admin: A, R.broker: A,  R.enterprise: A, R.platform: A, R.evaluator: A, R.authority: A},
    Action.organization_create:      {R.admin: A, R.broker: _,  R.enterprise: _, R.platform: O, R.evaluator: _, R.authority: _},
    Action.organization_update:      {R.admin: A, R.broker: _,  R.enterprise: O, R.platform: O, R.evaluator: _, R.authority: _},
    Action.changes_read:             {R.admin: A, R.broker: _,  R.enterprise: _, R.platform: A, R.evaluator: _, R.authority: _},
    Action.match:                    {R.admin: A, R.broker: A,  R.enterprise: A, R.platform: A, R.evaluator: A, R.authority: _},
    Action.engagement_run:           {R.admin: A, R.broker: A,  R.enterprise: _, R.platform: _, R.evaluator: _, R.authority: _},
    Action.evaluation_read:          {R.admin: A, R.broker: A,  R.enterprise: _, R.platform: _, R.evaluator: A, R.authority: _},
    Action.keys_manage:              {R.admin: A, R.broker: _,  R.enterprise: _, R.platform: _, R.evaluator: _, R.authority: _},
    Action.audit_read:               {R.admin: A, R.broker: _,  R.enterprise: _, R.platform: _, R.evaluator: _, R.authority: _},
    Action.trading_read:             {R.admin: A, R.broker: A,  R.enterprise: A, R.platform: A, R.evaluator: A, R.authority: _},
    Action.trading_list:             {R.admin: A, R.broker: _,  R.enterprise: O, R.platform: _, R.evaluator: _, R.authority: _},
    Action.trading_object:           {R.admin: A, R.broker: A,  R.enterprise: A, R.platform: A, R.evaluator: A, R.authority: _},
    Action.trading_resolve:          {R.admin: A, R.broker: _,  R.enterprise: _, R.platform: _, R.evaluator: _, R.authority: _},
    Action.trading_bid:              {R.admin: _, R.broker: _,  R.enterprise: O, R.platform: _, R.evaluator: _, R.authority: _},
    Action.tender_publish:           {R.admin: A, R.broker: _,  R.enterprise: O, R.platform: _, R.evaluator: _, R.authority: _},
    Action.contract_register:        {R.admin: A, R.broker: O,  R.enterprise: _, R.platform: _, R.evaluator: _, R.authority: _},
    Action.contract_read:            {R.admin: A, R.broker: O,  R.enterprise: O, R.platform: _, R.evaluator: _, R.authority: _},
    Action.patent_read:              {R.admin: A, R.broker: A,  R.enterprise: A, R.platform: A, R.evaluator: A, R.authority: A},
    Action.patent_write:             {R.admin: A, R.broker: _,  R.enterprise: O, R.platform: _, R.evaluator: _, R.authority: _},
    Action.infringement_record:      {R.admin: A, R.broker: _,  R.enterprise: _, R.platform: _, R.evaluator: _, R.authority: O},
    Action.infringement_read:        {R.admin: A, R.broker: A,  R.enterprise: O, R.platform: _, R.evaluator: _, R.authority: A},
    Action.infringement_answer:      {R.admin: A, R.broker: _,  R.enterprise: O, R.platform: _, R.evaluator: _, R.authority: _},
    Action.infringement_export:      {R.admin: A, R.broker: _,  R.enterprise: _, R.platform: A, R.evaluator: _, R.authority: _},
    Action.finance_product_read:     {R.admin: A, R.broker: A,  R.enterprise: A, R.platform: A, R.evaluator: A, R.authority: _},
    Action.finance_product_publish:  {R.admin: A, R.broker: _,  R.enterprise: O, R.platform: _, R.evaluator: _, R.authority: _},
    Action.finance_need_post:        {R.admin: A, R.broker: _,  R.enterprise: O, R.platform: _, R.evaluator: _, R.authority: _},
    Action.finance_need_read:        {R.admin: A, R.broker: A,  R.enterprise: O, R.platform: _, R.evaluator: _, R.authority: _},
    Action.finance_introduce:        {R.admin: A, R.broker: A,  R.enterprise: O, R.platform: _, R.evaluator: _, R.authority: _},
    Action.finance_answer:           {R.admin: A, R.broker: _,  R.enterprise: O, R.platform: _, R.evaluator: _, R.authority: _},
    Action.finance_stats:            {R.admin: A, R.broker: A,  R.enterprise: O, R.platform: _, R.evaluator: _, R.authority: _},
    Action.evaluation_record:        {R.admin: _, R.broker: _,  R.enterprise: _, R.platform: _, R.evaluator: A, R.authority: _},
    Action.evaluation_request:       {R.admin: A, R.broker: _,  R.enterprise: O, R.platform: O, R.evaluator: _, R.authority: _},
    Action.evaluation_decide:        {R.admin: _, R.broker: _,  R.enterprise: _, R.platform: _, R.evaluator: A, R.authority: _},
    Action.catalog_read:             {R.admin: A, R.broker: A,  R.enterprise: A, R.platform: A, R.evaluator: A, R.authority: _},
    Action.catalog_manage:           {R.admin: A, R.broker: _,  R.enterprise: _, R.platform: _, R.evaluator: _, R.authority: _},
    Action.catalog_nominate:         {R.admin: A, R.broker: A,  R.enterprise: O, R.platform: O, R.evaluator: _, R.authority: _},
    Action.catalog_review:           {R.admin: _, R.broker: _,  R.enterprise: _, R.platform: _, R.evaluator: A, R.authority: _},
    Action.catalog_report:           {R.admin: A, R.broker: A,  R.enterprise: O, R.platform: O, R.evaluator: _, R.authority: _},
    Action.challenge_read:           {R.admin: A, R.broker: A,  R.enterprise: A, R.platform: A, R.evaluator: A, R.authority: _},
    Action.challenge_campaign:       {R.admin: A, R.broker: A,  R.enterprise: _, R.platform: _, R.evaluator: _, R.authority: _},
    Action.challenge_publish:        {R.admin: A, R.broker: _,  R.enterprise: O, R.platform: O, R.evaluator: _, R.authority: _},
    Action.challenge_enter:          {R.admin: _, R.broker: _,  R.enterprise: O, R.platform: O, R.evaluator: _, R.authority: _},
    Action.challenge_score:          {R.admin: _, R.broker: _,  R.enterprise: _, R.platform: _, R.evaluator: O, R.authority: _},
}
# fmt: on
# contacts_read for brokers: "own" means an engagement of theirs has an accepted introduction for the record.
# trading_list/tender_publish own: the technology's (demand's) owner organization; trading_bid own: for your own
# organization only; contract_register own (broker): deals your organization runs; contract_read own: contracts
# where your organization is seller, buyer or the deal's broker.
# evaluation_record/decide: for the key's own organization (the evaluator of record), never on a technology of its own
# organization or one it has a deal on (conflict of interest, 409); evaluation_request own: the technology's owner.
# catalog_nominate/catalog_report own: the technology's owner; catalog_review: not on a technology of a conflicted
# organization (same rule as evaluations). challenge_publish own: the demand's owner; challenge_enter own: for your
# organization, linking its own published technologies; challenge_score own: evaluators the challenge appointed.
# authority (市场监管局/知识产权局/法院 keys): infringement_record own = records it recorded itself (a decision is
# always recorded as the key's organization; appeal decisions and corrections only on its own records); it reads
# organizations, patents and every infringement record, and nothing else.


def scope_of(principal: Principal, action: Action) -> Scope | None:
    return MATRIX[action].get(principal.role)


def require(principal: Principal, action: Action) -> Scope:
    """The caller's scope for `action`, or a 403 problem naming the roles that may do it."""
    scope = scope_of(principal, action)
    if scope is None:
        allowed = [role.value for role, s in MATRIX[action].items() if s is not None]
        raise forbidden(f"A {principal.role.value} key may not do {action.value}; it needs role {' or '.join(allowed)}.",
                        action=action, required_roles=allowed)
    return scope


def owns_record(principal: Principal, record: dict[str, Any]) -> bool:
    """Is this technology/demand the caller's own (in the sense of the matrix's OWN)?

    A platform's records are those under its external_ref.source AND owned by an organization it may act for
    (its own, or one that delegated to it): a source alone is not enough, or anyone who put a platform's
    code on a record would hand that record to the platform."""
    if principal.role == Role.enterprise:
        return record.get("owner_org_id") == principal.org_id
    if principal.role == Role.platform:
        return source_of(record) == principal.source and principal.may_act_for(record.get("owner_org_id"))
    return False


def owns_organization(principal: Principal, org: dict[str, Any]) -> bool:
    if principal.role == Role.enterprise:
        return org.get("id") == principal.org_id
    if principal.role == Role.platform:
        return org.get("id") == principal.org_id or org.get("id") in principal.delegated_org_ids
    return False


def authorize_record(principal: Principal, action: Action, record: dict[str, Any]) -> None:
    """403 unless the caller may do `action` on this existing record."""
    scope = require(principal, action)
    if scope == Scope.own and not owns_record(principal, record):
        raise forbidden(_not_own_detail(principal, action), action=action)


def authorize_organization(principal: Principal, action: Action, org: dict[str, Any]) -> None:
    scope = require(principal, action)
    if scope == Scope.own and not owns_organization(principal, org):
        raise forbidden(_not_own_detail(principal, action), action=action)


def may_see_unpublished(principal: Principal, record: dict[str, Any]) -> bool:
    scope = scope_of(principal, Action.listing_read_unpublished)
    return scope == Scope.all or (scope == Scope.own and owns_record(principal, record))


def source_of(record: dict[str, Any]) -> str | None:
    ref = record.get("external_ref") or {}
    return ref.get("source") if isinstance(ref, dict) else None


def _not_own_detail(principal: Principal, action: Action) -> str:
    if principal.role == Role.platform:
        return f"{action.value} is limited to records whose external_ref.source is {principal.source!r} (your platform)."
    return f"{action.value} is limited to your own organization's records ({principal.org_id})."


def forbidden(detail: str, **extra: Any) -> ProblemError:
    return ProblemError(403, "Forbidden", detail, kind="forbidden", extra={k: str(v) if isinstance(v, StrEnum) else v for k, v in extra.items()})
