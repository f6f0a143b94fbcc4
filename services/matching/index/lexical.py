"""BM25 over Chinese character 1–2-grams (bm25s), with updates and deletes.

In-process use (no HTTP):

    from services.matching.index.lexical import LexicalIndex
    lex = LexicalIndex()
    lex.upsert("T1", "钢铁烧结烟气脱硫脱硝一体化技术")
    lex.upsert("T2", "燃煤锅炉湿式静电除尘")
    lex.remove("T2")
    lex.search("烧结机头烟气脱硝", k=5)            # [("T1", 3.2)]
    lex.search("脱硝", k=5, allowed_ids={"T1"})     # restrict to a candidate set

bm25s builds an immutable index, so changes only mark the index dirty; the next query (or `refresh()`)
rebuilds it from the kept token lists. The feed follower applies changes in batches, so this is one rebuild
per batch (about 0.2 s for 10,000 documents, see docs/matching.md).
"""
from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Collection, Iterable

import bm25s
import numpy as np

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
        self._tokens: dict[str, list[str]] = {}
        self._df: Counter[str] = Counter()
        self._ids: list[str] = []
        self._position: dict[str, int] = {}
        self._bm25: bm25s.BM25 | None = None
        self._dirty = False
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._tokens)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._tokens

    def upsert(self, doc_id: str, text: str) -> None:
        self.remove(doc_id)
        tokens = char_ngrams(text)
        self._tokens[doc_id] = tokens
        self._df.update(set(tokens))
        self._dirty = True

    def remove(self, doc_id: str) -> None:
        old = self._tokens.pop(doc_id, None)
        if old is not None:
            self._df.subtract(set(old))
            self._dirty = True

    def refresh(self) -> None:
        """Rebuild the BM25 matrices if anything changed since the last build."""
        with self._lock:
            if not self._dirty:
                return
            self._ids = list(self._tokens)
            self._position = {doc_id: i for i, doc_id in enumerate(self._ids)}
            if self._ids:
                bm25 = bm25s.BM25(k1=self.k1, b=self.b)
                bm25.index([self._tokens[i] or [""] for i in self._ids], show_progress=False)
                self._bm25 = bm25
            else:
                self._bm25 = None
            self._dirty = False

    def idf(self, token: str) -> float:
        n = max(len(self._tokens), 1)
        df = self._df.get(token, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, query: str) -> dict[str, float]:
        """BM25 score of every document with a positive score."""
        self.refresh()
        tokens = char_ngrams(query)
        if self._bm25 is None or not tokens:
            return {}
        raw = self._bm25.get_scores(tokens)
        hits = np.nonzero(raw > 0)[0]
        return {self._ids[i]: float(raw[i]) for i in hits}

    def search(self, query: str, k: int, allowed_ids: Collection[str] | None = None) -> list[tuple[str, float]]:
        scored = self.scores(query)
        if allowed_ids is not None:
            scored = {i: s for i, s in scored.items() if i in allowed_ids}
        return sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:k]

    def coverage(self, query: str, doc_id: str) -> float:
        """IDF-weighted share of the query's bigrams/words found in the document, 0..1 (an absolute signal,
        unlike BM25 scores, which depend on query length and corpus)."""
        q = bigrams_only(char_ngrams(query))
        doc = self._tokens.get(doc_id)
        if not q or doc is None:
            return 0.0
        present = set(doc)
        total = sum(self.idf(t) for t in q)
        found = sum(self.idf(t) for t in q if t in present)
        return found / total if total else 0.0

    def tokens(self, doc_id: str) -> list[str]:
        return self._tokens.get(doc_id, [])
