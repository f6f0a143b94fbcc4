"""What the routes do: read-your-writes waits, searches, record-to-record matching, near-duplicates, status."""
from __future__ import annotations

import asyncio
import math
import time

from starlette.concurrency import run_in_threadpool

from shared.matching_schemas import (
    BatchRequest, BatchResponse, RecordBatchRequest, RecordBatchResponse, RecordMatches, RecordQuery, SearchFilters,
    SearchRequest, SearchResponse, SimilarRequest, StatusResponse,
)
from services.matching.search import HybridSearcher, Query
from services.matching.sync import FeedFollower, IndexHolder
from shared.errors import ProblemError, invalid, not_found
from shared.schemas import Entity

TECHNOLOGY_ONLY_FILTERS = ("trl_min", "stage", "budget_max_cny")
DEMAND_ONLY_FILTERS = ("price_max_cny",)


def check_filters(target: Entity, filters: SearchFilters | None, prefix: str) -> None:
    if filters is None:
        return
    wrong = DEMAND_ONLY_FILTERS if target == Entity.technology else TECHNOLOGY_ONLY_FILTERS
    for name in wrong:
        if getattr(filters, name) is not None:
            raise invalid(f"{prefix}.filters.{name}", f"applies only when searching {'demands' if target == Entity.technology else 'technologies'}; remove it")


class MatchingService:
    def __init__(self, holder: IndexHolder, follower: FeedFollower | None, catch_up_wait: float) -> None:
        self.holder = holder
        self.follower = follower
        self.catch_up_wait = catch_up_wait

    @property
    def searcher(self) -> HybridSearcher:
        return HybridSearcher(self.holder.index)

    async def ensure_indexed(self, min_seq: int | None) -> None:
        """Wait briefly for the feed position `min_seq`, poking the follower; else 409 not-indexed-yet."""
        if min_seq is None or self.holder.index.cursor >= min_seq:
            return
        deadline = time.monotonic() + self.catch_up_wait
        while time.monotonic() < deadline:
            if self.follower:
                self.follower.poke()
            await asyncio.sleep(0.05)
            if self.holder.index.cursor >= min_seq:
                return
        indexed = self.holder.index.cursor
        retry = max(1, math.ceil(self.follower.poll_interval)) if self.follower else 1
        raise ProblemError(
            409, "Not indexed yet",
            f"min_seq {min_seq} is not indexed yet (indexed_seq {indexed}); retry after {retry} s",
            kind="not-indexed-yet", headers={"Retry-After": str(retry)},
            extra={"indexed_seq": indexed, "min_seq": min_seq},
        )

    async def search(self, req: SearchRequest, prefix: str = "body") -> SearchResponse:
        target = Entity(req.target)
        check_filters(target, req.filters, prefix)
        await self.ensure_indexed(req.min_seq)
        query = Query(req.query, target=target, k=req.k, filters=req.filters)
        hits = await run_in_threadpool(self.searcher.search, query)
        return SearchResponse(items=hits, indexed_seq=self.holder.index.cursor)

    async def batch(self, req: BatchRequest) -> BatchResponse:
        for i, q in enumerate(req.queries):
            check_filters(Entity(q.target), q.filters, f"body.queries.{i}")
        await self.ensure_indexed(max((q.min_seq or 0) for q in req.queries) or None)
        queries = [Query(q.query, target=Entity(q.target), k=q.k, filters=q.filters) for q in req.queries]
        results = await run_in_threadpool(self.searcher.search_many, queries)
        seq = self.holder.index.cursor
        return BatchResponse(results=[SearchResponse(items=hits, indexed_seq=seq) for hits in results])

    def _record_query(self, searcher: HybridSearcher, entity: Entity, record_id: str, include_unpublished: bool):  # type: ignore[no-untyped-def]
        """The stored record's query, or 404. The store keeps unpublished records' text (an owner may match a
        draft); it is served only when the caller (the gateway, which checked who may read it) asks for it."""
        stored = self.holder.index.store.get(entity, record_id)
        found = searcher.record_query(entity, record_id)
        if found is None or stored is None or not (stored.published or include_unpublished):
            raise not_found(entity.value, record_id)
        return found

    async def for_record(self, source: Entity, record_id: str, req: RecordQuery, include_unpublished: bool = False) -> SearchResponse:
        target = Entity.technology if source == Entity.demand else Entity.demand
        check_filters(target, req.filters, "body")
        await self.ensure_indexed(req.min_seq)
        searcher = self.searcher
        found = self._record_query(searcher, source, record_id, include_unpublished)
        text, fields, vector = found
        query = Query(text, target=target, k=req.k, filters=req.filters, context=(source, fields), vector=vector)
        hits = await run_in_threadpool(searcher.search, query)
        return SearchResponse(items=hits, indexed_seq=self.holder.index.cursor)

    async def for_records(self, req: RecordBatchRequest) -> RecordBatchResponse:
        """`for_record` for many published records of one entity in one call (the gateway's feed follower asks
        for the demands of every technology of a feed page at once). Stored vectors are reused, so nothing is
        encoded; a record that is not indexed and published answers `found: false` instead of failing the batch."""
        source = Entity(req.source)
        target = Entity.technology if source == Entity.demand else Entity.demand
        check_filters(target, req.filters, "body")
        await self.ensure_indexed(req.min_seq)
        searcher = self.searcher

        def run() -> list[RecordMatches]:
            out: list[RecordMatches] = []
            for record_id in req.ids:
                stored = self.holder.index.store.get(source, record_id)
                found = searcher.record_query(source, record_id)
                if found is None or stored is None or not stored.published:
                    out.append(RecordMatches(id=record_id, found=False, items=[]))
                    continue
                text, fields, vector = found
                query = Query(text, target=target, k=req.k, filters=req.filters, context=(source, fields), vector=vector)
                out.append(RecordMatches(id=record_id, found=True, items=searcher.search(query)))
            return out

        results = await run_in_threadpool(run)
        return RecordBatchResponse(results=results, indexed_seq=self.holder.index.cursor)

    async def similar(self, req: SimilarRequest, include_unpublished: bool = False) -> SearchResponse:
        entity = Entity(req.entity)
        await self.ensure_indexed(req.min_seq)
        searcher = self.searcher
        if req.id is not None:
            found = self._record_query(searcher, entity, req.id, include_unpublished)
            text, _, vector = found
            query = Query(text, target=entity, k=req.k, exclude=frozenset({req.id}), vector=vector)
        else:
            query = Query(req.text or "", target=entity, k=req.k)
        hits = await run_in_threadpool(searcher.search, query)
        return SearchResponse(items=hits, indexed_seq=self.holder.index.cursor)

    def status(self) -> StatusResponse:
        index = self.holder.index
        with index.lock:
            counts = index.counts()
        follower = self.follower
        return StatusResponse(
            indexed_seq=index.cursor, head_seq=follower.head_seq if follower else None, counts=counts,
            model=index.encoder.name, syncing=bool(follower and follower.running),
            rebuilding=bool(follower and follower.rebuild_pending),
            last_error=follower.last_error if follower else None,
        )

    def request_rebuild(self) -> bool:
        if self.follower is None:
            raise ProblemError(409, "Sync disabled", "this instance does not follow the feed (MATCHING_SYNC_ENABLED=false); "
                               "use `python -m services.matching rebuild`", kind="sync-disabled")
        return self.follower.request_rebuild()
