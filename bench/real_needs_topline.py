"""A look without labels: real enterprise needs against real supplies, through the running services.

Imports the workspace's real records with the registry CLI (../shared/data: 371 CCF BDCI 2019 needs from the
Henan platform; jcpage Japanese supplies and WIPO GREEN wind records), starts a real registry and a real matching
service (default encoder) on loopback, waits until the index has the feed head, then asks for the top 3
technologies of every published need. Prints how often the top hit is strong / possible / weak and which
records are the top hit most often (a record that is everyone's nearest neighbour is a "hub"). There are no
labels here: it shows where to look, it does not score. Writes var/real_needs_topline.json.
Run: .venv/bin/python bench/real_needs_topline.py
"""
from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.servers import TEST_SERVICE_TOKEN, running

SHARED = REPO.parent / "shared" / "data"
IMPORTS = (
    ("demands", SHARED / "ccf_bdci2019_tech_requirements.jsonl", "ccf2019"),
    ("technologies", SHARED / "jcpage_japan_green_tech_supply.jsonl", "jcpage"),
    ("technologies", SHARED / "raw/greenparknetwork-wipo-green-wind/complete-69-wipo-wind-technologies.json", "wipo-green-wind"),
)


def import_real_records(tmp: Path) -> dict[str, str]:
    """Import the real files with the registry CLI into a fresh data dir under `tmp`; the registry's env for it."""
    reg_env = {"REGISTRY_DATA_DIR": str(tmp / "reg"), "REGISTRY_SERVICE_TOKEN": TEST_SERVICE_TOKEN}
    for entity, path, preset in IMPORTS:
        subprocess.run([sys.executable, "-m", "services.registry", "import", entity, str(path), "--preset", preset],
                       env={**os.environ, **reg_env}, cwd=REPO, check=True, capture_output=True)
    return reg_env


def published(registry: httpx.Client, kind: str) -> list[dict]:
    """Every published record of `kind` ("technologies" / "demands"), through the registry's cursor pages."""
    items, cursor = [], None
    while True:
        page = registry.get(f"/v1/{kind}", params={"limit": 100, "status": "published",
                                                  **({"cursor": cursor} if cursor else {})}).json()
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        reg_env = import_real_records(tmp)
        with running("registry", "services.registry.app:create_app", reg_env, tmp) as reg:
            env = {"MATCHING_DATA_DIR": str(tmp / "m"), "MATCHING_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
                   "MATCHING_REGISTRY_URL": reg.url, "MATCHING_POLL_INTERVAL": "0.2"}
            with running("matching", "services.matching.app:create_app", env, tmp, timeout=600.0) as matching:
                client = httpx.Client(base_url=matching.url, headers={"X-Service-Token": TEST_SERVICE_TOKEN}, timeout=60)
                status = {}
                for _ in range(900):
                    status = client.get("/v1/status").json()
                    if status.get("head_seq") and status["indexed_seq"] >= status["head_seq"]:
                        break
                    time.sleep(2)
                with reg.client() as registry:
                    demands = published(registry, "demands")
                rows = []
                for need in demands:
                    resp = client.post(f"/v1/demands/{need['id']}/technologies", json={"k": 3})
                    resp.raise_for_status()
                    rows.append({"need": need["title"], "hits": [{"title": h["title"], "score": h["score"], "strength": h["strength"]}
                                                                 for h in resp.json()["items"]]})
    out = REPO / "var" / "real_needs_topline.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"status": status, "rows": rows}, ensure_ascii=False, indent=1), encoding="utf-8")
    tops = [r["hits"][0] for r in rows if r["hits"]]
    print(f"{len(rows)} published needs; {status['counts']['technology']['indexed']} published supplies indexed "
          f"({status['model']})")
    print("top hit strength:", dict(collections.Counter(h["strength"] for h in tops)))
    by_record = collections.Counter(h["title"] for h in tops)
    print(f"distinct top-1 records: {len(by_record)}; most frequent:")
    for title, n in by_record.most_common(5):
        strengths = collections.Counter(h["strength"] for h in tops if h["title"] == title)
        print(f"  {n:4d}  {title[:40]}  {dict(strengths)}")
    print("strong top hits:")
    for r in rows:
        if r["hits"] and r["hits"][0]["strength"] == "strong":
            print(f"  {r['hits'][0]['score']:.2f}  {r['need'][:36]}  ->  {r['hits'][0]['title'][:40]}")


if __name__ == "__main__":
    main()
