"""Evaluation on the labelled smoke set through the service's own code; figures of the reranker cross-validated."""
import pytest

from services.matching.evaluation import evaluate, format_report
from services.matching.evaluation.datasets import load_labelled_set
from services.matching.evaluation.fitting import cross_validated
from services.matching.evaluation.metrics import ndcg_at
from services.matching.evaluation.report import expected_calibration_error
from services.matching.indexer import MatchIndex
from services.matching.search import HybridSearcher, Query
from tests.support.servers import REPO

OFF_TOPIC = REPO.parent / "shared" / "data" / "ccf_bdci2019_tech_requirements.jsonl"
GRADED = REPO.parent / "shared" / "eval" / "needs_graded.json"


@pytest.fixture(scope="module")
def report(smoke_path, encoder):
    return evaluate(load_labelled_set(smoke_path), encoder)


def test_reranked_beats_dense_and_lexical_on_mrr(report):
    m = report.metrics
    assert m["fused"]["mrr"] > m["dense"]["mrr"] and m["fused"]["mrr"] > m["lexical"]["mrr"], format_report(report)
    assert m["fused"]["recall@5"] >= 0.9


def test_strong_is_earned_and_the_score_is_calibrated(report):
    f = next(iter(report.reranked.values()))
    assert f.strong_hits >= 10 and f.strong_precision >= 0.85, format_report(report)
    assert f.ece < 0.1


def test_cross_validation_never_trains_on_the_need_it_scores(report):
    """Folds are grouped by need: shuffling one need's labels changes only that need's out-of-fold estimates in
    the folds that do not contain it, i.e. its own probabilities do not move."""
    runs = report.runs
    before = cross_validated(runs)
    need = runs[0].needs[0]
    saved = need.grades.copy()
    need.grades[:] = 3 - need.grades.clip(0, 3)  # flip its labels
    try:
        after = cross_validated(runs)
    finally:
        need.grades[:] = saved
    assert (before[0][0] == after[0][0]).all()
    assert any((b != a).any() for b, a in zip(before[0][1:], after[0][1:]))


def test_graded_ndcg_and_calibration_error():
    assert ndcg_at(["a", "b"], {"a": 3, "b": 1}) == pytest.approx(1.0)
    assert ndcg_at(["b", "a"], {"a": 3, "b": 1}) < 1.0
    assert expected_calibration_error([(0.9, 1)] * 9 + [(0.9, 0)]) == pytest.approx(0.0)
    assert expected_calibration_error([(0.9, 0)] * 10) == pytest.approx(0.9)


def test_graded_set_loads_the_demo_records_by_external_id():
    if not GRADED.exists():
        pytest.skip(f"{GRADED} not present")
    ls = load_labelled_set(GRADED)
    ids = {r["id"] for r in ls.records}
    assert len(ls.records) == 167 and "tech-0001" in ids and ls.graded
    assert all(set(n.grades) <= ids for n in ls.needs)
    assert ls.records[0].get("title") and ls.records[0].get("core_process")  # indexed with all their fields


def test_off_topic_real_needs_are_almost_never_strong(smoke_path, encoder):
    """Real enterprise needs from a general tech-transfer platform (medicine, machinery, software...) searched
    against green supplies: a confident ("strong") top hit would be a false match shown as sure. Not all of them are
    off-topic (a few ask for sludge drying, Li-battery recycling or zero-discharge brine, which the smoke supplies
    do cover, and are rightly strong), so the bound is 5 %, not 0; with m3e-small 6 of these 150 are strong."""
    if not OFF_TOPIC.exists():
        pytest.skip(f"{OFF_TOPIC} not present")
    import json

    rows = [json.loads(line) for line in OFF_TOPIC.read_text(encoding="utf-8").splitlines() if line.strip()][:150]
    texts = [(str(r.get("title") or "") + "。" + str(r.get("description") or ""))[:300] for r in rows]
    ls = load_labelled_set(smoke_path)
    index = MatchIndex(encoder)
    index.index_records("technology", ls.records)
    tops = [hits[0].strength for hits in HybridSearcher(index).search_many([Query(t, k=1) for t in texts]) if hits]
    assert tops.count("strong") <= 0.05 * len(texts), tops.count("strong")
    # Most top hits are weak. e5 (default), 2026-12-03: 104 weak, 40 possible, 6 strong, with two top scores at 0.345
    # and 0.352 beside the 0.35 cut; the same pinned packages gave >= 105 weak on the previous session's machine,
    # so the count moves with the machine by one. The bound is 2/3, not the 0.7 set with m3e-small (116 weak).
    assert tops.count("weak") >= 2 / 3 * len(texts), tops.count("weak")


def _cli():
    from services.matching.evaluation.__main__ import app

    return app


def test_cli_prints_the_table(smoke_path, encoder, tmp_path):
    """The command's own entry point, run in-process (the model is already loaded)."""
    from typer.testing import CliRunner

    plot = tmp_path / "rel.png"
    out = CliRunner().invoke(_cli(), ["report", str(smoke_path), "--plot", str(plot)])
    assert out.exit_code == 0, out.output
    assert f"encoder: {encoder.name} ({encoder.backend}, {encoder.dim} dims)\n" in out.output
    for word in ("dense", "lexical", "rrf", "reranked", "recall@10", "mrr", "ndcg@10", "strong precision", "ECE"):
        assert word in out.output
    assert plot.stat().st_size > 1000


def test_cli_names_the_backends_when_one_is_unknown(smoke_path):
    from typer.testing import CliRunner

    out = CliRunner().invoke(_cli(), ["report", str(smoke_path), "--backend", "tensorrt"])
    assert out.exit_code == 2
    assert "--backend" in out.output and "openvino" in out.output
