"""Reference backend: plain sentence-transformers on torch, fp32."""
from __future__ import annotations

import os

import numpy as np


def embedding_dim(st: object) -> int:
    """Output dimension (sentence-transformers 6 renamed the getter; keep both)."""
    getter = getattr(st, "get_embedding_dimension", None) or getattr(st, "get_sentence_embedding_dimension")
    return int(getter())


class SentenceTransformerEncoder:
    def __init__(self, model_path: str, name: str, device: str = "cpu") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.name = name
        self.backend = "torch"
        self._model = SentenceTransformer(model_path, device=device)
        self.dim = embedding_dim(self._model)

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vecs, dtype=np.float32)
