"""English text glossed into Chinese words (CC-CEDICT) so English needs and English records meet Chinese ones on the
lexical side too; the dense side and what is shown as the text keep the original."""
import pytest

import re

from services.matching.crosslingual import field_terms, glosses, lexical_text, matchable
from services.matching.documents import build_document
from services.matching.index.lexical import LexicalIndex
from services.matching.indexer import MatchIndex
from services.matching.rerank import latin_share
from services.matching.search import FusionConfig, HybridSearcher, Query

CHINESE = [
    {"id": "C1", "title": "电镀漂洗废水镍回收与六价铬还原处理技术", "summary": "电镀废水分质处理，回收镍，六价铬达标"},
    {"id": "C2", "title": "循环冷却水塔排污水回用与高浓缩倍数运行技术", "summary": "冷却塔排污水膜处理后回用"},
    {"id": "C3", "title": "工商业屋顶分布式光伏发电系统", "summary": "屋顶光伏自发自用"},
    {"id": "C4", "title": "污水处理厂污泥低温带式干化技术", "summary": "污泥干化减量"},
]


def test_phrases_become_common_chinese_words():
    words = glosses("We discharge electroplating rinse water with nickel; the cooling tower blowdown must be reused.")
    assert {"电镀", "镍", "冷却塔"} <= set(words)
    # the most common headword of a gloss first ("heat" is 热, not a rare literary character)
    assert glosses("heat")[0] == "热"
    # plurals fall back to the singular gloss; stop words and place descriptions give nothing
    assert "电池" in glosses("batteries")
    assert glosses("we would like the") == []
    assert glosses("Zhejiang") in ([], ["浙江"])


def test_the_fields_own_terms_replace_dictionary_senses_and_fill_its_gaps():
    # CC-CEDICT's "battery" includes 炮台 (an artillery battery); the field's term list says 电池, 储能
    assert "炮台" not in glosses("battery") and "电池" in glosses("battery")
    assert "储能" in glosses("a battery storage system")
    # terms CC-CEDICT lacks: wastewater, VOCs, photovoltaic as "PV"
    assert {"废水", "挥发性有机物", "光伏"} <= set(glosses("wastewater with VOC emissions next to a solar PV roof"))
    # longest phrase first: "waste heat recovery" is 余热回收, not waste + heat + recovery
    assert glosses("waste heat recovery")[0] == "余热回收"


def test_every_field_term_line_is_well_formed():
    terms = field_terms()
    assert len(terms) > 250
    for english, chinese in terms.items():
        assert 1 <= len(english.split()) <= 4, english
        assert chinese and all(re.fullmatch(r"[\u3400-\u9fffa-z0-9]+", t) for t in chinese), (english, chinese)


def test_only_mostly_latin_queries_are_glossed_and_only_with_words_the_index_has():
    lexical = LexicalIndex()
    for r in CHINESE:
        lexical.upsert(r["id"], r["title"] + r["summary"])
    assert matchable("电镀", lexical) and not matchable("宿舍", lexical)
    text = "electroplating rinse water with nickel, and a dormitory"
    glossed = lexical_text(text, lexical, latin_share(text))
    assert glossed.startswith(text) and "电镀" in glossed and "宿舍" not in glossed
    chinese = "电镀废水要回收镍"
    assert lexical_text(chinese, lexical, latin_share(chinese)) == chinese


def test_english_records_carry_glosses_on_the_lexical_side_only():
    doc = build_document("technology", {"id": "E1", "title": "Nickel recovery from electroplating rinse water"})
    assert "电镀" in doc.glosses and "镍" in doc.glosses
    assert "电镀" not in doc.text  # the encoder embeds the original
    assert any("电镀" in text for text, _ in doc.weighted_fields)
    chinese = build_document("technology", CHINESE[0])
    assert chinese.glosses == "" and chinese.match_text == chinese.text


@pytest.fixture(scope="module")
def index(encoder) -> MatchIndex:
    index = MatchIndex(encoder)
    index.index_records("technology", CHINESE + [
        {"id": "E1", "title": "Nickel recovery and hexavalent chromium reduction for electroplating rinse water"}])
    return index


def test_an_english_need_meets_chinese_records_lexically(index):
    q = "Our plant discharges electroplating rinse water containing nickel and hexavalent chromium."
    with_glosses, without = HybridSearcher(index), HybridSearcher(index, FusionConfig(gloss_latin=False))
    found = with_glosses.candidates(Query(q), with_glosses.query_vectors([Query(q)])[0])
    assert "C1" in found.lexical_rank
    plain = without.candidates(Query(q), without.query_vectors([Query(q)])[0])
    assert found.lexical_rank.get("C1", 99) < plain.lexical_rank.get("C1", 99)
    top = with_glosses.search(Query(q, k=3))
    assert "C1" in [h.id for h in top]
    c1 = next(h for h in top if h.id == "C1")
    assert {"电镀", "镍"} & set(c1.shared_terms)  # the glosses explain the match


def test_a_chinese_need_meets_an_english_record_lexically(index):
    searcher = HybridSearcher(index)
    q = Query("电镀废水回收镍，六价铬还原")
    cands = searcher.candidates(q, searcher.query_vectors([q])[0])
    assert "E1" in cands.lexical_rank
