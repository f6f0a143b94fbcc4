"""Incremental BM25 over Chinese character 1–2-grams (numpy + scipy.sparse), with updates and deletes.

In-process use (no HTTP):

    from services.matching.index.lexical import LexicalIndex
    lex = LexicalIndex()
    lex.upsert("T1", "钢铁烧结烟气脱硫脱硝一体化技术")
    lex.upsert_weighted("T2", [("燃煤锅炉湿式静电除尘", 3), ("出口烟尘低于5mg/m³", 1)])  # field weights
    lex.remove("T2")
    lex.search("烧结机头烟气脱硝", k=5)            # [("T1", 3.2)]
    lex.search("脱硝", k=5, allowed_ids={"T1"})     # restrict to a candidate set
    lex.upsert("T3", "...", key=7); lex.top("脱硝", k=5, allowed=mask)   # restrict by a bool mask over keys

Why not bm25s: its index is immutable and rebuilding it from token lists costs ~8 s for 10,000 documents
(Python-level counting), too slow to redo per feed batch. Here every document is counted once, when it is
upserted, into (term ids, weighted counts); the term-document matrix is re-assembled from those arrays with
numpy (one concatenation and a CSC conversion) only when a query comes after a change, and BM25 (Lucene
variant, k1=1.2, b=0.75) is computed at query time from document frequencies kept up to date on every change.
Measured numbers are in docs/matching.md.
"""
from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Collection, Iterable

import numpy as np
from scipy import sparse

from shared.text import normalize

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9][a-z0-9.+\-]*")


def char_ngrams(text: str) -> list[str]:
    """Chinese runs -> unigrams and bigrams; Latin words and numbers (e.g. `vocs`, `pm2.5`, `scr`) whole."""
    text = normalize(text)
    tokens: list[str] = []
    for run in _CJK_RUN.findall(text):
        tokens.extend(run)
        tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    tokens.extend(m.group(0).rstrip(".+-") for m in _WORD.finditer(text))
    return [t for t in tokens if t]


def bigrams_only(tokens: Iterable[str]) -> set[str]:
    """The informative part of a token list: bigrams and Latin words (single characters say little)."""
    return {t for t in tokens if len(t) > 1}


class LexicalIndex:
    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._vocab: dict[str, int] = {}
        self._df = np.zeros(1024, dtype=np.int64)
        self._docs: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # id -> (term ids, weighted counts)
        self._key_of: dict[str, int] = {}  # id -> caller's integer key (the dense label), for mask filters
        self._total_length = 0.0
        # Assembled on demand after changes:
        self._ids: list[str] = []
        self._matrix: sparse.csc_matrix | None = None
        self._lengths = np.zeros(0, dtype=np.float32)
        self._keys = np.zeros(0, dtype=np.int64)  # row -> key (-1 none)
        self._dirty = False
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._docs

    # ------------------------------------------------------------------ writes
    def upsert(self, doc_id: str, text: str, *, key: int | None = None) -> None:
        self.upsert_weighted(doc_id, [(text, 1)], key=key)

    def upsert_weighted(self, doc_id: str, fields: Iterable[tuple[str, int]], *, key: int | None = None) -> None:
        """Index a document made of fields; a field of weight w counts w times (BM25 term frequency). `key`
        is the caller's integer for the document, by which `top(allowed=mask)` filters."""
        counts: Counter[str] = Counter()
        for text, weight in fields:
            for token in char_ngrams(text):
                counts[token] += weight
        self.remove(doc_id)
        ids = np.fromiter((self._term_id(t) for t in counts), dtype=np.int64, count=len(counts))
        tfs = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        self._docs[doc_id] = (ids, tfs)
        if key is not None:
            self._key_of[doc_id] = key
        self._df[ids] += 1
        self._total_length += float(tfs.sum())
        self._dirty = True

    def remove(self, doc_id: str) -> None:
        old = self._docs.pop(doc_id, None)
        self._key_of.pop(doc_id, None)
        if old is not None:
            ids, tfs = old
            self._df[ids] -= 1
            self._total_length -= float(tfs.sum())
            self._dirty = True

    def _term_id(self, token: str) -> int:
        tid = self._vocab.get(token)
        if tid is None:
            tid = self._vocab[token] = len(self._vocab)
            if tid >= len(self._df):
                self._df = np.concatenate([self._df, np.zeros(len(self._df), dtype=np.int64)])
        return tid

    def refresh(self) -> None:
        """Re-assemble the term-document matrix if anything changed since the last assembly."""
        with self._lock:
            if not self._dirty:
                return
            self._ids = list(self._docs)
            n = len(self._ids)
            if n:
                parts = [self._docs[i] for i in self._ids]
                lengths = np.fromiter((len(p[0]) for p in parts), dtype=np.int64, count=n)
                indptr = np.concatenate([[0], np.cumsum(lengths)])
                cols = np.concatenate([p[0] for p in parts])
                data = np.concatenate([p[1] for p in parts])
                csr = sparse.csr_matrix((data, cols, indptr), shape=(n, max(len(self._vocab), 1)))
                self._matrix = csr.tocsc()
                self._lengths = np.asarray(csr.sum(axis=1)).ravel().astype(np.float32)
                self._keys = np.fromiter((self._key_of.get(i, -1) for i in self._ids), dtype=np.int64, count=n)
            else:
                self._matrix, self._lengths = None, np.zeros(0, dtype=np.float32)
                self._keys = np.zeros(0, dtype=np.int64)
            self._dirty = False

    # ------------------------------------------------------------------ reads
    def document_frequency(self, token: str) -> int:
        tid = self._vocab.get(token)
        return 0 if tid is None else int(self._df[tid])

    def idf(self, token: str) -> float:
        tid = self._vocab.get(token)
        return self._idf_of(0 if tid is None else int(self._df[tid]))

    def _idf_of(self, df: np.ndarray | int) -> np.ndarray | float:
        n = max(len(self._docs), 1)
        if isinstance(df, np.ndarray):
            return np.log1p((n - df + 0.5) / (df + 0.5))
        return math.log1p((n - df + 0.5) / (df + 0.5))

    def scores(self, query: str) -> dict[str, float]:
        """BM25 score of every document with a positive score."""
        rows, per_doc = self._row_scores(query, None)
        hits = np.nonzero(per_doc > 0)[0]
        return {self._ids[rows[i]]: float(per_doc[i]) for i in hits}

    def top(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[str, float]]:
        """The k best (id, BM25) with a positive score, best first (ties by id); `allowed` is a bool mask over
        keys (documents without a key, or with a key beyond the mask, are left out)."""
        rows = None
        if allowed is not None:
            self.refresh()
            keys = self._keys
            ok = (keys >= 0) & (keys < len(allowed))
            ok[ok] = allowed[keys[ok]]
            rows = np.flatnonzero(ok)
        rows, per_doc = self._row_scores(query, rows)
        positive = np.flatnonzero(per_doc > 0)
        if len(positive) > k > 0:  # keep everything tied with the k-th score so the id tie-break is exact
            kth = np.partition(per_doc[positive], len(positive) - k)[len(positive) - k]
            positive = positive[per_doc[positive] >= kth]
        ranked = sorted(((self._ids[rows[i]], float(per_doc[i])) for i in positive), key=lambda kv: (-kv[1], kv[0]))
        return ranked[:k]

    def _row_scores(self, query: str, rows: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(rows, BM25 per row) for the given matrix rows (all when None); only the query's term columns are
        read, then restricted to `rows` by sparse row slicing."""
        self.refresh()
        matrix = self._matrix
        n = 0 if matrix is None else matrix.shape[0]
        rows = np.arange(n) if rows is None else rows
        empty = (rows, np.zeros(len(rows)))
        counts = Counter(t for t in char_ngrams(query) if t in self._vocab)
        if matrix is None or not counts or not len(rows):
            return empty
        qids = np.fromiter((self._vocab[t] for t in counts), dtype=np.int64, count=len(counts))
        qweights = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        qids_in = qids < matrix.shape[1]
        qids, qweights = qids[qids_in], qweights[qids_in]
        sub = matrix[:, qids]
        if len(rows) < n:
            sub = sub.tocsr()[rows]
        sub = sub.tocoo()
        if sub.nnz == 0:
            return empty
        avgdl = self._total_length / len(self._docs)
        tf = sub.data
        norm = tf + self.k1 * (1 - self.b + self.b * self._lengths[rows[sub.row]] / avgdl)
        weights = (self._idf_of(self._df[qids]) * qweights)[sub.col]
        per_doc = np.bincount(sub.row, weights=weights * tf * (self.k1 + 1) / norm, minlength=len(rows))
        return rows, per_doc

    def search(self, query: str, k: int, allowed_ids: Collection[str] | None = None) -> list[tuple[str, float]]:
        scored = self.scores(query)
        if allowed_ids is not None:
            scored = {i: s for i, s in scored.items() if i in allowed_ids}
        return sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:k]

    def ideal_score(self, query: str) -> float:
        """The BM25 a document matching every query term with saturated frequency would get (the bound BM25
        tends to): dividing by it makes a score comparable across queries."""
        counts = Counter(char_ngrams(query))
        return float(sum(self.idf(t) * n for t, n in counts.items()) * (self.k1 + 1))

    def coverage(self, query: str, doc_id: str) -> float:
        """IDF-weighted share of the query's bigrams/words found in the document, 0..1 (an absolute signal,
        unlike BM25 scores, which depend on query length and corpus)."""
        return self.coverage_many(query, [doc_id])[doc_id]

    def coverage_many(self, query: str, doc_ids: Collection[str]) -> dict[str, float]:
        """`coverage` of one query for several documents: the query's terms and their IDF are read once (a
        search asks this for each of its up to 90 candidates)."""
        q = [(self._vocab.get(t, -1), self.idf(t)) for t in bigrams_only(char_ngrams(query))]
        total = sum(idf for _, idf in q)
        out: dict[str, float] = {}
        for doc_id in doc_ids:
            doc = self._docs.get(doc_id)
            if not q or doc is None or not total:
                out[doc_id] = 0.0
                continue
            present = set(doc[0].tolist())
            out[doc_id] = sum(idf for tid, idf in q if tid in present) / total
        return out
