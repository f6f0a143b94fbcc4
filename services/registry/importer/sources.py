"""Read foreign records (JSON Lines, a JSON array, or CSV) and map their fields onto ours."""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_LIST_SPLIT = re.compile(r"[,，;；、/|\-\s]+")
LIST_FIELDS = {"keywords", "transfer_modes", "cooperation_modes"}
PLACEHOLDERS = {"n/a", "na", "none", "null", "-", "--", "无", "暂无"}  # a source's way of saying "empty"


@dataclass(frozen=True)
class Preset:
    """A known source's format, field mapping and external_ref.source (`import --preset NAME`)."""

    format: str
    mapping: str
    source: str
    about: str
    domain: str | None = None  # what the whole file is about: the domain of records whose text does not reveal one


PRESETS = {
    "ccf2019": Preset("jsonl", "external_id=id,title=title,description=description", "ccf2019",
                      "CCF BDCI 2019 enterprise technical needs (demands), ../shared/data/ccf_bdci2019_tech_requirements.jsonl"),
    "jcpage": Preset("jsonl", "external_id=source_id,title=name,description=description,owner_name=holder,keywords=label", "jcpage",
                     "jcpage.jp Japanese green technologies with Chinese text (technologies); the catalogue is 节能环保技术",
                     domain="energy_saving"),
    "wipo-green-wind": Preset("json", "external_id=id,title=technologyNameEN,description=description,owner_name=companyName,"
                                 "benefits=benefitsDescription", "wipo-green",
                         "WIPO GREEN wind-energy technologies in English as scraped by GreenParkNetwork (technologies); "
                         "the machine-translated Chinese fields are left out", domain="clean_energy"),
}


def read_records(path: Path, fmt: str) -> Iterator[dict[str, Any]]:
    if fmt == "jsonl":
        with path.open(encoding="utf-8-sig") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)
    elif fmt == "json":  # one array of objects (WIPO GREEN exports and scrapes come like this)
        with path.open(encoding="utf-8-sig") as fh:
            data = json.load(fh)
        if not isinstance(data, list):
            raise ValueError(f"{path}: --format json expects a JSON array of records")
        yield from data
    elif fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            yield from csv.DictReader(fh)
    else:
        raise ValueError(f"unknown format {fmt!r}: use jsonl, json or csv")


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
        if value is None or value == "" or (isinstance(value, str) and value.strip().lower() in PLACEHOLDERS):
            continue
        if ours in LIST_FIELDS and isinstance(value, str):
            value = [v for v in _LIST_SPLIT.split(value) if v][:20]
        out[ours] = value.strip() if isinstance(value, str) else value
    return out
