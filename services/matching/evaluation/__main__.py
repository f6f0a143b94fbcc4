"""`python -m services.matching.evaluation ../shared/eval/green_smoke.json` - prints the metrics table."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from services.matching.evaluation import evaluate, format_report, load_set


def main(path: Path = typer.Argument(..., exists=True, dir_okay=False, help="Labelled set (JSON)")) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from services.matching.encoder import load_encoder
    from services.matching.settings import MatchingSettings

    settings = MatchingSettings()
    report = evaluate(load_set(path), load_encoder(settings.model, settings.encoder_backend))
    typer.echo(format_report(report))
    fused, dense, lexical = (report.metrics[m]["mrr"] for m in ("fused", "dense", "lexical"))
    if not (fused > dense and fused > lexical):
        typer.echo("WARNING: fused MRR does not beat both single retrievers", err=True)
        sys.exit(1)


if __name__ == "__main__":
    typer.run(main)
