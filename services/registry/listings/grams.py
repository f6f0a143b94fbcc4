"""Character bigrams behind the keyword filter `q` (the n-gram index of migration 0006).

Every listing has one row per distinct bigram of its `search_text` in its kind's gram table (technology_grams,
demand_grams), written in the same transaction as the record. A record containing a query term as a substring
contains every bigram of that term, so the records holding all of a term's bigrams are a superset of the matches;
the list then applies the old `LIKE '%term%'` to that small candidate set, so results equal the substring scan.

A bigram is stored as one integer (two code points, 21 bits each): smaller and faster to compare than text.
Pairs with whitespace are skipped: query terms are split on whitespace, so no term contains one.
If this function ever changes, the gram tables must be rebuilt (a migration like 0006's backfill).
"""
from __future__ import annotations

from collections.abc import Iterable


def text_grams(text: str) -> set[int]:
    """Distinct bigram codes of a normalised search text."""
    return {(ord(a) << 21) | ord(b) for a, b in zip(text, text[1:]) if not (a.isspace() or b.isspace())}


def term_grams(terms: Iterable[str]) -> list[int]:
    """Distinct bigram codes of the query terms of two or more characters, in first-seen order."""
    seen: dict[int, None] = {}
    for term in terms:
        for a, b in zip(term, term[1:]):
            seen.setdefault((ord(a) << 21) | ord(b), None)
    return list(seen)
