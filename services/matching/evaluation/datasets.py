"""The two labelled sets in one shape: supplies (records to index) and needs with graded labels.

- `green_smoke.json`: `{"supplies": {id: text}, "needs": [{"id", "text", "relevant": [ids], "set"}]}`; binary
  relevance, read as grade 2 ("at least partly useful"), everything else grade 0.
- `needs_graded.json`: `{"corpus", "id_field", "needs": [{"id", "text", "kind", "labels": {tech id: 1..3}}]}`
  graded against the demo technologies (`corpus`, a repo path); each record is indexed with all its fields,
  under the id named by `id_field` (`external_ref.external_id`), exactly as the demo loads them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
RELEVANT = 2  # a label >= this counts as relevant (broker: "at least partly useful")


@dataclass(frozen=True)
class Need:
    id: str
    text: str
    kind: str
    grades: dict[str, int] = field(default_factory=dict)  # only grades >= 1

    @property
    def relevant(self) -> set[str]:
        return {i for i, g in self.grades.items() if g >= RELEVANT}


@dataclass
class LabelledSet:
    name: str
    records: list[dict[str, Any]]  # technology records, each with an "id"
    needs: list[Need]
    graded: bool  # False: binary labels (relevant = grade 2)

    @property
    def top_grade(self) -> int:
        return max((g for n in self.needs for g in n.grades.values()), default=RELEVANT)


def _dig(record: dict[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def load_labelled_set(path: Path) -> LabelledSet:
    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data.get("supplies"), dict) and isinstance(data.get("needs"), list):
        records = [{"id": sid, "description": text} for sid, text in data["supplies"].items()]
        needs = [Need(n["id"], n["text"], n.get("set") or n.get("kind") or "all", {r: RELEVANT for r in n["relevant"]})
                 for n in data["needs"]]
        return LabelledSet(path.stem, records, needs, graded=False)
    if "corpus" in data and isinstance(data.get("needs"), list):
        corpus = Path(data["corpus"])
        corpus = corpus if corpus.is_absolute() else REPO / corpus
        id_field = data.get("id_field") or "id"
        records = []
        for line in corpus.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                records.append({**row, "id": str(_dig(row, id_field))})
        needs = [Need(n["id"], n["text"], n.get("kind") or "all", {k: int(v) for k, v in n["labels"].items()})
                 for n in data["needs"]]
        return LabelledSet(path.stem, records, needs, graded=True)
    raise ValueError(f"{path}: expected a smoke set ({{'supplies', 'needs'}}) or a graded set ({{'corpus', 'needs'}})")
