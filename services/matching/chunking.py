"""Long texts are embedded whole: split into chunks the model can read, encode every chunk, average.

The encoders read about 512 tokens (about one per Chinese character), so a record cut at that length lost
everything after it. `ChunkedEncoder` wraps any encoder: a text longer than `CHUNK_CHARS` is split at sentence
ends into chunks of at most that length, and its vector is the normalised mean of its chunk vectors (one vector
per record, so the dense index, filters and snapshots stay as they are). Queries go through the same wrapper,
so a record's text sent as a query gets exactly the record's vector.
"""
from __future__ import annotations

import re

import numpy as np

from services.matching.encoder import Encoder

CHUNK_CHARS = 480  # m3e-small and multilingual-e5-small read 512 tokens; room for the e5 prefix
_SENTENCE_END = re.compile(r"(?<=[。！？；;!?\n])")


def split_chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Chunks of at most `size` characters, cut after sentence ends where possible (a longer sentence is cut
    hard). Short texts come back unchanged as one chunk; nothing is dropped."""
    if len(text) <= size:
        return [text]
    chunks: list[str] = []
    current = ""
    for sentence in (s for s in _SENTENCE_END.split(text) if s):
        while len(sentence) > size:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(sentence[:size])
            sentence = sentence[size:]
        if len(current) + len(sentence) > size:
            chunks.append(current)
            current = ""
        current += sentence
    if current.strip():
        chunks.append(current)
    return chunks


class ChunkedEncoder:
    """An `Encoder` that reads whole texts (mean of chunk vectors); name, backend and dim are the wrapped one's."""

    def __init__(self, inner: Encoder, size: int = CHUNK_CHARS) -> None:
        self.inner = inner
        self.size = size
        self.name = inner.name
        self.backend = getattr(inner, "backend", "")
        self.dim = inner.dim

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        pieces = [split_chunks(t, self.size) for t in texts]
        flat = [c for p in pieces for c in p]
        vectors = self.inner.encode(flat, batch_size=batch_size)
        if len(flat) == len(texts):  # nothing was long: the common case, no averaging
            return np.asarray(vectors, dtype=np.float32)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        start = 0
        for row, p in enumerate(pieces):
            out[row] = vectors[start:start + len(p)].mean(axis=0)
            start += len(p)
        return (out / np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-12, None)).astype(np.float32)
