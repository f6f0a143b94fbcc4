"""Grow a benchmark database to a target size by copying rows the service layer already wrote.

Importing 100k records through the service layer takes far longer than the run budget on a shared 2-core machine,
so the large runs write a head and a tail through `bulk_upsert` (both timed) and fill the middle with copies of
the head's technology rows and their latest screening rows: same content and status mix, new ids and external ids,
timestamps shifted into the past so keyset order stays unique, and their keyword-index rows (technology_grams: the
bigrams of the copied search_text, as every write path keeps them). Copies get no change-feed events (list queries do
not read the feed). This is benchmark scaffolding only; nothing in the registry uses it.
"""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select

from services.registry.db import Database
from services.registry.listings import grams
from services.registry.listings.repository import write_gram_rows
from services.registry.screening.models import ScreeningRecord
from services.registry.technologies.models import Technology, TechnologyGram

CHUNK = 2000


def fill_copies(database: Database, target: int) -> dict[str, Any]:
    """Insert copies of the existing technologies until `target` rows exist. Returns rows added and seconds."""
    tech, screening = Technology.__table__, ScreeningRecord.__table__
    start = time.perf_counter()
    with database.write() as session:
        originals = [dict(r) for r in session.execute(select(tech).order_by(tech.c.updated_at)).mappings()]
        latest_ids = select(func.max(screening.c.id)).group_by(screening.c.record_id)
        checks = {r["record_id"]: dict(r) for r in session.execute(select(screening).where(screening.c.id.in_(latest_ids))).mappings()}
        missing = target - len(originals)
        gram_sets = {row["id"]: grams.text_grams(row["search_text"]) for row in originals}
        span = originals[-1]["updated_at"] - originals[0]["updated_at"] + timedelta(seconds=1)
        added, round_no = 0, 0
        while added < missing:
            round_no += 1
            shift = span * round_no
            rows, checks_out = [], []
            for row in originals[: missing - added]:
                copy = {**row, "id": f"{row['id']}c{round_no}", "external_id": f"{row['external_id']}-c{round_no}",
                        "created_at": row["created_at"] - shift, "updated_at": row["updated_at"] - shift,
                        "published_at": row["published_at"] - shift if row["published_at"] else None}
                rows.append(copy)
                check = checks.get(row["id"])
                if check:
                    checks_out.append({**{k: v for k, v in check.items() if k != "id"}, "record_id": copy["id"],
                                       "created_at": check["created_at"] - shift})
            for i in range(0, len(rows), CHUNK):
                session.execute(insert(tech), rows[i:i + CHUNK])
            for i in range(0, len(checks_out), CHUNK):
                session.execute(insert(screening), checks_out[i:i + CHUNK])
            for i in range(0, len(rows), CHUNK):
                pairs = sorted((g, r["id"]) for r, o in zip(rows[i:i + CHUNK], originals[i:i + CHUNK]) for g in gram_sets[o["id"]])
                write_gram_rows(session.connection(), TechnologyGram.__tablename__, pairs)
            added += len(rows)
    return {"rows": added, "seconds": time.perf_counter() - start}
