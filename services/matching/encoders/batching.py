"""What the exported-model backends (onnx, openvino) share: length-sorted batches and sentence-transformers'
pooling + L2 normalisation, done in numpy."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np


def encode_length_sorted(texts: list[str], batch_size: int, dim: int,
                         encode_batch: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Batches of similar length (little padding); each vector is put back in its input row. Blank texts are
    encoded once on their own: they are nothing but special tokens, and int8 activations are scaled per batch, so
    in a batch of real text their vector would depend on the neighbours (cosine 0.88 to the same text alone)."""
    texts = list(texts)
    out = np.zeros((len(texts), dim), dtype=np.float32)
    blank = [i for i, t in enumerate(texts) if not t.strip()]
    if blank:
        out[blank] = encode_batch([""])[0]
    order = sorted((i for i, t in enumerate(texts) if t.strip()), key=lambda i: len(texts[i]))
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        out[rows] = encode_batch([texts[i] for i in rows])
    return out


def pool_and_normalize(hidden: np.ndarray, attention_mask: np.ndarray, pooling: str) -> np.ndarray:
    """Mean over real tokens (or the CLS vector), then unit length: what the sentence-transformers pipeline does."""
    if pooling == "cls":
        pooled = hidden[:, 0]
    else:
        mask = attention_mask[..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
