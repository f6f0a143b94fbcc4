"""Read foreign records (JSON Lines or CSV) and map their fields onto ours."""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_LIST_SPLIT = re.compile(r"[,，;；、/|\-\s]+")
LIST_FIELDS = {"keywords", "transfer_modes", "cooperation_modes"}


def read_records(path: Path, fmt: str) -> Iterator[dict[str, Any]]:
    if fmt == "jsonl":
        with path.open(encoding="utf-8-sig") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)
    elif fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            yield from csv.DictReader(fh)
    else:
        raise ValueError(f"unknown format {fmt!r}: use jsonl or csv")


def parse_mapping(spec: str | None) -> dict[str, str]:
    """`title=name,description=description` -> {our field: their field}."""
    mapping: dict[str, str] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        ours, sep, theirs = part.partition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise ValueError(f"bad --map entry {part!r}: write ours=theirs, e.g. title=name")
        mapping[ours.strip()] = theirs.strip()
    return mapping


def map_record(record: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for ours, theirs in mapping.items():
        value = record.get(theirs)
        if value is None or value == "":
            continue
        if ours in LIST_FIELDS and isinstance(value, str):
            value = [v for v in _LIST_SPLIT.split(value) if v][:20]
        out[ours] = value.strip() if isinstance(value, str) else value
    return out
