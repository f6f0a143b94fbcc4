from services.matching.documents import DENSE_MAX_CHARS, build_document, display_title
from shared.schemas import Entity


def test_fields_in_weight_order_title_first_and_normalised():
    doc = build_document("technology", {
        "id": "T1", "description": "说明文字", "title": "ＶＯＣｓ  沸石转轮\u3000吸附", "keywords": ["RTO", "喷涂"],
        "summary": "低浓度大风量", "domain": "pollution_control", "subdomain": "air_pollution",
    })
    assert doc.entity == Entity.technology
    assert doc.text.startswith("vocs 沸石转轮 吸附。低浓度大风量。rto、喷涂")
    assert doc.text.endswith("污染治理 大气污染防治")  # domain names help vague queries
    assert "说明文字" in doc.text


def test_lexical_fields_carry_weights():
    doc = build_document("demand", {"id": "D1", "title": "污泥干化", "description": "污水厂污泥含水率高"})
    assert doc.weighted_fields == (("污泥干化", 3), ("污水厂污泥含水率高", 1))


def test_missing_fields_are_skipped_and_text_is_bounded():
    doc = build_document("technology", {"id": "S1", "description": "长" * 5000, "summary": None, "keywords": []})
    assert doc.weighted_fields == (("长" * 5000, 1),)
    assert len(doc.text) == DENSE_MAX_CHARS
    assert display_title({"description": "只有描述"}) == "只有描述"
