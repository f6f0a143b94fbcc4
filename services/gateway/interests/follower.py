"""Follows the registry change feed: keeps the listing projection, and for the newly published technologies of
each feed page asks matching which saved interests and open demands they fit, then records notifications and
webhook events.

A page at a time, in a fixed number of matching calls however many technologies it brings: one `POST /v1/batch`
per 50 saved interests (each interest's search, asked once for the whole page; a technology of the page in an
interest's top `notify_k` of sufficient strength is a match, as it was when every technology asked every
interest on its own) and one `POST /v1/records/batch` with the page's technologies for their demands.

Exactly-once effect across restarts: a page's notifications, webhook events, projection rows and the new cursor
are committed in ONE transaction; the cursor moves by compare-and-set, so a second gateway process following
the same database cannot apply a page twice. Matching calls pass `min_seq` = the seq of the page's last new
technology so every one of them is already indexed; when matching answers "not indexed yet" the part of the page
it has indexed is applied alone (the rest comes with the next pass); an unreachable service stops the pass
without moving the cursor, and the page is retried with backoff.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.gateway.brokers import repository as brokers_repository
from services.gateway.brokers.columns import now
from services.gateway.interests import repository
from services.gateway.metrics import FOLLOWER
from services.gateway.interests.config import FollowerSettings
from services.gateway.interests.models import FeedCursor, Notification, SavedInterest
from services.gateway.stats.models import Listing
from services.gateway.webhooks import service as webhooks
from services.gateway.webhooks.schemas import EventType
from shared.feed_metrics import FEED_LAG
from shared.http import SyncServiceClient
from shared.matching_schemas import MAX_BATCH, MAX_RECORD_BATCH

log = logging.getLogger(__name__)
CURSOR_NAME = "registry_feed"
STRENGTH_RANK = {"weak": 0, "possible": 1, "strong": 2}


class RetryLater(Exception):
    """Matching or the registry cannot answer for this page now; keep the cursor and try again."""


class NotIndexedYet(RetryLater):
    """Matching has not indexed the page's new technologies yet (409 not-indexed-yet); it has up to `indexed_seq`."""

    def __init__(self, indexed_seq: int) -> None:
        super().__init__(f"matching has indexed up to seq {indexed_seq} only")
        self.indexed_seq = indexed_seq


@dataclass
class PageEffects:
    last_seq: int
    listings: list[Listing] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)


def _parse_time(value: Any, fallback: datetime) -> datetime:
    if not value:
        return fallback
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


class FeedFollower:
    def __init__(self, engine: Engine, registry: SyncServiceClient, matching: SyncServiceClient,
                 settings: FollowerSettings | None = None) -> None:
        self.engine = engine
        self.registry = registry
        self.matching = matching
        self.settings = settings or FollowerSettings()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ one pass
    def run_once(self) -> int:
        """Apply the next page of feed events; returns how many were applied."""
        with Session(self.engine) as session:
            after = repository.cursor(session, CURSOR_NAME)
        resp = self.registry.get("/v1/changes", params={"after": after, "limit": self.settings.feed_batch})
        if resp.status_code != 200:
            raise RetryLater(f"registry feed answered {resp.status_code}")
        page = resp.json()
        items = page["items"]
        if items:
            try:
                effects = self._effects(items)
            except NotIndexedYet as exc:
                # Matching is behind (it encodes every new record): apply the part of the page it has indexed
                # now rather than wait for all of it, so this follower trails matching by a page at most.
                items = [e for e in items if e["seq"] <= exc.indexed_seq]
                if not items:
                    raise
                effects = self._effects(items)
            if not self._commit(after, effects):
                return 0  # another follower applied this page first
            after = items[-1]["seq"]
        FEED_LAG.record(FOLLOWER, head_seq=page["head_seq"], cursor=after)  # metrics
        return len(items)

    def _effects(self, events: list[dict[str, Any]]) -> PageEffects:
        """Listings and notifications of one page, in feed order (matching asked once for the whole page)."""
        effects = PageEffects(last_seq=events[-1]["seq"])
        news = [e for e in events if e["entity"] in ("technology", "demand") and e.get("record")
                and e["record"].get("status") == "published"]
        with Session(self.engine) as session:
            ids = {e["record"]["id"] for e in news}
            known = set(session.exec(select(Listing.id).where(col(Listing.id).in_(ids)))) if ids else set()
        at = now()
        new_techs: list[tuple[dict[str, Any], int]] = []
        for event in news:
            record = event["record"]
            if record["id"] in known:
                continue  # already published before (or earlier in this page): an update, not news
            known.add(record["id"])
            effects.listings.append(Listing(
                id=record["id"], entity=event["entity"], domain=record.get("domain"), region=record.get("region"),
                owner_org_id=record.get("owner_org_id"),
                published_at=_parse_time(record.get("published_at"), _parse_time(event.get("at"), at))))
            if event["entity"] == "technology":
                new_techs.append((record, event["seq"]))
        if new_techs:
            effects.notifications = self._matches_for_new_technologies(new_techs, effects.listings, at)
        return effects

    def _matches_for_new_technologies(self, techs: list[tuple[dict[str, Any], int]], page_listings: list[Listing],
                                      at: datetime) -> list[Notification]:
        min_seq = max(seq for _, seq in techs)
        with Session(self.engine) as session:
            interests = repository.all_interests(session)
        interest_hits = self._interest_hits(interests, min_seq)
        demand_hits = self._demand_hits([t["id"] for t, _ in techs], min_seq)
        listed = {item.id: item for item in page_listings}
        found: list[Notification] = []
        with Session(self.engine) as session:
            orgs_of_demand: dict[str, list[str]] = {}
            for tech, seq in techs:
                base = {"technology_id": tech["id"], "technology_title": tech["title"][:200], "feed_seq": seq, "created_at": at}
                for interest, hits in zip(interests, interest_hits):
                    hit = next((h for h in hits if h["id"] == tech["id"]), None)
                    if hit and self._strong_enough(hit):
                        found.append(Notification(org_id=interest.org_id, kind="interest_match", interest_id=interest.id,
                                                  score=hit.get("score"), strength=hit.get("strength"), **base))
                for hit in filter(self._strong_enough, demand_hits.get(tech["id"], [])):
                    if hit["id"] not in orgs_of_demand:
                        demand = listed.get(hit["id"]) or session.get(Listing, hit["id"])
                        orgs = {e.broker_org_id for e in brokers_repository.engagements_on_subject(session, hit["id"])}
                        if demand is not None and demand.owner_org_id:
                            orgs.add(demand.owner_org_id)
                        orgs_of_demand[hit["id"]] = sorted(orgs)
                    found += [Notification(org_id=org, kind="demand_match", demand_id=hit["id"], score=hit.get("score"),
                                           strength=hit.get("strength"), **base) for org in orgs_of_demand[hit["id"]]]
        return found

    def _interest_hits(self, interests: list[SavedInterest], min_seq: int) -> list[list[dict[str, Any]]]:
        """Each interest's top `notify_k` technologies, searched once per page (50 interests per call)."""
        out: list[list[dict[str, Any]]] = []
        for chunk in _chunks(interests, MAX_BATCH):
            bodies = [{"query": i.query, "target": "technology", "k": self.settings.notify_k, "filters": i.filters or {},
                       "min_seq": min_seq} for i in chunk]
            resp = self._post("/v1/batch", {"queries": bodies})
            if resp.status_code == 200:
                out += [r.get("items", []) for r in resp.json()["results"]]
            elif resp.status_code == 422:
                # A saved filter matching no longer accepts refuses the whole batch: ask one by one, so only
                # that interest goes without matches (as before batching).
                out += [self._hits("/v1/search", body) for body in bodies]
            else:
                raise RetryLater(f"matching answered {resp.status_code} on /v1/batch")
        return out

    def _demand_hits(self, tech_ids: list[str], min_seq: int) -> dict[str, list[dict[str, Any]]]:
        """Open demands fitting each new technology: one call per page (records matching does not hold → none)."""
        out: dict[str, list[dict[str, Any]]] = {}
        for chunk in _chunks(tech_ids, MAX_RECORD_BATCH):
            body = {"source": "technology", "ids": chunk, "k": self.settings.notify_k, "min_seq": min_seq}
            resp = self._post("/v1/records/batch", body)
            if resp.status_code == 200:
                out.update({r["id"]: r.get("items", []) for r in resp.json()["results"]})
            elif resp.status_code in (404, 405):  # a matching older than the batch route (rolling upgrade)
                for tech_id in chunk:
                    out[tech_id] = self._hits(f"/v1/technologies/{tech_id}/demands", {"k": self.settings.notify_k,
                                                                                     "min_seq": min_seq})
            elif resp.status_code == 422:  # as the per-record route's 422 before: logged, no demand matches
                log.warning("matching refused /v1/records/batch (422): %s", resp.text[:300])
            else:
                raise RetryLater(f"matching answered {resp.status_code} on /v1/records/batch")
        return out

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        try:
            resp = self.matching.post(path, json=body)
        except Exception as exc:  # noqa: BLE001 - any transport failure means "later"
            raise RetryLater(f"matching unreachable: {exc}") from exc
        if resp.status_code == 409 and resp.headers.get("content-type", "").startswith("application/problem+json"):
            problem = resp.json()
            if str(problem.get("type", "")).endswith("not-indexed-yet"):
                raise NotIndexedYet(int(problem.get("indexed_seq") or 0))
        return resp

    def _hits(self, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        resp = self._post(path, body)
        if resp.status_code == 200:
            return resp.json().get("items", [])
        if resp.status_code in (404, 422):  # record gone since, or a saved filter matching no longer accepts
            log.warning("matching refused %s (%s): %s", path, resp.status_code, resp.text[:300])
            return []
        raise RetryLater(f"matching answered {resp.status_code} on {path}")

    def _strong_enough(self, hit: dict[str, Any]) -> bool:
        return STRENGTH_RANK.get(hit.get("strength", "weak"), 0) >= STRENGTH_RANK[self.settings.notify_min_strength]

    def _commit(self, previous: int, effects: PageEffects) -> bool:
        with Session(self.engine) as session:
            at = now()
            if previous == 0 and session.get(FeedCursor, CURSOR_NAME) is None:
                session.add(FeedCursor(name=CURSOR_NAME, last_seq=effects.last_seq, updated_at=at))
            else:
                moved = session.execute(
                    sa.update(FeedCursor).where(col(FeedCursor.name) == CURSOR_NAME, col(FeedCursor.last_seq) == previous)
                    .values(last_seq=effects.last_seq, updated_at=at)
                ).rowcount
                if moved != 1:
                    session.rollback()
                    return False
            session.add_all(effects.listings)
            for note in effects.notifications:
                session.add(note)
                webhooks.enqueue(session, note.org_id, EventType.match_found, {
                    "kind": note.kind, "technology_id": note.technology_id, "technology_title": note.technology_title,
                    "interest_id": note.interest_id, "demand_id": note.demand_id, "score": note.score,
                    "strength": note.strength, "feed_seq": note.feed_seq})
            try:
                session.commit()
            except IntegrityError:  # a concurrent follower created the cursor or a listing first
                session.rollback()
                return False
        return True

    # ------------------------------------------------------------------ background thread
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="feed-follower", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)

    def _loop(self) -> None:
        delay = self.settings.feed_poll_seconds
        while not self._stop.is_set():
            try:
                applied = self.run_once()
                delay = self.settings.feed_poll_seconds if applied == 0 else 0
            except NotIndexedYet as exc:  # not an outage: matching is busy indexing, look again soon
                delay = self.settings.feed_poll_seconds
                log.info("feed follower waits for matching (%s)", exc)
            except Exception as exc:  # noqa: BLE001 - the follower must survive outages; it resumes from its cursor
                delay = min(max(delay, self.settings.feed_poll_seconds) * 2, self.settings.feed_max_backoff_seconds)
                log.warning("feed follower pass stopped (%s); retrying in %.1fs", exc, delay)
            self._stop.wait(delay)
