"""Chinese text normalisation shared by registry (screening, keyword filter) and matching (indexing, queries)."""
from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def normalize(text: str | None) -> str:
    """NFKC (full-width -> half-width letters, digits and punctuation), lower-case Latin, one space between words."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u3000", " ")
    return _WS.sub(" ", text).strip().lower()


def cjk_ratio(text: str) -> float:
    """Share of non-space characters that are CJK ideographs (a cheap 'is this Chinese text' signal)."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    return sum(1 for c in chars if _CJK.match(c)) / len(chars)
