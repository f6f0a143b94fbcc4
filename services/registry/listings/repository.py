"""Database queries for listings (technologies, demands)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, false, func, insert, intersect, literal, select, text, tuple_
from sqlmodel import Session

from shared.text import normalize
from services.registry.listings import grams
from services.registry.listings.kinds import ListingKind

# A gram whose records number at most this many narrows `q` to a candidate set; see _keyword_condition.
CANDIDATE_CAP = 2000
# Grams probed per query (a 100-character `q` has up to 99): enough to find a rare one, bounded in cost.
MAX_PROBED_GRAMS = 12
# Rare grams intersected into the candidate set.
MAX_INTERSECTED_GRAMS = 3
GRAM_CHUNK = 5000


@dataclass
class ListingFilters:
    domain: str | None = None
    subdomain: str | None = None
    region: str | None = None
    status: list[str] | None = None
    stage: str | None = None
    trl_min: int | None = None
    kind: str | None = None
    owner_org_id: str | None = None
    source: str | None = None
    updated_since: datetime | None = None
    q: str | None = None


def get(session: Session, kind: ListingKind, record_id: str, *, for_update: bool = False) -> Any | None:
    stmt = select(kind.model).where(kind.model.id == record_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def get_by_external_ref(session: Session, kind: ListingKind, source: str, external_id: str, *, for_update: bool = False) -> Any | None:
    stmt = select(kind.model).where(kind.model.source == source, kind.model.external_id == external_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def by_external_refs(session: Session, kind: ListingKind, refs: list[tuple[str, str]], *, for_update: bool = False) -> dict[tuple[str, str], Any]:
    """Existing records for a batch of (source, external_id), one query per distinct source (usually one)."""
    m = kind.model
    by_source: dict[str, list[str]] = {}
    for source, external_id in refs:
        by_source.setdefault(source, []).append(external_id)
    found: dict[tuple[str, str], Any] = {}
    for source, external_ids in by_source.items():
        stmt = select(m).where(m.source == source, m.external_id.in_(external_ids))
        if for_update:
            stmt = stmt.with_for_update()
        found.update({(row.source, row.external_id): row for row in session.execute(stmt).scalars()})
    return found


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _region_condition(column: Any, code: str) -> Any:
    # GB/T 2260 is hierarchical: 330000 (province) covers 33xxxx, 330100 (city) covers 3301xx.
    if code.endswith("0000"):
        return column.like(code[:2] + "%")
    if code.endswith("00"):
        return column.like(code[:4] + "%")
    return column == code


def _conditions(kind: ListingKind, f: ListingFilters) -> list[Any]:
    m = kind.model
    conds: list[Any] = []
    if f.domain:  # a record without a domain is listed under its suggested one
        conds.append(m.listed_domain == f.domain)
    if f.subdomain:
        conds.append(m.listed_subdomain == f.subdomain)
    if f.region:
        conds.append(_region_condition(m.region, f.region))
    if f.status:
        conds.append(m.status.in_(f.status))
    if f.stage:
        conds.append(m.stage == f.stage)
    if f.trl_min is not None:
        conds.append(m.trl >= f.trl_min)
    if f.kind:
        conds.append(m.kind == f.kind)
    if f.owner_org_id:
        conds.append(m.owner_org_id == f.owner_org_id)
    if f.source:
        conds.append(m.source == f.source)
    if f.updated_since:
        conds.append(m.updated_at >= f.updated_since)
    for term in normalize(f.q).split():  # the substring semantics of `q`; with grams, the final filter
        conds.append(m.search_text.like(f"%{_like_escape(term)}%", escape="\\"))
    return conds


def _probe(terms: list[str]) -> list[int]:
    """Up to MAX_PROBED_GRAMS bigrams of the terms, taken round-robin so every term has some probed."""
    per_term = [grams.term_grams([t]) for t in terms if len(t) >= 2]
    chosen: dict[int, None] = {}
    for i in range(max((len(g) for g in per_term), default=0)):
        for term_grams in per_term:
            if i < len(term_grams) and len(chosen) < MAX_PROBED_GRAMS:
                chosen.setdefault(term_grams[i], None)
    return list(chosen)


def _keyword_condition(session: Session, kind: ListingKind, q: str | None) -> Any | None:
    """Restrict `q` to records holding the rarest bigrams of its terms, or None to leave it to the ordered scan.

    Each probed gram's records are counted up to CANDIDATE_CAP + 1 (one index range each, bounded). If some gram
    is rare, the list reads only the records holding all of the (up to MAX_INTERSECTED_GRAMS) rarest grams, then
    the LIKE filter and the other filters, sorted by (updated_at, id): at most CANDIDATE_CAP rows, however rare the
    term. If every gram is common, the term usually is too: the old plan (walk (updated_at, id), stop after a page
    of matches) reads few rows. Terms of one character have no bigram and always take that plan.
    """
    probe = _probe(normalize(q).split())
    if not probe:
        return None
    g = kind.gram_model
    capped = [select(func.count()).select_from(select(literal(1)).where(g.gram == code).limit(CANDIDATE_CAP + 1).subquery())
              .scalar_subquery() for code in probe]
    counts = dict(zip(probe, session.execute(select(*capped)).one(), strict=True))
    if min(counts.values()) == 0:
        return false()  # some bigram occurs nowhere: nothing can match
    rare = sorted((c for c in probe if counts[c] <= CANDIDATE_CAP), key=counts.__getitem__)[:MAX_INTERSECTED_GRAMS]
    if not rare:
        return None
    parts = [select(g.record_id).where(g.gram == code) for code in rare]
    return kind.model.id.in_(intersect(*parts) if len(parts) > 1 else parts[0])


def _all_conditions(session: Session, kind: ListingKind, f: ListingFilters) -> list[Any]:
    conds = _conditions(kind, f)
    if not f.q:
        return conds
    keyword = _keyword_condition(session, kind, f.q)
    if session.get_bind().dialect.name == "postgresql":
        _postgres_keyword_plan(session, candidates=keyword is not None)
    return [keyword, *conds] if keyword is not None else conds


def _postgres_keyword_plan(session: Session, *, candidates: bool) -> None:
    """Planner settings for this read transaction only, where PostgreSQL's estimates fail `q` (EXPLAIN ANALYZE, 100k).

    Candidates: psycopg prepares a statement after 5 runs, and a generic plan cannot see how rare the gram is: it
    walked (updated_at, id) probing the gram index per row (161 ms instead of ~10). At most CANDIDATE_CAP rows never
    repay a parallel worker (9-27 ms without, 33-42 ms with one, on a loaded 2-core machine).
    Ordered scan (every gram common, or a 1-character term): PostgreSQL estimates `LIKE '%脱硫%'` at ~10 rows of
    100k when it matched 2,340, and then chose a full scan plus top-N sort (1,301 ms) over walking (updated_at, id)
    until a page of matches (8 ms). The matches are dense by construction here, so sorting is switched off.
    """
    if candidates:
        session.execute(text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
                             "set_config('max_parallel_workers_per_gather', '0', true)"))
    else:
        session.execute(text("SELECT set_config('enable_sort', 'off', true)"))


def page(session: Session, kind: ListingKind, f: ListingFilters, *, after: tuple[datetime, str] | None, limit: int) -> Sequence[Any]:
    """Keyset page ordered by (updated_at, id); fetches limit+1 rows so the caller knows if more follow."""
    m = kind.model
    conds = _all_conditions(session, kind, f)
    if after:
        # A row-value comparison, so both planners turn it into one index range on (…, updated_at, id).
        conds.append(tuple_(m.updated_at, m.id) > tuple_(*after))
    stmt = select(m).where(*conds).order_by(m.updated_at, m.id).limit(limit + 1)
    return session.execute(stmt).scalars().all()


def count(session: Session, kind: ListingKind, f: ListingFilters | None = None) -> int:
    conds = _all_conditions(session, kind, f or ListingFilters())
    return session.execute(select(func.count()).select_from(kind.model).where(*conds)).scalar_one()


def due_for_expiry(session: Session, kind: ListingKind, today: date) -> Sequence[Any]:
    m = kind.model
    stmt = select(m).where(m.status == "published", m.expires_at < today).order_by(m.id).with_for_update()
    return session.execute(stmt).scalars().all()


def with_status(session: Session, kind: ListingKind, status: str, limit: int) -> Sequence[Any]:
    m = kind.model
    stmt = select(m).where(m.status == status).order_by(m.id).limit(limit).with_for_update()
    return session.execute(stmt).scalars().all()


def without_domain(session: Session, kind: ListingKind, after_id: str | None, limit: int) -> Sequence[Any]:
    """Records with no domain of their own, in id order from after_id (for refreshing their suggested domain)."""
    m = kind.model
    stmt = select(m).where(m.domain.is_(None)).order_by(m.id).limit(limit).with_for_update()
    if after_id is not None:
        stmt = stmt.where(m.id > after_id)
    return session.execute(stmt).scalars().all()


def insert_many(session: Session, kind: ListingKind, rows: list[dict[str, Any]]) -> None:
    """New records in one multi-row INSERT (ORM bulk insert: column types apply, no per-row objects), and their grams."""
    if rows:
        session.execute(insert(kind.model), rows)
        add_grams(session, kind, {row["id"]: row["search_text"] for row in rows})


def add_grams(session: Session, kind: ListingKind, texts: dict[str, str]) -> None:
    """Gram rows of new records (record id -> search_text), in multi-row INSERTs; same transaction as the records."""
    pairs = sorted((code, record_id) for record_id, text_ in texts.items() for code in grams.text_grams(text_))
    write_gram_rows(session.connection(), kind.gram_model.__tablename__, pairs)


def write_gram_rows(connection: Any, table: str, pairs: list[tuple[int, str]]) -> None:
    """Insert (gram, record_id) rows: COPY on PostgreSQL (a 500-record batch has ~70k grams; COPY is several times
    faster than multi-row INSERTs and runs in the same transaction), executemany on SQLite (sorted: B-tree order)."""
    if not pairs:
        return
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cur:
            with cur.copy(f'COPY "{table}" (gram, record_id) FROM STDIN') as copy:
                for pair in pairs:
                    copy.write_row(pair)
        return
    stmt = text(f'INSERT INTO "{table}" (gram, record_id) VALUES (:gram, :record_id)')
    for i in range(0, len(pairs), GRAM_CHUNK):
        connection.execute(stmt, [{"gram": g, "record_id": r} for g, r in pairs[i:i + GRAM_CHUNK]])


def replace_grams(session: Session, kind: ListingKind, record_id: str, old_text: str, new_text: str) -> None:
    """Keep a record's gram rows in step with a changed search_text: delete the grams it lost, add the new ones."""
    before, after = grams.text_grams(old_text), grams.text_grams(new_text)
    g = kind.gram_model
    lost, gained = sorted(before - after), after - before
    for i in range(0, len(lost), 500):
        session.execute(delete(g).where(g.record_id == record_id, g.gram.in_(lost[i:i + 500])))
    if gained:
        session.execute(insert(g.__table__), [{"gram": code, "record_id": record_id} for code in sorted(gained)])


def refresh_statistics(session: Session, kind: ListingKind) -> None:
    """Planner statistics after a large import, so the first list queries do not pick a plan for an empty table.

    PostgreSQL: ANALYZE of the tables an import writes (autovacuum may be off or minutes behind).
    SQLite: ANALYZE with `analysis_limit`, which samples each index instead of reading it whole (milliseconds at 100k
    rows); `PRAGMA optimize` would skip tables this connection has not queried, so it is not used here.
    """
    tables = (kind.model.__tablename__, kind.gram_model.__tablename__, "screening_records")
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA analysis_limit=1000"))
    for table in tables:
        session.execute(text(f'ANALYZE "{table}"'))
