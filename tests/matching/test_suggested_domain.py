"""A record without a domain takes part in structured fit and domain filters through the registry's suggested
domain, and the explanation says it is a suggestion."""
from __future__ import annotations

import numpy as np

from services.matching.fit import Wants, assess, passes
from services.matching.index.filters import FilterIndex
from shared.matching_schemas import SearchFilters
from shared.schemas import Entity

SUGGESTED_WIND = {"domain": None, "domain_suggestion": {"domain": "clean_energy", "subdomain": "wind", "confidence": 0.8, "terms": ["风力发电"]}}
OWN_DOMAIN = {"domain": "pollution_control", "domain_suggestion": None}
NOTHING = {"domain": None, "domain_suggestion": None}


def test_domain_filter_uses_the_suggestion_only_without_own_domain():
    wanted = SearchFilters(domain="clean_energy")
    assert passes(SUGGESTED_WIND, Entity.demand, wanted)
    assert not passes(NOTHING, Entity.demand, wanted)
    assert not passes(OWN_DOMAIN, Entity.demand, wanted)
    # an own domain wins over a (stale) suggestion
    assert not passes({**OWN_DOMAIN, "domain_suggestion": SUGGESTED_WIND["domain_suggestion"]}, Entity.demand, wanted)


def test_filter_columns_use_the_suggestion():
    index = FilterIndex(Entity.demand)
    index.set([0, 1, 2], [SUGGESTED_WIND, OWN_DOMAIN, NOTHING])
    mask = index.allowed(SearchFilters(domain="clean_energy"), 3)
    assert mask is not None and np.flatnonzero(mask).tolist() == [0]
    assert np.flatnonzero(index.allowed(SearchFilters(domain="pollution_control"), 3)).tolist() == [1]


def test_fit_explanation_marks_the_suggested_domain():
    score, matched, conflicts = assess(SUGGESTED_WIND, Entity.demand, Wants(domain="clean_energy"))
    assert matched == ["domain (suggested): 同属清洁能源"] and not conflicts and score == 1.0
    score, matched, conflicts = assess(SUGGESTED_WIND, Entity.demand, Wants(domain="pollution_control"))
    assert conflicts and conflicts[0].startswith("domain (suggested): ") and score == 0.0
    _, matched, _ = assess(OWN_DOMAIN, Entity.demand, Wants(domain="pollution_control"))
    assert matched == ["domain: 同属污染治理"]
    assert assess(NOTHING, Entity.demand, Wants(domain="clean_energy")) == (None, [], [])


def test_asking_record_without_domain_wants_its_suggested_domain():
    wants = Wants().merge_record(Entity.demand, SUGGESTED_WIND)
    assert wants.domain == "clean_energy"
