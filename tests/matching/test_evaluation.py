"""Evaluation smoke: on the labelled green set, fusion beats both single retrievers on MRR."""
import pytest

from services.matching.evaluation import build_index, evaluate, format_report, load_negatives, load_set, negative_strengths
from tests.support.servers import REPO

OFF_TOPIC = REPO.parent / "shared" / "data" / "ccf_bdci2019_tech_requirements.jsonl"


def test_fused_beats_dense_and_lexical_on_mrr(smoke_path, encoder):
    report = evaluate(load_set(smoke_path), encoder)
    m = report.metrics
    assert m["fused"]["mrr"] > m["dense"]["mrr"] and m["fused"]["mrr"] > m["lexical"]["mrr"], format_report(report)
    assert m["fused"]["recall@5"] >= 0.9
    strong = report.strength["strong"]
    assert strong["hits"] >= 10 and strong["precision"] >= 0.8  # "strong" must rarely be a false match
    assert report.strength["strong"]["precision"] > report.strength["possible"]["precision"] > report.strength["weak"]["precision"]


def test_off_topic_real_needs_are_almost_never_strong(smoke_path, encoder):
    """Real enterprise needs from a general tech-transfer platform (medicine, machinery, software...) searched
    against green supplies: a confident ("strong") top hit would be a false match shown as sure."""
    if not OFF_TOPIC.exists():
        pytest.skip(f"{OFF_TOPIC} not present")
    texts = load_negatives(OFF_TOPIC)[:150]  # a sample keeps the test short on a shared machine
    counts = negative_strengths(build_index(load_set(smoke_path), encoder), texts)
    assert counts["strong"] <= 0.01 * len(texts), counts
    assert counts["weak"] >= 0.9 * len(texts), counts


def test_cli_prints_the_table(smoke_path, encoder):
    """The command's own entry point, run in-process (the model is already loaded)."""
    import typer
    from typer.testing import CliRunner

    from services.matching.evaluation.__main__ import main

    cli = typer.Typer()
    cli.command()(main)
    out = CliRunner().invoke(cli, [str(smoke_path)])
    assert out.exit_code == 0, out.output
    assert f"encoder: {encoder.name} ({encoder.backend}, {encoder.dim} dims)\n" in out.output
    for word in ("dense", "lexical", "fused", "recall@5", "mrr", "ndcg@10", "strong", "possible"):
        assert word in out.output


def test_cli_names_the_backends_when_one_is_unknown(smoke_path):
    import typer
    from typer.testing import CliRunner

    from services.matching.evaluation.__main__ import main

    cli = typer.Typer()
    cli.command()(main)
    out = CliRunner().invoke(cli, [str(smoke_path), "--backend", "tensorrt"])
    assert out.exit_code == 2
    assert "--backend" in out.output and "openvino" in out.output
