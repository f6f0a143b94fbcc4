"""Two encoders as one: each text's vector is the concatenation of both models' unit vectors, each scaled by
1/sqrt(2), so the inner product of two such vectors is the MEAN of the two models' cosines (a score-level
fusion of the models inside one dense index). Used to pair a Chinese model with a multilingual one."""
from __future__ import annotations

import math

import numpy as np

from services.matching.encoder import Encoder


class PairEncoder:
    def __init__(self, first: Encoder, second: Encoder) -> None:
        self.parts = (first, second)
        self.name = f"{first.name}+{second.name}"
        self.backend = f"{getattr(first, 'backend', '')}+{getattr(second, 'backend', '')}"
        self.dim = first.dim + second.dim

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        texts = list(texts)
        halves = [enc.encode(texts, batch_size=batch_size) for enc in self.parts]
        return (np.hstack(halves) / math.sqrt(2)).astype(np.float32)
