from services.matching.chunking import CHUNK_CHARS, split_chunks
from services.matching.documents import build_document, display_title
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


def test_missing_fields_are_skipped_and_text_is_never_cut():
    doc = build_document("technology", {"id": "S1", "description": "长" * 5000, "summary": None, "keywords": []})
    assert doc.weighted_fields == (("长" * 5000, 1),)
    assert doc.text == "长" * 5000
    assert display_title({"description": "只有描述"}) == "只有描述"


def test_chunks_cover_the_whole_text_at_sentence_ends():
    text = "".join(f"第{i}句话讲一件具体的事情，并且说得比较长一些。" for i in range(200))
    chunks = split_chunks(text)
    assert "".join(chunks) == text and all(len(c) <= CHUNK_CHARS for c in chunks) and len(chunks) > 1
    assert all(c.endswith("。") for c in chunks)
    assert split_chunks("短文本") == ["短文本"]
    hard = split_chunks("长" * 1000)
    assert "".join(hard) == "长" * 1000 and all(len(c) <= CHUNK_CHARS for c in hard)


def test_long_texts_are_embedded_whole(encoder):
    """The vector of a long text is the mean of its chunks: changing only its end changes the vector."""
    from services.matching.chunking import ChunkedEncoder
    import numpy as np

    chunked = ChunkedEncoder(encoder)
    head = "工业余热回收利用，运行稳定。" * 60
    a, b = chunked.encode([head + "尾部讲的是污泥干化。", head + "尾部讲的是光伏发电。"])
    assert float(a @ b) < 0.9999
    np.testing.assert_allclose(np.linalg.norm(a), 1.0, atol=1e-5)
    short = chunked.encode(["污泥干化"])[0]
    np.testing.assert_allclose(short, encoder.encode(["污泥干化"])[0], atol=1e-6)
