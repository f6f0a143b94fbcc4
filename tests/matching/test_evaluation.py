"""Evaluation smoke: on the labelled green set, fusion beats both single retrievers on MRR."""
import subprocess
import sys

from services.matching.evaluation import evaluate, format_report, load_set
from tests.support.servers import REPO


def test_fused_beats_dense_and_lexical_on_mrr(smoke_path, encoder):
    report = evaluate(load_set(smoke_path), encoder)
    m = report.metrics
    assert m["fused"]["mrr"] > m["dense"]["mrr"] and m["fused"]["mrr"] > m["lexical"]["mrr"], format_report(report)
    assert m["fused"]["recall@5"] >= 0.9
    strong = report.strength["strong"]
    assert strong["hits"] >= 10 and strong["precision"] >= 0.8  # "strong" must rarely be a false match
    assert report.strength["strong"]["precision"] > report.strength["possible"]["precision"] > report.strength["weak"]["precision"]


def test_cli_prints_the_table(smoke_path):
    out = subprocess.run([sys.executable, "-m", "services.matching.evaluation", str(smoke_path)], cwd=REPO,
                         capture_output=True, text=True, timeout=300, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    for word in ("dense", "lexical", "fused", "recall@5", "mrr", "ndcg@10", "strong", "possible"):
        assert word in out.stdout
