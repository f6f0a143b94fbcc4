"""The green IPC reference table: every subdomain covered or explained, symbols sane, suggestion reads it."""
from __future__ import annotations

import re

from shared import ipc_green, taxonomy
from shared.domain_suggestion import suggest

SYMBOL = re.compile(r"^(?:[A-H][0-9]{2}[A-Z](?: [0-9]{1,4}(?:/[0-9]{1,6})?)?|Y0[24][A-Z](?: [0-9]{1,3}(?:/[0-9]{1,6})?)?)$")


def test_every_subdomain_has_an_ipc_group_or_a_stated_reason() -> None:
    covered = {(e.domain, e.subdomain) for e in ipc_green.entries()}
    reasons = ipc_green.uncovered()
    for code, domain in taxonomy.DOMAINS.items():
        for sub in domain.subdomains:
            assert (code, sub) in covered or reasons.get(sub), f"{code}/{sub}: no IPC group and no reason"
    assert not set(reasons) & {s for _, s in covered}, "a subdomain both covered and explained away"


def test_entries_name_real_taxonomy_codes_and_wellformed_symbols() -> None:
    keys = [e.key for e in ipc_green.entries()]
    assert len(keys) == len(set(keys)), "duplicate symbol"
    for e in ipc_green.entries():
        assert taxonomy.is_subdomain(e.domain, e.subdomain), e
        assert SYMBOL.match(e.symbol), e.symbol
        assert (e.kind == "tag") == e.symbol.startswith("Y"), e
    assert ipc_green.version()


def test_lookup_longest_symbol_and_group_boundary() -> None:
    assert ipc_green.lookup("B01D 53/86").subdomain == "air_pollution"
    assert ipc_green.lookup("B01D53/62").subdomain == "ccus"
    assert ipc_green.lookup("C02F 103/08").subdomain == "water_saving"
    assert ipc_green.lookup("A61K 9/20") is None
    assert ipc_green.lookup("H01M 80/10").subdomain == "energy_storage"  # H01M subclass, not the H01M 8 group


def test_domain_suggested_from_ipc_codes_alone() -> None:
    s = suggest(title="一种装置", ipc_codes=["F03D 7/02", "F03D 1/06"])
    assert (s.domain, s.subdomain) == ("clean_energy", "wind")
    s = suggest(title="一种装置", ipc_codes=["E21F 7/00"])  # an entry the old hand table did not have
    assert (s.domain, s.subdomain) == ("carbon_reduction", "non_co2_ghg")
