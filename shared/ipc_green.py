"""The green IPC reference table (绿色技术与国际专利分类参考关系表): IPC groups → taxonomy domain/subdomain.

One data file, `shared/data/ipc_green.json`, versioned, written by the project (see docs/ip_and_finance.md).
It is the one source of the IPC → subdomain mapping: domain suggestion (shared/domain_suggestion.py), the
green flag of patents and green patent statistics (registry), and `GET /v1/ipc-green` (gateway) all read it.

Matching: a symbol matches a code when the code, without spaces, starts with the symbol without spaces; a
main-group symbol (`B01D 53`) only matches that group (`B01D 53/86`, not `B01D 531/…`). Longest symbol wins.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "ipc_green.json"


@dataclass(frozen=True)
class IpcGreenEntry:
    symbol: str  # "B01D 53", "C02F", "C02F 1/44", or a Y-tag such as "Y02B"
    domain: str
    subdomain: str
    kind: str  # ipc | tag (a topic IPC has no group for)
    title_zh: str
    note: str = ""

    @property
    def key(self) -> str:
        return self.symbol.replace(" ", "").upper()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@cache
def _data() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def version() -> str:
    return str(_data()["version"])


def compiled() -> str:
    return str(_data()["compiled"])


@cache
def entries() -> tuple[IpcGreenEntry, ...]:
    return tuple(IpcGreenEntry(**e) for e in _data()["entries"])


def uncovered() -> dict[str, str]:
    """Subdomains with no IPC group, and why."""
    return dict(_data().get("uncovered", {}))


@cache
def _by_key() -> dict[str, IpcGreenEntry]:
    return {e.key: e for e in entries()}


def _matches(key: str, code: str) -> bool:
    if not code.startswith(key):
        return False
    rest = code[len(key):]
    # "B01D53" must not match "B01D531/..": a main group ends at "/"; subclass and subgroup prefixes are free
    return not (rest and key[-1].isdigit() and "/" not in key and rest[0].isdigit())


def lookup(code: str) -> IpcGreenEntry | None:
    """The most specific entry covering an IPC code (any spacing), or None when the code is not green."""
    key = code.replace(" ", "").upper()
    best: IpcGreenEntry | None = None
    for length in range(len(key), 2, -1):
        found = _by_key().get(key[:length])
        if found and _matches(found.key, key):
            best = found
            break
    return best


def green_entries(codes: list[str] | tuple[str, ...]) -> list[IpcGreenEntry]:
    """Entries for the green codes among `codes`, in order, duplicates dropped."""
    out: list[IpcGreenEntry] = []
    for code in codes:
        entry = lookup(code)
        if entry and entry not in out:
            out.append(entry)
    return out


def prefixes() -> dict[str, tuple[str, str]]:
    """{symbol without spaces: (domain, subdomain)} — the shape domain suggestion uses."""
    return {e.key: (e.domain, e.subdomain) for e in entries()}


def search(*, domain: str | None = None, subdomain: str | None = None, q: str | None = None,
           kind: str | None = None) -> list[IpcGreenEntry]:
    """Filter the table for browsing: by domain, subdomain, kind, and a symbol prefix or title substring."""
    needle = (q or "").strip().upper().replace(" ", "")
    out = []
    for e in entries():
        if domain and e.domain != domain or subdomain and e.subdomain != subdomain or kind and e.kind != kind:
            continue
        if needle and not (e.key.startswith(needle) or needle.startswith(e.key) or (q or "").strip() in e.title_zh):
            continue
        out.append(e)
    return out
