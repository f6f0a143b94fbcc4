from services.matching.index.lexical import LexicalIndex, char_ngrams


def test_char_ngrams_cjk_unigrams_bigrams_and_latin_words():
    tokens = char_ngrams("ＳＣＲ脱硝，PM2.5")
    assert {"脱", "硝", "脱硝", "scr", "pm2.5"} <= set(tokens)
    assert "硝，" not in tokens and "，" not in tokens


def _index() -> LexicalIndex:
    lex = LexicalIndex()
    lex.upsert("T1", "钢铁烧结烟气脱硫脱硝一体化技术")
    lex.upsert("T2", "燃煤锅炉湿式静电除尘器")
    lex.upsert("T3", "屋顶分布式光伏发电系统")
    return lex


def test_search_ranks_the_matching_document_first():
    assert _index().search("烧结机烟气脱硝改造", k=3)[0][0] == "T1"


def test_update_and_delete_take_effect_on_next_query():
    lex = _index()
    lex.upsert("T3", "烧结烟气脱硝催化剂再生")  # replaces the photovoltaic text
    assert "T3" in dict(lex.search("脱硝", k=3))
    assert "T3" not in dict(lex.search("光伏发电", k=3))
    lex.remove("T1")
    assert "T1" not in dict(lex.search("烧结烟气脱硫", k=3))
    assert len(lex) == 2 and "T1" not in lex


def test_allowed_ids_restrict_results():
    hits = _index().search("烟气除尘", k=3, allowed_ids={"T2"})
    assert [h[0] for h in hits] == ["T2"]


def test_coverage_is_an_absolute_share_of_query_terms():
    lex = _index()
    assert lex.coverage("烧结烟气脱硝", "T1") == 1.0
    assert lex.coverage("烧结烟气脱硝", "T3") == 0.0
    assert 0.0 < lex.coverage("烧结烟气噪声治理", "T1") < 1.0


def test_empty_index_and_empty_query():
    lex = LexicalIndex()
    assert lex.search("脱硝", k=5) == []
    assert _index().search("，。", k=5) == []
