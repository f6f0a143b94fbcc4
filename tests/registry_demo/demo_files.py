"""Reading the demo JSON Lines files, with a test failure that names the file and line of a broken record."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "services" / "registry" / "demo"


def read_demo(name: str) -> list[dict]:
    records = []
    for n, line in enumerate((DEMO / name).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                pytest.fail(f"{name} line {n} is not JSON: {exc}")
    return records
