"""Change feed: every write exactly once, in seq order, under concurrent writers and late commits."""
from __future__ import annotations

import random
import threading
import time
from datetime import date, timedelta

from shared.schemas import TechnologyCreate
from services.registry.listings import service
from services.registry.listings.kinds import TECHNOLOGY
from services.registry.uow import unit_of_work
from tests.registry.helpers import feed, head, marker, tech


class Follower(threading.Thread):
    """Reads the feed in a loop like the matching service does, keeping only its cursor."""

    def __init__(self, client, after: int) -> None:
        super().__init__(daemon=True)
        self.client, self.after = client, after
        self.seen: list[dict] = []
        self.stop = threading.Event()

    def poll(self) -> None:
        page = self.client.get("/v1/changes", params={"after": self.after, "limit": 50}).json()
        self.seen.extend(page["items"])
        self.after = page["last_seq"]

    def run(self) -> None:
        while not self.stop.is_set():
            self.poll()
            time.sleep(0.005)

    def finish(self) -> list[dict]:
        self.stop.set()
        self.join()
        self.poll()
        self.poll()
        return self.seen


def _assert_exactly_once_in_order(events: list[dict], reference: list[dict]) -> None:
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(set(seqs)), "feed must be strictly increasing with no repeats"
    assert [(e["seq"], e["id"], e["version"]) for e in events] == [(e["seq"], e["id"], e["version"]) for e in reference]


def test_concurrent_writers_every_write_once_in_order(client):
    start = head(client)
    follower = Follower(client, start)
    follower.start()
    m = marker()
    writes: list[tuple[str, int]] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        rng = random.Random(n)
        mine: list[str] = []
        for i in range(8):
            if mine and rng.random() < 0.5:
                tid = rng.choice(mine)
                current = client.get(f"/v1/technologies/{tid}").json()
                resp = client.patch(f"/v1/technologies/{tid}", json={"version": current["version"], "keywords": ["脱硫", m, f"w{n}-{i}"]})
                if resp.status_code == 409:
                    continue
            else:
                resp = client.post("/v1/technologies", json=tech(keywords=["脱硫", m]))
                mine.append(resp.json()["id"])
            assert resp.status_code in (200, 201), resp.text
            with lock:
                writes.append((resp.json()["id"], resp.json()["version"]))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    seen = follower.finish()
    reference = feed(client, after=start)
    _assert_exactly_once_in_order(seen, reference)
    assert sorted((e["id"], e["version"]) for e in reference) == sorted(writes)
    # per record, versions arrive 1, 2, 3... with no gaps
    by_id: dict[str, list[int]] = {}
    for e in reference:
        by_id.setdefault(e["id"], []).append(e["version"])
    assert all(v == list(range(1, len(v) + 1)) for v in by_id.values())


def test_late_commit_is_not_skipped(client, ctx):
    """One transaction draws its seq and stays open while other writers run; a follower must still get it."""
    start = head(client)
    follower = Follower(client, start)
    follower.start()
    drawn = threading.Event()
    release = threading.Event()
    late: dict = {}

    def late_writer() -> None:
        with unit_of_work(ctx.database) as uow:
            row = service.create(uow, TECHNOLOGY, TechnologyCreate.model_validate(tech(title="迟提交事务的脱硫技术")), ctx.policy)
            late["seq"] = uow.flush_events()  # seq drawn, not yet committed
            late["id"] = row.id
            drawn.set()
            release.wait(10)

    holder = threading.Thread(target=late_writer)
    holder.start()
    assert drawn.wait(10)
    others: list = []
    writers = [threading.Thread(target=lambda: others.append(client.post("/v1/technologies", json=tech())))
               for _ in range(3)]
    [w.start() for w in writers]
    time.sleep(0.6)  # others try to commit while the late transaction is open
    during = [e["seq"] for e in follower.seen]
    assert all(seq < late["seq"] for seq in during), "a later seq became visible before the open one committed"
    release.set()
    holder.join()
    [w.join() for w in writers]
    assert all(r.status_code == 201 for r in others)
    seen = follower.finish()
    reference = feed(client, after=start)
    _assert_exactly_once_in_order(seen, reference)
    assert late["id"] in {e["id"] for e in seen}
    assert len(seen) == 4


def test_feed_carries_current_record_and_head(client):
    tid = client.post("/v1/technologies", json=tech()).json()["id"]
    client.patch(f"/v1/technologies/{tid}", json={"version": 1, "keywords": ["脱硫", "新版本"]})
    events = [e for e in feed(client) if e["id"] == tid]
    assert [e["op"] for e in events] == ["create", "update"]
    assert all(e["record"]["version"] == 2 and e["record"]["keywords"] == ["脱硫", "新版本"] for e in events)
    page = client.get("/v1/changes", params={"after": events[-1]["seq"] - 1, "limit": 1}).json()
    assert page["last_seq"] == events[-1]["seq"] and page["head_seq"] >= page["last_seq"]
    empty = client.get("/v1/changes", params={"after": page["head_seq"]}).json()
    assert empty["items"] == [] and empty["last_seq"] == page["head_seq"]


def test_expire_due_emits_events(client, ctx):
    tomorrow = date.today() + timedelta(days=1)
    tid = client.post("/v1/technologies", json=tech(expires_at=tomorrow.isoformat())).json()["id"]
    with unit_of_work(ctx.database) as uow:
        expired = service.expire_due(uow, TECHNOLOGY, today=tomorrow + timedelta(days=1))
    assert tid in expired
    stored = client.get(f"/v1/technologies/{tid}").json()
    assert stored["status"] == "expired"
    assert [e["record"]["status"] for e in feed(client) if e["id"] == tid][-1] == "expired"
    renewed = client.post(f"/v1/technologies/{tid}/renew").json()
    assert renewed["status"] == "published" and renewed["expires_at"] > (tomorrow + timedelta(days=300)).isoformat()
    assert client.post("/v1/admin/expire-due").status_code == 200
