"""Keyword `q` through the bigram index (migration 0006) gives exactly the old substring results.

Each test gets its own database (a SQLite file, or a fresh PostgreSQL schema dropped afterwards), writes listings
through the service layer (create, PATCH-style update, bulk upsert, withdraw) and compares every `q` list with a
plain-Python substring oracle over all records, with the candidate cap set so that both plans run: the bigram
candidate set (a rare gram) and the ordered scan (every gram common). It also checks that the gram tables hold
exactly the bigrams of each record's search_text after every kind of write.
"""
from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import select, text

from shared.schemas import DemandCreate, DemandUpdate, TechnologyCreate, TechnologyUpdate
from shared.text import normalize
from services.registry import migrations
from services.registry.db import Database
from services.registry.listings import grams, repository, service
from services.registry.listings.kinds import DEMAND, TECHNOLOGY, ListingKind
from services.registry.listings.repository import ListingFilters
from services.registry.listings.service import ListingPolicy
from services.registry.uow import unit_of_work
from tests.registry.helpers import demand, tech

POLICY = ListingPolicy()

TEXTS = [  # (title, keywords): common 脱硫/脱硝, rare 潮流能, ASCII+Chinese, LIKE metacharacters
    ("钢铁烧结烟气脱硫脱硝一体化技术", ["脱硫", "脱硝"]),
    ("焦炉烟气中低温SCR脱硝技术", ["脱硝", "SCR"]),
    ("循环流化床半干法脱硫工艺", ["脱硫"]),
    ("潮流能发电机组", ["潮流能", "海岛"]),
    ("去除率达50%的废水处理技术", ["50%"]),
    ("a_b型膜生物反应器", ["MBR", "a_b"]),
    ("路径c\\d的热泵系统", ["热泵"]),
    ("ＳＣＲ全角催化剂再生", ["催化剂"]),
    ("印染废水臭氧催化氧化", ["脱色"]),
]

QUERIES = ["脱硫", "脱硝", "脱硫 脱硝", "潮流能", "潮流能发电", "scr脱硝", "SCR", "ＳＣＲ", "硫", "烟", "50%", "%", "_", "a_b",
           "c\\d", "\\", "硝脱", "脱硝脱硫", "不存在的词", "催化 废水", "mbr", "热泵 c\\d", "能发", "x"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A database of its own, not migrated: a SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tempfile.mkdtemp()}/registry.db")
        yield db
        db.dispose()
        return
    pg_url = request.getfixturevalue("pg_url")
    schema = f"kw_{uuid.uuid4().hex[:10]}"
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    db = Database(pg_url, schema=schema)
    try:
        yield db
    finally:
        db.dispose()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def database(empty_database: Database) -> Database:
    migrations.upgrade(empty_database)
    return empty_database


def _create(db: Database, kind: ListingKind, body: dict) -> str:
    with unit_of_work(db) as uow:
        return service.create(uow, kind, kind.create_schema.model_validate(body), POLICY).id


def _seed(db: Database) -> list[str]:
    ids = [_create(db, TECHNOLOGY, tech(title=title, keywords=keywords, summary=None, description=f"第{i}号")) for i, (title, keywords)
           in enumerate(TEXTS)]
    ids += [_create(db, TECHNOLOGY, tech(title=f"烟气脱硫改造{i}", keywords=[], summary=None, description=None)) for i in range(4)]
    return ids


def _all_pages(db: Database, kind: ListingKind, f: ListingFilters, limit: int = 3) -> list[str]:
    ids, after = [], None
    with db.read() as session:
        while True:
            rows = repository.page(session, kind, f, after=after, limit=limit)
            ids += [r.id for r in rows[:limit]]
            if len(rows) <= limit:
                return ids
            after = (rows[limit - 1].updated_at, rows[limit - 1].id)


def _oracle(db: Database, kind: ListingKind, q: str, status: list[str] | None = None) -> list[str]:
    """The old semantics in Python: every whitespace-separated normalised term is a substring of search_text."""
    m = kind.model
    terms = normalize(q).split()
    with db.read() as session:
        rows = session.execute(select(m.id, m.search_text, m.status).order_by(m.updated_at, m.id)).all()
    return [r.id for r in rows if all(t in r.search_text for t in terms) and (status is None or r.status in status)]


def _assert_same(db: Database, kind: ListingKind, monkeypatch: pytest.MonkeyPatch, queries: list[str]) -> None:
    for cap in (3, 1000):  # 3: 脱硫/脱硝 grams are common (ordered scan), 潮流能's rare; 1000: every gram rare (candidates)
        monkeypatch.setattr(repository, "CANDIDATE_CAP", cap)
        for q in queries:
            for status in ((None, ["published"]) if cap == 3 else (None,)):
                expected = _oracle(db, kind, q, status)
                assert _all_pages(db, kind, ListingFilters(q=q, status=status)) == expected, (cap, q, status)
                with db.read() as session:
                    assert repository.count(session, kind, ListingFilters(q=q, status=status)) == len(expected), (cap, q)


def _assert_index_consistent(db: Database, kind: ListingKind) -> None:
    g, m = kind.gram_model, kind.model
    with db.read() as session:
        stored: dict[str, set[int]] = {}
        for gram, record_id in session.execute(select(g.gram, g.record_id)):
            stored.setdefault(record_id, set()).add(gram)
        texts = dict(session.execute(select(m.id, m.search_text)).all())
    assert set(stored) <= set(texts)
    for record_id, search_text in texts.items():
        assert stored.get(record_id, set()) == grams.text_grams(search_text), record_id


def test_same_results_as_substring_scan(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(database)
    _assert_index_consistent(database, TECHNOLOGY)
    _assert_same(database, TECHNOLOGY, monkeypatch, QUERIES)
    assert _oracle(database, TECHNOLOGY, "潮流能") and len(_oracle(database, TECHNOLOGY, "脱硫")) >= 6  # the data covers both


def test_after_update_withdraw_and_bulk_upsert(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _seed(database)
    with unit_of_work(database) as uow:  # PATCH: the rare term moves to another record
        service.update(uow, TECHNOLOGY, ids[3], TechnologyUpdate(title="波浪能发电装置", keywords=["波浪能"], version=1), 1, POLICY)
        service.update(uow, TECHNOLOGY, ids[0], TechnologyUpdate(title="潮流能与脱硫", version=1), 1, POLICY)
    with unit_of_work(database) as uow:
        service.withdraw(uow, TECHNOLOGY, ids[1], None)  # status only: search_text and grams unchanged
    bulk = [TechnologyCreate.model_validate({**tech(title=f"批量脱硫{i}", keywords=["潮流能"] if i else []),
                                             "external_ref": {"source": "kw", "external_id": f"b{i}"}}) for i in range(3)]
    with unit_of_work(database) as uow:
        service.bulk_upsert(uow, TECHNOLOGY, bulk, POLICY)
    bulk[0] = TechnologyCreate.model_validate({**tech(title="批量波浪能", keywords=["c\\d"]), "external_ref": {"source": "kw", "external_id": "b0"}})
    with unit_of_work(database) as uow:  # bulk update of an existing record
        outcomes = service.bulk_upsert(uow, TECHNOLOGY, bulk, POLICY)
    assert [o.outcome for o in outcomes] == ["updated", "unchanged", "unchanged"]
    _assert_index_consistent(database, TECHNOLOGY)
    _assert_same(database, TECHNOLOGY, monkeypatch, [*QUERIES, "波浪能", "批量", "潮流能 脱硫"])
    monkeypatch.setattr(repository, "CANDIDATE_CAP", 1000)
    assert ids[3] not in _all_pages(database, TECHNOLOGY, ListingFilters(q="潮流能"))
    assert ids[3] in _all_pages(database, TECHNOLOGY, ListingFilters(q="波浪能"))


def test_demands_are_indexed_on_their_own(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(database)  # technologies share words with the demands; their grams must not leak into demand lists
    first = _create(database, DEMAND, demand(title="电镀废水零排放", expected_indicators="镍回收率≥95%"))
    _create(database, DEMAND, demand(title="烟气脱硫", keywords=["脱硫"]))
    with unit_of_work(database) as uow:
        service.update(uow, DEMAND, first, DemandUpdate(expected_indicators="出水COD≤50mg/L", version=1), 1, POLICY)
    _assert_index_consistent(database, DEMAND)
    _assert_same(database, DEMAND, monkeypatch, ["脱硫", "镍回收", "cod≤50", "废水", "潮流能", "50%"])
    monkeypatch.setattr(repository, "CANDIDATE_CAP", 1000)
    assert DemandCreate and _all_pages(database, DEMAND, ListingFilters(q="镍回收")) == []


def test_rare_term_reads_candidates_not_the_table(database: Database) -> None:
    """The rare-term plan: one index range per probed gram, then the candidate set (SQLite's plan says which index)."""
    _seed(database)
    with database.read() as session:
        condition = repository._keyword_condition(session, TECHNOLOGY, "潮流能")
        assert condition is not None
        assert repository._keyword_condition(session, TECHNOLOGY, "硫") is None  # one character: the ordered scan
        if database.dialect == "sqlite":
            m = TECHNOLOGY.model
            stmt = select(m.id).where(condition).order_by(m.updated_at, m.id).limit(21)
            compiled = stmt.compile(database.engine)
            plan = " ".join(str(r[-1]) for r in session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params[n] for n in compiled.positiontup)))
            assert "technology_grams" in plan and "SCAN technologies" not in plan, plan


def test_migration_backfills_existing_rows(empty_database: Database) -> None:
    db = empty_database
    migrations.upgrade(db, "0004_evaluation_catalog")
    with db.write() as session:
        for i, words in enumerate(("钢渣 综合利用 潮流能", "烟气脱硫 50%", "")):
            session.execute(text(
                "INSERT INTO technologies (id, title, domain, keywords, status, version, search_text, created_at, updated_at, "
                "patents, transfer_modes) VALUES (:id, 't', 'pollution_control', '[]', 'published', 1, :st, :at, :at, '[]', '[]')"),
                {"id": f"tec_{i}", "st": words, "at": f"2026-01-0{i + 1} 00:00:00"})
    migrations.upgrade(db)
    _assert_index_consistent(db, TECHNOLOGY)
    assert _all_pages(db, TECHNOLOGY, ListingFilters(q="潮流能")) == ["tec_0"]
    assert _all_pages(db, TECHNOLOGY, ListingFilters(q="50%")) == ["tec_1"]


def test_http_q_with_like_metacharacters(client) -> None:
    """Through the API: metacharacters and long terms are a 200 with the matching records, never a 500."""
    m = "标记" + uuid.uuid4().hex[:8]
    created = client.post("/v1/technologies", json=tech(title="去除率50%的a_b工艺", keywords=[m])).json()["id"]
    client.post("/v1/technologies", json=tech(title="去除率50的ab工艺", keywords=[m]))
    for q in (f"{m} 50%", f"{m} a_b", f"{m} 50% a_b"):
        items = client.get("/v1/technologies", params={"q": q}).json()["items"]
        assert [i["id"] for i in items] == [created], q
    assert client.get("/v1/technologies", params={"q": "%_\\" * 30}).status_code == 200
    assert client.get("/v1/technologies", params={"q": "x" * 101}).status_code == 422
