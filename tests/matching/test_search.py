"""Candidates, reranking, calibrated scores and strength, explanations of HybridSearcher."""
from decimal import Decimal

import numpy as np
import pytest

from services.matching.fit import Wants, assess
from services.matching.index.lexical import LexicalIndex
from services.matching.indexer import MatchIndex
from services.matching.rerank import FEATURES, model_for
from services.matching.search import FusionConfig, HybridSearcher, Query, standardized
from services.matching.terms import shared_terms, specific_terms
from shared.matching_schemas import SearchFilters
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


def test_rrf_mode_rewards_agreement(searcher):
    """The previous default order (kept for the ablation): in both lists beats the top of one list only."""
    q = Query("烧结烟气脱硫脱硝", k=5)
    cands = searcher.candidates(q, searcher.query_vectors([q])[0])
    rows, _ = searcher.order(cands, "rrf")
    ranked = [cands.ids[r] for r in rows]
    both = [i for i in ranked if i in cands.dense_rank and i in cands.lexical_rank]
    assert ranked[: len(both)] == both


def test_fused_search_finds_the_right_technology_with_explanation(searcher):
    hits = searcher.search(Query("钢厂烧结机烟气要脱硫脱硝，达到超低排放", k=3))
    top = hits[0]
    assert top.id == "T1" and top.entity == "technology"
    assert {"烧结", "脱硝"} <= set(top.shared_terms) or "脱硫脱硝" in top.shared_terms
    assert top.components.dense > hits[-1].components.dense
    assert 0 < top.components.lexical <= 1 and 0 <= hits[-1].score <= top.score <= 1


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


def test_off_topic_query_is_not_strong(searcher):
    hits = searcher.search(Query("中药饮片炮制工艺与质量标准研究", k=3))
    assert all(h.strength != "strong" for h in hits)


def _lexical(texts: list[str]) -> LexicalIndex:
    lex = LexicalIndex()
    for i, text in enumerate(texts):
        lex.upsert(f"D{i}", text)
    lex.refresh()
    return lex


def _shared(lex: LexicalIndex, query: str, doc: str) -> list[str]:
    return shared_terms(lex, specific_terms(lex, query), doc)


def test_shared_terms_skip_generic_words():
    lex = _lexical(["污水处理厂污泥低温带式干化技术"])
    terms = _shared(lex, "我们需要一种污泥干化技术方案", "污水处理厂污泥低温带式干化技术")
    assert "污泥" in terms and "技术" not in terms and "需要" not in terms


def test_shared_terms_skip_words_common_in_the_index():
    """In a green-tech index 有机 occurs in many records: shown as shared it explains nothing. The threshold is a
    share of the index, so the same word counts where it is rare."""
    doc = "喷漆车间有机废气沸石转轮吸附"
    lex = _lexical([f"有机固废第{i}号工程" for i in range(30)] + [f"风电叶片回收第{i}号" for i in range(30)] + [doc])
    terms = _shared(lex, "喷漆车间有机废气", doc)
    assert "喷漆" in "".join(terms) and "有机" not in terms
    rare = _lexical([f"风电叶片回收第{i}号" for i in range(60)] + [doc])
    assert "有机" in "".join(_shared(rare, "有机", doc))


def test_shared_terms_leave_out_setting_words():
    lex = _lexical(["喷漆车间有机废气沸石转轮", "正极材料修复再生"])
    assert "车间" not in _shared(lex, "喷漆车间废气", "喷漆车间有机废气沸石转轮")
    assert "材料" not in _shared(lex, "正极材料回收", "正极材料修复再生")
    assert "正极" in _shared(lex, "正极材料回收", "正极材料修复再生")


def test_shared_terms_most_specific_first():
    lex = _lexical([f"烟气脱硝第{i}号" for i in range(5)] + [f"其他第{i}号" for i in range(25)] + ["烧结烟气脱硝"])
    assert _shared(lex, "脱硝 烧结", "烧结烟气脱硝")[0] == "烧结"


def test_shared_terms_leave_out_numbers_and_units():
    lex = _lexical(["vocs 浓度 50mg m3 scr 脱硝 pm2.5"])
    terms = _shared(lex, "VOCs浓度50mg/m3，SCR脱硝，PM2.5", "vocs 浓度 50mg m3 scr 脱硝 pm2.5")
    assert {"vocs", "scr", "pm2.5", "脱硝"} <= set(terms) and "浓度" not in terms  # a measurement word: generic
    assert not {"50mg", "0mg", "m3", "mg"} & set(terms)


def test_latin_terms_are_not_cut_into_parts():
    lex = _lexical(["超临界co2无水染色 印染 废水", "烧结烟气脱硫"])
    assert "co" not in _shared(lex, "印染废水COD超标", "超临界co2无水染色 印染 废水")
    assert "烧结" in _shared(lex, "烧结机烟气", "烧结烟气脱硫")


def test_scores_order_and_bands_agree(searcher):
    """The shown score is the probability, hits are sorted by it, and the strength is its band: a weaker badge
    never sits above a stronger one."""
    rank = {"strong": 2, "possible": 1, "weak": 0}
    for query in (Query("烟气脱硫脱硝", k=5, filters=SearchFilters(region="330000")), Query("钢厂烟气超低排放改造", k=5),
                  Query("屋顶光伏", k=5), Query("中药饮片炮制", k=5)):
        hits = searcher.search(query)
        scores = [h.score for h in hits]
        assert all(0 <= s <= 1 for s in scores)
        assert scores == sorted(scores, reverse=True)
        assert [rank[h.strength] for h in hits] == sorted((rank[h.strength] for h in hits), reverse=True)
        assert all(h.strength == searcher.model.band(h.score) for h in hits)


def test_calibrator_is_monotone_and_bands_are_ordered(searcher):
    model = searcher.model
    assert 0 < model.possible < model.strong < 1
    x = np.random.default_rng(0).normal(size=(200, len(FEATURES))) * model.scale + model.mean
    order = np.argsort(model.logit(x))
    assert (np.diff(model.probability(x)[order]) >= 0).all()
    # more semantic or more specific lexical evidence never lowers the estimate (the fitted signs)
    for name in ("dense_z", "title_z", "term_coverage"):
        up = x.copy()
        up[:, FEATURES.index(name)] += 1.0
        assert (model.probability(up) > model.probability(x)).all(), name


def test_shipped_model_is_fitted_for_the_default_encoder(encoder):
    assert model_for(encoder.name).meta.get("encoder") == encoder.name


def test_record_route_and_its_text_give_the_same_hits(encoder):
    """One code path: a demand matched by id (stored vector, structured context) and the same demand's text sent
    as free text return the same top 10 in the same order with the same scores."""
    index = MatchIndex(encoder)
    index.index_records("technology", RECORDS)
    index.index_records("demand", [{"id": "D1", "title": "钢厂烧结机烟气超低排放改造", "domain": "pollution_control",
                                    "region": "330500", "budget_max_cny": "2000000", "cooperation_modes": ["license"],
                                    "description": "现有烧结机头烟气二氧化硫和氮氧化物超标，需要脱硫脱硝一体化方案。" * 30}])
    searcher = HybridSearcher(index)
    text, fields, vector = searcher.record_query("demand", "D1")
    assert len(text) > 2 * 480  # long enough to be chunked
    by_record = searcher.search(Query(text, target="technology", k=10, context=(Entity.demand, fields), vector=vector))
    by_text = searcher.search(Query(text, target="technology", k=10))
    assert [(h.id, h.score, h.strength) for h in by_record] == [(h.id, h.score, h.strength) for h in by_text]
    assert any(h.fit.matched for h in by_record)  # the record route still explains the structured fit


def test_long_record_is_read_to_the_end(encoder):
    """A term that only occurs at the end of a 3,000-character record is matched and shown."""
    filler = "本技术适用于多种工业场景，运行稳定，维护简便，已在多家企业推广应用。" * 90
    long = {"id": "L1", "title": "工业节能综合服务", "description": filler + "另可提供钒液流电池储能系统集成。"}
    assert len(long["description"]) > 3000
    index = MatchIndex(encoder)
    index.index_records("technology", RECORDS + [long])
    hits = HybridSearcher(index).search(Query("钒液流电池储能", k=3))
    assert hits[0].id == "L1"
    assert any("液流" in t or "钒" in t for t in hits[0].shared_terms), hits[0].shared_terms
    assert hits[0].components.terms > 0


class CountingEncoder:
    def __init__(self, inner):
        self.inner, self.name, self.dim, self.calls = inner, inner.name, inner.dim, []
        self.backend = getattr(inner, "backend", "")  # part of a snapshot's encoder identity

    def encode(self, texts, *, batch_size=64):
        self.calls.append(list(texts))
        return self.inner.encode(texts, batch_size=batch_size)


def test_a_search_encodes_only_the_query(encoder):
    """Title vectors are encoded when records are indexed, so a search (cold or not) encodes the query alone."""
    counting = CountingEncoder(encoder)
    index = MatchIndex(counting)
    index.index_records("technology", RECORDS)
    titles = {r["title"] for r in RECORDS}
    assert titles <= {t for call in counting.calls for t in call}
    counting.calls.clear()
    hits = HybridSearcher(index).search(Query("污泥干化", k=5))
    assert counting.calls == [["污泥干化"]] and hits[0].id == "T4"
    stored = index["technology"].titles.vectors(["T4"])[0]
    assert np.allclose(stored, encoder.encode([RECORDS[3]["title"]])[0], atol=2e-3)  # float16 storage


def test_title_z_is_relative_to_the_candidates():
    assert standardized(np.array([0.5])).tolist() == [0.0]
    z = standardized(np.array([0.2, 0.4, 0.6]))
    assert abs(z.mean()) < 1e-9 and z[2] > z[1] > z[0]


def test_mostly_latin_query_takes_more_dense_candidates(encoder):
    """English needs get no lexical evidence against Chinese records: their BM25 candidates are noise, so the
    dense retriever contributes `latin_pool` candidates instead of `pool`."""
    records = [{"id": f"R{i}", "title": f"技术{i}号 余热回收与节能改造"} for i in range(12)]
    index = MatchIndex(encoder)
    index.index_records("technology", records)
    searcher = HybridSearcher(index, FusionConfig(pool=3, latin_pool=8))
    english = Query("waste heat recovery from compressors", k=3)
    chinese = Query("空压机余热回收", k=3)
    assert len(searcher.candidates(english, searcher.query_vectors([english])[0]).dense_rank) == 8
    assert len(searcher.candidates(chinese, searcher.query_vectors([chinese])[0]).dense_rank) == 3
