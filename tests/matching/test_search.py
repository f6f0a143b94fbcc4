"""Fusion, structured fit, strength and explanations of HybridSearcher."""
from decimal import Decimal

import pytest

from services.matching.fit import Wants, assess
from services.matching.indexer import MatchIndex
from shared.matching_schemas import SearchFilters
from services.matching.search import FusionConfig, HybridSearcher, Query, StrengthThresholds, shared_terms
from shared.schemas import Entity

RECORDS = [
    {"id": "T1", "title": "钢铁烧结烟气循环流化床脱硫与SCR脱硝一体化技术", "domain": "pollution_control", "region": "330100",
     "trl": 8, "stage": "industrialization", "transfer_modes": ["license"], "price_min_cny": "1500000"},
    {"id": "T2", "title": "活性焦一体化多污染物协同净化技术，同时脱硫脱硝脱二噁英", "domain": "pollution_control",
     "region": "320500", "trl": 6, "transfer_modes": ["assignment"], "price_min_cny": "5000000"},
    {"id": "T3", "title": "工商业屋顶分布式光伏发电系统", "domain": "clean_energy", "region": "330200", "trl": 9},
    {"id": "T4", "title": "污水处理厂污泥低温带式干化技术", "domain": "pollution_control", "region": "440300", "trl": 7},
    {"id": "T5", "title": "空压机群控与管网泄漏检测节能改造", "domain": "energy_saving", "region": "330100", "trl": 8},
]


@pytest.fixture(scope="module")
def searcher(encoder) -> HybridSearcher:
    index = MatchIndex(encoder)
    index.index_records("technology", RECORDS)
    return HybridSearcher(index)


def test_rrf_rewards_agreement_and_is_normalised():
    s = HybridSearcher.__new__(HybridSearcher)
    s.fusion = FusionConfig(rrf_k=60)
    fused = s._rrf([("A", 0.9), ("B", 0.8), ("C", 0.7)], [("B", 9.0), ("C", 5.0), ("D", 1.0)])
    assert max(fused, key=fused.get) == "B"  # 2nd + 1st beats 1st + absent
    assert fused["B"] == pytest.approx((1 / 62 + 1 / 61) / (2 / 61))
    assert fused["A"] < fused["C"]  # in both lists beats top of one list only
    assert s._rrf([("A", 1.0)], [("A", 1.0)])["A"] == pytest.approx(1.0)


def test_fused_search_finds_the_right_technology_with_explanation(searcher):
    hits = searcher.search(Query("钢厂烧结机烟气要脱硫脱硝，达到超低排放", k=3))
    top = hits[0]
    assert top.id == "T1" and top.entity == "technology"
    assert {"烧结", "脱硝"} <= set(top.shared_terms) or "脱硫脱硝" in top.shared_terms
    assert top.components.dense > hits[-1].components.dense
    assert 0 < top.components.lexical <= 1 and top.score == pytest.approx(1.0, abs=0.05)


def test_every_mode_ranks_and_modes_differ_in_scores(searcher):
    for mode in ("dense", "lexical", "fused"):
        assert searcher.search(Query("屋顶装太阳能板发电", k=2), mode=mode)[0].id == "T3"


def test_filters_are_hard(searcher):
    f = SearchFilters(region="330000", trl_min=8)
    ids = [h.id for h in searcher.search(Query("烟气脱硫脱硝", k=5, filters=f))]
    assert set(ids) <= {"T1", "T3", "T5"} and ids[0] == "T1"
    f = SearchFilters(budget_max_cny=Decimal("2000000"), transfer_modes=["assignment"])
    assert searcher.search(Query("脱硫脱硝", k=5, filters=f)) == []


def test_structured_fit_explains_matches_and_conflicts(searcher):
    demand = {"domain": "pollution_control", "region": "330500", "budget_max_cny": "2000000", "cooperation_modes": ["license"]}
    hits = searcher.search(Query("烧结烟气脱硫脱硝", k=2, context=(Entity.demand, demand)))
    by_id = {h.id: h for h in hits}
    t1, t2 = by_id["T1"], by_id["T2"]
    assert any(m.startswith("region:") for m in t1.fit.matched)
    assert any(m.startswith("price:") for m in t1.fit.matched) and t1.components.structured == 1.0
    assert any(c.startswith("price:") for c in t2.fit.conflicts)
    assert any(c.startswith("transfer_modes:") for c in t2.fit.conflicts)
    assert t2.components.structured < 0.5


def test_assess_without_anything_to_compare_is_none():
    assert assess({"title": "x"}, Entity.technology, Wants()) == (None, [], [])


def test_strength_needs_both_semantic_and_lexical_evidence():
    s = StrengthThresholds()
    assert s.classify(3.0, 0.3) == "strong"
    assert s.classify(3.0, 0.01) == "weak"  # semantically close but no shared substance: not confident
    assert s.classify(2.2, 0.06) == "possible"
    assert s.classify(0.5, 0.9) == "weak"
    # small indexes lean on the prior instead of a noisy 2-sample std
    assert s.dense_z(0.85, (0.84, 0.0001, 2)) == pytest.approx((0.85 - (2 * 0.84 + 10 * 0.67) / 12) / ((2 * 0.0001 + 10 * 0.04) / 12))


def test_off_topic_query_is_not_strong(searcher):
    hits = searcher.search(Query("中药饮片炮制工艺与质量标准研究", k=3))
    assert all(h.strength != "strong" for h in hits)


def test_shared_terms_skip_generic_words():
    terms = shared_terms("我们需要一种污泥干化技术方案", "污水处理厂污泥低温带式干化技术")
    assert "污泥" in terms and "技术" not in terms and "需要" not in terms


def test_displayed_scores_keep_the_ranking_order_within_0_and_1(searcher):
    """The structured nudge must not push several hits to the 1.0 clamp, which would hide their order."""
    for query in (Query("烟气脱硫脱硝", k=5, filters=SearchFilters(region="330000")), Query("钢厂烟气超低排放改造", k=5)):
        scores = [h.score for h in searcher.search(query)]
        assert all(0 <= s <= 1 for s in scores)
        assert scores == sorted(scores, reverse=True)
        assert scores.count(1.0) <= 1


def test_shared_terms_leave_out_numbers_and_units():
    terms = shared_terms("VOCs浓度50mg/m3，SCR脱硝，PM2.5", "vocs 浓度 50mg m3 scr 脱硝 pm2.5")
    assert {"vocs", "scr", "pm2.5", "脱硝", "浓度"} <= set(terms)
    assert not {"50mg", "0mg", "m3", "mg"} & set(terms)


def test_latin_terms_are_not_cut_into_parts():
    assert "co" not in shared_terms("印染废水COD超标", "超临界co2无水染色 印染 废水")
    assert "烧结" in shared_terms("烧结机烟气", "烧结烟气脱硫")
