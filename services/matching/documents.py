"""One weighted document per record, built from its text fields.

`build_document(entity, record)` returns the text the encoder embeds (fields in weight order, title first,
whole: `chunking.ChunkedEncoder` embeds texts longer than the model reads chunk by chunk) and the weighted fields the lexical index counts (a weight-3 field counts three
times in BM25 term frequency). Records are dicts in the registry's public form (`TechnologyPublic`,
`DemandPublic`); missing fields are skipped, so a bare `{"description": "..."}` works too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.matching.crosslingual import glosses
from services.matching.rerank import latin_share
from shared.schemas import Entity
from shared.taxonomy import DOMAINS
from shared.text import normalize

# Field weights (integer: repeats in the lexical document). Title and keywords say what a record is about;
# long descriptions carry more noise per character.
TECHNOLOGY_WEIGHTS: dict[str, int] = {
    "title": 3, "summary": 2, "keywords": 2, "core_process": 2, "applicable_scope": 1,
    "key_parameters": 1, "benefits": 1, "description": 1,
}
LATIN_RECORD = 0.5  # share of Latin letters from which a record counts as written in English
DEMAND_WEIGHTS: dict[str, int] = {"title": 3, "keywords": 2, "description": 1, "expected_indicators": 1}


@dataclass(frozen=True)
class Document:
    id: str
    entity: Entity
    text: str  # for the dense encoder, the shared terms and the term coverage (never cut)
    weighted_fields: tuple[tuple[str, int], ...]  # for the lexical index
    glosses: str = ""  # a mostly-English record's Chinese glosses (`crosslingual`), lexical side only

    @property
    def match_text(self) -> str:
        """What the lexical evidence (term coverage, shared terms) reads: the text and its glosses."""
        return f"{self.text}\n{self.glosses}" if self.glosses else self.text


def field_weights(entity: Entity | str) -> dict[str, int]:
    return TECHNOLOGY_WEIGHTS if Entity(entity) == Entity.technology else DEMAND_WEIGHTS


def _field_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "、".join(normalize(str(v)) for v in value if v)
    return normalize(str(value))


def domain_text(record: dict[str, Any]) -> str:
    """Chinese names of the record's domain and subdomain (helps vague queries like '污染治理')."""
    domain = DOMAINS.get(record.get("domain") or "")
    if domain is None:
        return ""
    parts = [domain.name]
    sub = domain.subdomains.get(record.get("subdomain") or "")
    if sub:
        parts.append(sub)
    return " ".join(parts)


def build_document(entity: Entity | str, record: dict[str, Any]) -> Document:
    entity = Entity(entity)
    fields: list[tuple[str, int]] = []
    for name, weight in field_weights(entity).items():
        text = _field_text(record.get(name))
        if text:
            fields.append((text, weight))
    topic = domain_text(record)
    if topic:
        fields.append((topic, 1))
    dense = "。".join(text for text, _ in fields)
    glossed = ""
    if latin_share(dense) >= LATIN_RECORD:  # an English record: Chinese needs reach it lexically through its glosses
        glossed = " ".join(glosses(dense))
        if glossed:
            fields.append((glossed, 1))
    return Document(id=str(record.get("id", "")), entity=entity, text=dense, weighted_fields=tuple(fields),
                    glosses=glossed)


def display_title(record: dict[str, Any]) -> str:
    title = record.get("title") or record.get("summary") or record.get("description") or ""
    return str(title)[:120]

