"""Follows the registry change feed: keeps the listing projection, and for every newly published technology
asks matching which saved interests and open demands it fits, then records notifications and webhook events.

Exactly-once effect across restarts: each event's notifications, webhook events, projection row and the new
cursor are committed in ONE transaction; the cursor moves by compare-and-set, so a second gateway process
following the same database cannot apply an event twice. Matching calls pass `min_seq` = the event's seq so
the new technology is already indexed; "not indexed yet" or an unreachable service stops the pass without
moving the cursor, and the event is retried on the next pass.
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
from sqlmodel import Session, col

from services.gateway.brokers import repository as brokers_repository
from services.gateway.brokers.columns import now
from services.gateway.interests import repository
from services.gateway.metrics import FOLLOWER
from services.gateway.interests.config import FollowerSettings
from services.gateway.interests.models import FeedCursor, Notification
from services.gateway.stats.models import Listing
from services.gateway.webhooks import service as webhooks
from services.gateway.webhooks.schemas import EventType
from shared.feed_metrics import FEED_LAG
from shared.http import SyncServiceClient

log = logging.getLogger(__name__)
CURSOR_NAME = "registry_feed"
STRENGTH_RANK = {"weak": 0, "possible": 1, "strong": 2}


class RetryLater(Exception):
    """Matching or the registry cannot answer for this event now; keep the cursor and try again."""


@dataclass
class EventEffects:
    seq: int
    listing: Listing | None = None
    notifications: list[Notification] = field(default_factory=list)


def _parse_time(value: Any, fallback: datetime) -> datetime:
    if not value:
        return fallback
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


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
        applied = 0
        previous = after
        for event in resp.json()["items"]:
            effects = self._effects(event)
            if not self._commit(previous, effects):
                return applied  # another follower applied it first
            previous = event["seq"]
            applied += 1
        FEED_LAG.record(FOLLOWER, head_seq=resp.json()["head_seq"], cursor=previous)  # metrics
        return applied

    def _effects(self, event: dict[str, Any]) -> EventEffects:
        effects = EventEffects(seq=event["seq"])
        record = event.get("record")
        if event["entity"] not in ("technology", "demand") or not record or record.get("status") != "published":
            return effects
        with Session(self.engine) as session:
            if session.get(Listing, record["id"]) is not None:
                return effects  # already published before: an update, not news
        at = now()
        effects.listing = Listing(id=record["id"], entity=event["entity"], domain=record.get("domain"), region=record.get("region"),
                                  owner_org_id=record.get("owner_org_id"),
                                  published_at=_parse_time(record.get("published_at"), _parse_time(event.get("at"), at)))
        if event["entity"] == "technology":
            effects.notifications = self._matches_for_new_technology(record, event["seq"], at)
        return effects

    def _matches_for_new_technology(self, tech: dict[str, Any], seq: int, at: datetime) -> list[Notification]:
        found: list[Notification] = []
        base = {"technology_id": tech["id"], "technology_title": tech["title"][:200], "feed_seq": seq, "created_at": at}
        with Session(self.engine) as session:
            interests = repository.all_interests(session)
        for interest in interests:
            body = {"query": interest.query, "target": "technology", "k": self.settings.notify_k,
                    "filters": interest.filters or {}, "min_seq": seq}
            hit = next((h for h in self._hits("/v1/search", body) if h["id"] == tech["id"]), None)
            if hit and self._strong_enough(hit):
                found.append(Notification(org_id=interest.org_id, kind="interest_match", interest_id=interest.id,
                                          score=hit.get("score"), strength=hit.get("strength"), **base))
        demand_hits = self._hits(f"/v1/technologies/{tech['id']}/demands", {"k": self.settings.notify_k, "min_seq": seq})
        with Session(self.engine) as session:
            for hit in filter(self._strong_enough, demand_hits):
                demand = session.get(Listing, hit["id"])
                orgs = {e.broker_org_id for e in brokers_repository.engagements_on_subject(session, hit["id"])}
                if demand is not None and demand.owner_org_id:
                    orgs.add(demand.owner_org_id)
                found += [Notification(org_id=org, kind="demand_match", demand_id=hit["id"], score=hit.get("score"),
                                       strength=hit.get("strength"), **base) for org in sorted(orgs)]
        return found

    def _hits(self, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            resp = self.matching.post(path, json=body)
        except Exception as exc:  # noqa: BLE001 - any transport failure means "later"
            raise RetryLater(f"matching unreachable: {exc}") from exc
        if resp.status_code == 200:
            return resp.json().get("items", [])
        if resp.status_code in (404, 422):  # record gone since, or a saved filter matching no longer accepts
            log.warning("matching refused %s (%s): %s", path, resp.status_code, resp.text[:300])
            return []
        raise RetryLater(f"matching answered {resp.status_code} on {path}")

    def _strong_enough(self, hit: dict[str, Any]) -> bool:
        return STRENGTH_RANK.get(hit.get("strength", "weak"), 0) >= STRENGTH_RANK[self.settings.notify_min_strength]

    def _commit(self, previous: int, effects: EventEffects) -> bool:
        with Session(self.engine) as session:
            at = now()
            if previous == 0 and session.get(FeedCursor, CURSOR_NAME) is None:
                session.add(FeedCursor(name=CURSOR_NAME, last_seq=effects.seq, updated_at=at))
            else:
                moved = session.execute(
                    sa.update(FeedCursor).where(col(FeedCursor.name) == CURSOR_NAME, col(FeedCursor.last_seq) == previous)
                    .values(last_seq=effects.seq, updated_at=at)
                ).rowcount
                if moved != 1:
                    session.rollback()
                    return False
            if effects.listing is not None:
                session.add(effects.listing)
            for note in effects.notifications:
                session.add(note)
                webhooks.enqueue(session, note.org_id, EventType.match_found, {
                    "kind": note.kind, "technology_id": note.technology_id, "technology_title": note.technology_title,
                    "interest_id": note.interest_id, "demand_id": note.demand_id, "score": note.score,
                    "strength": note.strength, "feed_seq": note.feed_seq})
            try:
                session.commit()
            except IntegrityError:  # a concurrent follower created the cursor or the listing first
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
            except Exception as exc:  # noqa: BLE001 - the follower must survive outages; it resumes from its cursor
                delay = min(max(delay, self.settings.feed_poll_seconds) * 2, self.settings.feed_max_backoff_seconds)
                log.warning("feed follower pass stopped (%s); retrying in %.1fs", exc, delay)
            self._stop.wait(delay)
