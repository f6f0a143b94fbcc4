"""Batch upserts (one lookup per batch), migration 0002's indexes, statistics refresh, one-query list pages."""
from __future__ import annotations

import tempfile
import uuid

import psycopg
import pytest
from sqlalchemy import event, inspect, select, text

from shared.errors import ProblemError
from shared.schemas import TechnologyCreate
from services.registry import migrations
from services.registry.db import Database
from services.registry.listings import repository, service
from services.registry.listings.kinds import TECHNOLOGY
from services.registry.listings.repository import ListingFilters
from services.registry.listings.statistics import StatisticsRefresher
from services.registry.uow import unit_of_work
from tests.registry.helpers import feed, head, marker, tech

KEYSET_INDEXES = {f"ix_technologies_{c}_keyset" for c in ("listed_domain", "status", "owner_org_id", "region")} | {"ix_technologies_keyset"}


def _items(source: str, bodies: list[dict]) -> list[TechnologyCreate]:
    return [TechnologyCreate.model_validate({**b, "external_ref": {"source": source, "external_id": f"x{i}"}})
            for i, b in enumerate(bodies)]


def _upsert(ctx, items):
    with unit_of_work(ctx.database) as uow:
        outcomes = service.bulk_upsert(uow, TECHNOLOGY, items, ctx.policy)
        last = uow.flush_events()
    return outcomes, last


def test_batch_of_new_changed_and_unchanged_items(client, ctx):
    source, m = f"src{uuid.uuid4().hex[:6]}", marker()
    first = [tech(title=f"钢渣综合利用技术{i}", keywords=["脱硫", m]) for i in range(3)]
    created, _ = _upsert(ctx, _items(source, first))
    assert [o.outcome for o in created] == ["created"] * 3
    start = head(client)
    second = [first[0], {**first[1], "keywords": ["脱硫", m, "新增"]}, first[2], tech(title="新增烟气脱硝技术", keywords=[m])]
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(ctx.database.engine, "before_cursor_execute", listen)
    try:
        outcomes, last = _upsert(ctx, _items(source, second))
    finally:
        event.remove(ctx.database.engine, "before_cursor_execute", listen)
    assert [o.outcome for o in outcomes] == ["unchanged", "updated", "unchanged", "created"]
    assert [o.version for o in outcomes] == [1, 2, 1, 1]
    assert outcomes[1].id == created[1].id and outcomes[0].id == created[0].id
    lookups = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "FROM technologies" in s]
    assert len(lookups) == 1, "the batch's existing records must be fetched in one query"
    events = feed(client, after=start)
    assert [(e["id"], e["op"], e["version"]) for e in events] == [(created[1].id, "update", 2), (outcomes[3].id, "create", 1)]
    assert events[-1]["seq"] == last
    # the same batch again: nothing changes, no events
    again, _ = _upsert(ctx, _items(source, second))
    assert [o.outcome for o in again] == ["unchanged"] * 4 and head(client) == last
    listed = client.get("/v1/technologies", params={"q": m, "limit": 10}).json()["items"]
    assert len(listed) == 4
    for item in listed:  # one query for the page's screenings gives each row its own latest result
        assert item["screening"]["record_version"] == item["version"]
        assert item["screening"] == client.get(f"/v1/technologies/{item['id']}").json()["screening"]


def test_batch_is_all_or_nothing_on_unknown_owner(client, ctx):
    source = f"src{uuid.uuid4().hex[:6]}"
    start = head(client)
    items = _items(source, [tech(), tech(owner_org_id="org_doesnotexist")])
    with pytest.raises(ProblemError) as info:
        _upsert(ctx, items)
    assert info.value.status == 422 and info.value.errors[0].field == "body.items.1.owner_org_id"
    with ctx.database.read() as session:
        assert repository.count(session, TECHNOLOGY, ListingFilters(source=source)) == 0
    assert head(client) == start


def _assert_migrated(database: Database) -> None:
    migrations.upgrade(database)
    assert migrations.current_revision(database) == "0006_keyword_grams"
    inspector = inspect(database.engine)
    tables = set(inspector.get_table_names(schema=database.schema))
    assert {"evaluations", "catalog_editions"} <= tables  # 0004_evaluation_catalog
    assert "evaluation" in {c["name"] for c in inspector.get_columns("technologies", schema=database.schema)}
    for table in ("technologies", "demands"):  # 0003: the suggested domain
        assert "domain_suggestion" in {c["name"] for c in inspector.get_columns(table, schema=database.schema)}
    indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("technologies", schema=database.schema)}
    assert KEYSET_INDEXES <= set(indexes)
    assert indexes["ix_technologies_listed_domain_keyset"] == ["listed_domain", "updated_at", "id"]  # 0003
    assert "ix_technologies_domain" not in indexes and "ix_technologies_domain_keyset" not in indexes
    screening = {ix["name"] for ix in inspector.get_indexes("screening_records", schema=database.schema)}
    assert "ix_screening_records_record_id_id" in screening


def test_migrations_apply_on_sqlite_from_0001_with_data():
    database = Database(f"sqlite:///{tempfile.mkdtemp()}/registry.db")
    try:
        migrations.upgrade(database, "0001")
        with database.write() as session:  # rows as 0001 knew them (today's model has later columns)
            for i, domain in enumerate(("pollution_control", "energy_saving")):
                session.execute(text(
                    "INSERT INTO technologies (id, title, domain, keywords, status, version, search_text, created_at, updated_at, "
                    "patents, transfer_modes) VALUES (:id, '钢渣综合利用技术', :domain, '[]', 'published', 1, '', :at, :at, '[]', '[]')"),
                    {"id": f"tec_{i}", "domain": domain, "at": "2026-01-01 00:00:00"})
        _assert_migrated(database)
        with database.read() as session:
            by_domain = repository._conditions(TECHNOLOGY, ListingFilters(domain="energy_saving"))  # as the list builds it
            stmt = select(TECHNOLOGY.model.id).where(*by_domain).order_by(
                TECHNOLOGY.model.updated_at, TECHNOLOGY.model.id).limit(21)
            compiled = stmt.compile(database.engine)
            plan = " ".join(str(r[-1]) for r in session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params[n] for n in compiled.positiontup)))
            assert "ix_technologies_listed_domain_keyset" in plan and "TEMP B-TREE" not in plan, plan
            assert repository.count(session, TECHNOLOGY) == 2
            assert repository.count(session, TECHNOLOGY, ListingFilters(domain="energy_saving")) == 1  # backfilled
    finally:
        database.dispose()


@pytest.mark.postgres
def test_migrations_apply_on_postgres(pg_url):
    schema = f"mig_{uuid.uuid4().hex[:10]}"
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    database = Database(pg_url, schema=schema)
    try:
        migrations.upgrade(database, "0001")
        _assert_migrated(database)
        migrations.upgrade(database)  # already at head: nothing to do
    finally:
        database.dispose()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_statistics_refresh_when_due(ctx):
    refresher = StatisticsRefresher(min_rows=3)
    assert refresher.record(ctx.database, TECHNOLOGY, 2) is False
    assert refresher.record(ctx.database, TECHNOLOGY, 1) is True
    with ctx.database.read() as session:
        rows = repository.count(session, TECHNOLOGY)
        if ctx.database.dialect == "sqlite":
            assert session.execute(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'technologies'")).scalar_one() > 0
        else:  # reltuples is -1 until the table is first analyzed
            assert session.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'technologies'::regclass")).scalar_one() >= 0
    # the next refresh waits until as many rows were written as the table had
    assert refresher.record(ctx.database, TECHNOLOGY, max(3, rows) - 1) is False
    assert refresher.record(ctx.database, TECHNOLOGY, 1) is True
