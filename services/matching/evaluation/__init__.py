"""Offline matching evaluation on a labelled set: `python -m services.matching.evaluation PATH`.

The set is JSON `{"supplies": {id: text}, "needs": [{"id", "text", "relevant": [ids], "set"}]}`. Supplies are
indexed in-process with the service's own document/index/search code; each need is searched dense-only,
lexical-only and fused.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.matching.encoder import Encoder
from services.matching.evaluation.metrics import summarize
from services.matching.indexer import MatchIndex
from shared.matching_schemas import Hit
from services.matching.search import FusionConfig, HybridSearcher, Mode, Query, StrengthThresholds

MODES: tuple[Mode, ...] = ("dense", "lexical", "fused")


@dataclass
class EvalReport:
    metrics: dict[str, dict[str, float]]  # mode -> metric -> value
    by_set: dict[str, dict[str, float]]  # need set -> fused metrics
    strength: dict[str, dict[str, float]]  # strong/possible/weak -> {hits, precision}
    needs: int
    supplies: int


def load_set(path: Path) -> dict[str, Any]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data.get("supplies"), dict) or not isinstance(data.get("needs"), list):
        raise ValueError(f"{path}: expected {{'supplies': {{id: text}}, 'needs': [...]}}")
    return data


def build_index(data: dict[str, Any], encoder: Encoder) -> MatchIndex:
    index = MatchIndex(encoder)
    index.index_records("technology", [{"id": sid, "description": text} for sid, text in data["supplies"].items()])
    return index


def run_modes(searcher: HybridSearcher, needs: list[dict[str, Any]], k: int = 10) -> dict[Mode, list[list[Hit]]]:
    queries = [Query(n["text"], target="technology", k=k) for n in needs]
    vectors = searcher.index.encoder.encode([q.text for q in queries])
    for q, v in zip(queries, vectors):
        q.vector = v
    return {mode: searcher.search_many(queries, mode) for mode in MODES}


def strength_calibration(needs: list[dict[str, Any]], hits: list[list[Hit]], top: int = 3) -> dict[str, dict[str, float]]:
    """Precision of each strength label over the top `top` fused hits of every need."""
    out: dict[str, dict[str, float]] = {}
    for label in ("strong", "possible", "weak"):
        labelled = [(h.id in set(n["relevant"])) for n, hs in zip(needs, hits) for h in hs[:top] if h.strength == label]
        out[label] = {"hits": len(labelled), "precision": sum(labelled) / len(labelled) if labelled else 0.0}
    return out


def evaluate(data: dict[str, Any], encoder: Encoder, fusion: FusionConfig = FusionConfig(),
             strength: StrengthThresholds = StrengthThresholds(), index: MatchIndex | None = None) -> EvalReport:
    index = index or build_index(data, encoder)
    searcher = HybridSearcher(index, fusion, strength)
    needs = data["needs"]
    results = run_modes(searcher, needs)
    metrics = {
        mode: summarize([([h.id for h in hs], set(n["relevant"])) for n, hs in zip(needs, results[mode])])
        for mode in MODES
    }
    by_set: dict[str, dict[str, float]] = {}
    for name in sorted({n.get("set", "all") for n in needs}):
        pairs = [([h.id for h in hs], set(n["relevant"])) for n, hs in zip(needs, results["fused"]) if n.get("set", "all") == name]
        by_set[name] = summarize(pairs)
    return EvalReport(metrics, by_set, strength_calibration(needs, results["fused"]), len(needs), len(data["supplies"]))


def load_negatives(path: Path) -> list[str]:
    """Off-topic queries, JSON Lines with `title` and optional `description` (e.g. the CCF BDCI requirements)."""
    texts = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            texts.append((str(row.get("title") or "") + "。" + str(row.get("description") or ""))[:300])
    return texts


def negative_strengths(index: MatchIndex, texts: list[str]) -> dict[str, int]:
    """Strength of the top-1 hit for each off-topic query: "strong" here is a confident false match."""
    hits = HybridSearcher(index).search_many([Query(t, target="technology", k=1) for t in texts])
    counts = {"strong": 0, "possible": 0, "weak": 0}
    for h in hits:
        if h:
            counts[h[0].strength] += 1
    return counts


def format_report(report: EvalReport) -> str:
    cols = ["recall@1", "recall@5", "recall@10", "mrr", "ndcg@10"]
    lines = [f"{report.supplies} supplies, {report.needs} needs", "", f"{'mode':<16}" + "".join(f"{c:>11}" for c in cols)]
    for mode, m in report.metrics.items():
        lines.append(f"{mode:<16}" + "".join(f"{m[c]:>11.3f}" for c in cols))
    for name, m in report.by_set.items():
        lines.append(f"{'fused/' + name:<16}" + "".join(f"{m[c]:>11.3f}" for c in cols))
    lines += ["", "strength calibration (top-3 fused hits per need)"]
    for label, s in report.strength.items():
        lines.append(f"  {label:<9} hits {int(s['hits']):>4}   precision {s['precision']:.3f}")
    return "\n".join(lines)
