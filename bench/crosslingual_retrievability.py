"""Chinese needs against English records: can each English record be found by its own Chinese name?

The 69 English WIPO GREEN wind technologies (../shared/data/raw/greenparknetwork-wipo-green-wind) are indexed with
the 167 Chinese demo technologies; each is queried by its `technologyNameCN`. Prints, per order (fused = the
service's, dense, lexical), the share whose own record is in the top 10 and the MRR, plus how many are first and
"strong". No labelled set has English records, so this is a retrievability check, not a relevance figure
(docs/matching.md, "Across languages").

Run: .venv/bin/python bench/crosslingual_retrievability.py [--no-record-glosses]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
WIPO = REPO.parent / "shared" / "data" / "raw" / "greenparknetwork-wipo-green-wind" / "complete-69-wipo-wind-technologies.json"
DEMO = REPO / "services" / "registry" / "demo" / "technologies.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-record-glosses", action="store_true", help="index English records without glosses")
    args = parser.parse_args()
    if not WIPO.exists():
        print(f"skipped: {WIPO} not present (workspace data)")
        return
    import services.matching.documents as documents
    from services.matching.encoder import load_encoder
    from services.matching.indexer import MatchIndex
    from services.matching.search import HybridSearcher, Query
    from services.matching.settings import MatchingSettings

    if args.no_record_glosses:
        documents.glosses = lambda text: []
    settings = MatchingSettings()
    encoder = load_encoder(settings.model, settings.encoder_backend)
    demo = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines() if line.strip()]
    for i, record in enumerate(demo):
        record["id"] = f"demo-{i}"
    wipo = json.loads(WIPO.read_text(encoding="utf-8"))
    english = [{"id": f"wipo-{w['id']}", "title": w["technologyNameEN"], "description": w.get("description") or "",
                "benefits": w.get("benefits") or ""} for w in wipo]
    queries = [(f"wipo-{w['id']}", w["technologyNameCN"]) for w in wipo if w.get("technologyNameCN")]
    index = MatchIndex(encoder)
    index.index_records("technology", demo + english)
    searcher = HybridSearcher(index)
    print(f"encoder {encoder.name}; {len(demo)} Chinese + {len(english)} English records; {len(queries)} queries; "
          f"record glosses {'off' if args.no_record_glosses else 'on'}")
    for mode in ("fused", "dense", "lexical"):
        results = searcher.search_many([Query(q, k=10) for _, q in queries], mode=mode)
        ranks = [next((r for r, h in enumerate(hits, 1) if h.id == own), None) for (own, _), hits in zip(queries, results)]
        line = (f"{mode:8} own record in top 10 {np.mean([r is not None for r in ranks]):.3f}  "
                f"MRR {np.mean([1 / r if r else 0 for r in ranks]):.3f}")
        if mode == "fused":
            first_strong = sum(bool(hits) and hits[0].id == own and hits[0].strength == "strong"
                               for (own, _), hits in zip(queries, results))
            english_in_top = np.mean([sum(h.id.startswith("wipo-") for h in hits) for hits in results])
            line += f"  first and strong {first_strong}  English records per top 10 {english_in_top:.1f}"
        print(line)


if __name__ == "__main__":
    main()
