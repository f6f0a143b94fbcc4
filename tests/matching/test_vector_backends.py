"""One index test suite for both dense vector backends (services/matching/index/backend.py): FAISS (embedded
default; run twice: as configured by default, and as its IVF kind from the first vector) and Milvus (milvus-lite from PyPI, one lite file per module, one collection per test).

Upserts and replacements, deletes, filters (against fit.passes, the reference), snapshot round trip and rebuild,
read-your-writes, and idempotency by (id, version) through the service's own apply path; for Milvus also two
replicas sharing one collection, where a replica that is behind must not overwrite newer writes.
"""
from __future__ import annotations

import hashlib
import itertools
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from services.matching import snapshot
from services.matching.documents import build_document
from services.matching.fit import passes
from services.matching.index.params import IndexOptions
from services.matching.indexer import EntityIndex, MatchIndex
from services.matching.search import HybridSearcher, Query
from shared.matching_schemas import SearchFilters
from shared.schemas import Entity, Stage, TransferMode
from tests.matching.events import event

DIM = 16
BACKENDS = ["faiss", "faiss-ivf", "milvus"]  # faiss-ivf: the IVF kind from the first vector
_names = itertools.count()


@pytest.fixture(scope="module")
def lite_uri(tmp_path_factory) -> str:
    pytest.importorskip("pymilvus")
    pytest.importorskip("milvus_lite")
    return str(tmp_path_factory.mktemp("milvus") / "lite.db")


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def options(backend, request) -> dict:
    """Keyword arguments of MatchIndex / EntityIndex for the backend (a fresh collection prefix per test)."""
    if backend == "faiss":
        return {"vector_backend": "faiss"}
    if backend == "faiss-ivf":
        return {"vector_backend": "faiss", "options": IndexOptions(ivf_from=1, ivf_nprobe=1)}
    uri = request.getfixturevalue("lite_uri")
    return {"vector_backend": "milvus",
            "milvus": {"milvus_uri": uri, "milvus_collection": f"t{next(_names)}", "milvus_token": None}}


class HashEncoder:
    """Deterministic bag-of-character-bigrams vectors: fast, and similar texts get similar vectors."""

    name, backend, dim = "hash-bigrams", "test", DIM

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for a, b in zip(text, text[1:] + " "):
                out[row, hashlib.md5((a + b).encode()).digest()[0] % DIM] += 1.0
        out += 1e-3
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _entity_index(options: dict, entity: Entity = Entity.technology) -> EntityIndex:
    return EntityIndex(entity, DIM, **options)


def _upsert(ix: EntityIndex, records: list[dict], vectors: np.ndarray) -> None:
    ix.upsert([build_document(ix.entity, r) for r in records], vectors, records, vectors)  # titles: any vectors
    if ix.dense.needs_compaction:  # as MatchIndex.compact() does after each batch (FAISS: flat -> IVF here)
        ix.dense.rebuild()


# ------------------------------------------------------------------ writes and reads
def test_upsert_search_replace_and_read_your_writes(options):
    rng = np.random.default_rng(0)
    vecs = _unit(rng, 40)
    ix = _entity_index(options)
    _upsert(ix, [{"id": f"T{i}", "title": f"技术{i}"} for i in range(40)], vecs)
    assert len(ix.dense) == 40 and "T7" in ix.dense
    assert ix.dense.kind == "ivf" or not options.get("ivf_from")
    hit = ix.dense_search(vecs[7], 3, None, None)[0]
    assert hit[0] == "T7" and hit[1] == pytest.approx(1.0, abs=1e-4)
    # replace T7's vector: the very next search sees the new one (read your writes)
    new = _unit(rng, 1)
    _upsert(ix, [{"id": "T7", "title": "技术7", "version": 2}], new)
    assert len(ix.dense) == 40
    assert ix.dense_search(new[0], 1, None, None)[0] == ("T7", pytest.approx(1.0, abs=1e-4))
    assert ix.dense.similarity(new[0], ["T7", "nope"]) == {"T7": pytest.approx(1.0, abs=1e-4)}
    assert np.allclose(ix.dense.vector("T7"), new[0], atol=1e-6) and ix.dense.vector("nope") is None
    mean, std, n = ix.dense.background(new[0])
    assert n == 40 and -1 <= mean <= 1 and std > 0


def test_remove_and_exclude(options):
    rng = np.random.default_rng(1)
    vecs = _unit(rng, 30)
    ix = _entity_index(options)
    _upsert(ix, [{"id": f"T{i}", "title": "x"} for i in range(30)], vecs)
    ix.remove(["T3", "T4"], [2, 2])
    ix.remove(["never-seen"], [1])  # a delete of an unknown record is harmless
    assert len(ix.dense) == 28 and "T3" not in ix.dense
    got = [i for i, _ in ix.dense_search(vecs[3], 30, None, None)]
    assert "T3" not in got and "T4" not in got and len(got) == 28
    mask = ix.allowed(None, exclude=["T5"])
    got = [i for i, _ in ix.dense_search(vecs[5], 5, mask, None, exclude=["T5"])]
    assert "T5" not in got and len(got) == 5
    # a removed id can come back (a re-published record), with a label the filters and lexical index share
    _upsert(ix, [{"id": "T3", "title": "x", "version": 3}], vecs[3:4])
    assert ix.dense_search(vecs[3], 1, None, None)[0][0] == "T3" and ix.dense.label("T3") is not None


def _random_record(rng: np.random.Generator, i: int) -> dict:
    pick = lambda values: values[rng.integers(len(values))]
    amount = lambda: None if rng.random() < 0.3 else str(Decimal(int(rng.integers(0, 5_000_000))) / 100 * 100)
    modes = [m.value for m in TransferMode]
    return {
        "id": f"R{i}", "title": pick(["烟气脱硝", "污水处理", "余热回收", "光伏发电"]),
        "domain": pick([None, "pollution_control", "energy_saving", "clean_energy"]),
        "region": pick([None, "330000", "330100", "330106", "320500", "320506", "bad"]),
        "stage": pick([None] + [s.value for s in Stage]),
        "trl": None if rng.random() < 0.3 else int(rng.integers(1, 10)),
        "transfer_modes": list(rng.choice(modes, size=int(rng.integers(0, 3)), replace=False)),
        "cooperation_modes": list(rng.choice(modes, size=int(rng.integers(0, 3)), replace=False)),
        "price_min_cny": amount(), "budget_max_cny": amount(),
        "evaluation": None if rng.random() < 0.5 else {
            "evaluation_id": "eva", "overall_score": float(rng.integers(0, 101)), "verdict": "recommended",
            "evaluator_org_id": "org", "valid_until": pick(["2000-01-01", "2999-12-31"]), "count": 1},
    }


FILTERS = [
    SearchFilters(domain="pollution_control"), SearchFilters(domain="eco_agriculture"),
    SearchFilters(region="330000"), SearchFilters(region="330100"), SearchFilters(region="320506"),
    SearchFilters(trl_min=6), SearchFilters(stage=Stage.pilot),
    SearchFilters(transfer_modes=[TransferMode.license, TransferMode.assignment]),
    SearchFilters(budget_max_cny=Decimal("20000.00")), SearchFilters(price_max_cny=Decimal("20000.00")),
    SearchFilters(evaluated=True), SearchFilters(evaluated=False), SearchFilters(min_evaluation_score=50),
    SearchFilters(domain="energy_saving", region="330000", transfer_modes=[TransferMode.license], trl_min=3),
]


@pytest.mark.parametrize("entity", [Entity.technology, Entity.demand])
def test_filters_decide_as_fit_passes(options, entity):
    """Every filter returns exactly the live records fit.passes accepts (Milvus: as its scalar expression)."""
    rng = np.random.default_rng(2)
    records = [_random_record(rng, i) for i in range(80)]
    vecs = _unit(rng, 80)
    ix = _entity_index(options, entity)
    _upsert(ix, records, vecs)
    ix.remove(["R0", "R1"], [2, 2])
    live = {r["id"]: r for r in records[2:]}
    q = _unit(rng, 1)[0]
    for f in FILTERS:
        got = {i for i, _ in ix.dense_search(q, 100, ix.allowed(f), f)}
        expected = {i for i, r in live.items() if passes(r, entity, f)}
        assert got == expected, f
    exclude = ["R5", "R6"]
    f = SearchFilters(trl_min=1)
    got = {i for i, _ in ix.dense_search(q, 100, ix.allowed(f, exclude), f, exclude)}
    assert got == {i for i, r in live.items() if passes(r, entity, f)} - set(exclude)


# ------------------------------------------------------------------ versions, snapshots, rebuild
def _apply_sample(index: MatchIndex) -> None:
    index.apply([
        event(1, "T1", 1, title="污水处理厂污泥低温干化技术", domain="pollution_control"),
        event(2, "T2", 1, title="屋顶分布式光伏发电", domain="clean_energy"),
        event(3, "T2", 2, status="withdrawn", title="屋顶分布式光伏发电"),
        event(4, "T3", 1, title="钢铁烧结烟气脱硫脱硝一体化技术", domain="pollution_control"),
        event(5, "D1", 1, entity="demand", title="污泥含水率高，外运处置费用贵"),
    ], last_seq=5)


def _ids(index: MatchIndex, text: str, **kw) -> list[str]:
    return [h.id for h in HybridSearcher(index).search(Query(text, target="technology", k=5, **kw))]


def test_apply_is_idempotent_by_id_and_version(options):
    index = MatchIndex(HashEncoder(), **options)
    _apply_sample(index)
    assert sorted(index["technology"].dense.ids()) == ["T1", "T3"]
    before = _ids(index, "污泥干化")
    # a replayed page and a stale update change nothing
    assert index.apply([event(1, "T1", 1, title="污水处理厂污泥低温干化技术")], last_seq=5).applied == 0
    assert index.apply([event(6, "T3", 1, title="完全不同的旧版本标题")], last_seq=6).applied == 0
    assert _ids(index, "污泥干化") == before
    # a newer version replaces, a delete removes, and a replay of the delete is skipped
    index.apply([event(7, "T1", 2, title="工业空压机群控节能改造")], last_seq=7)
    assert _ids(index, "空压机群控节能")[0] == "T1"
    index.apply([event(8, "T1", 3, op="delete")], last_seq=8)
    assert "T1" not in _ids(index, "空压机群控节能")
    assert index.apply([event(8, "T1", 3, op="delete")], last_seq=8).applied == 0
    assert _ids(index, "烟气脱硫", filters=SearchFilters(domain="pollution_control")) == ["T3"]


def test_snapshot_round_trip_and_rebuild_give_the_same_answers(options, tmp_path):
    index = MatchIndex(HashEncoder(), **options)
    _apply_sample(index)
    snapshot.save(index, tmp_path)
    loaded = MatchIndex(HashEncoder(), **options)
    assert snapshot.load(loaded, tmp_path) and loaded.cursor == 5
    assert loaded["technology"].docs.keys() == {"T1", "T3"}
    for text in ("污泥干化", "烟气脱硫脱硝", "光伏"):
        assert _ids(loaded, text) == _ids(index, text)
    # writes after loading continue with fresh labels, filters and lexical postings aligned to them
    loaded.apply([event(6, "T4", 1, title="空压机群控节能改造", domain="energy_saving")], last_seq=6)
    assert _ids(loaded, "空压机节能", filters=SearchFilters(domain="energy_saving")) == ["T4"]
    # rebuilt from the feed: the same answers as the original
    rebuilt = MatchIndex(HashEncoder(), **options)
    _apply_sample(rebuilt)
    for text in ("污泥干化", "烟气脱硫脱硝"):
        assert _ids(rebuilt, text) == _ids(index, text)


def test_snapshot_of_the_other_backend_is_not_used(options, tmp_path, lite_uri):
    index = MatchIndex(HashEncoder(), **options)
    _apply_sample(index)
    snapshot.save(index, tmp_path)
    other = ({"vector_backend": "faiss"} if options["vector_backend"] == "milvus" else
             {"vector_backend": "milvus",
              "milvus": {"milvus_uri": lite_uri, "milvus_collection": f"t{next(_names)}", "milvus_token": None}})
    fresh = MatchIndex(HashEncoder(), **other)
    assert snapshot.load(fresh, tmp_path) is False and fresh.cursor == 0


# ------------------------------------------------------------------ Milvus only
def _milvus(lite_uri: str) -> dict:
    return {"vector_backend": "milvus",
            "milvus": {"milvus_uri": lite_uri, "milvus_collection": f"t{next(_names)}", "milvus_token": None}}


def test_milvus_replicas_sharing_a_collection_never_go_back_in_version(lite_uri):
    """Two replicas write one collection; the one that is behind replays old events: Milvus keeps the newest."""
    opts = _milvus(lite_uri)
    ahead, behind = MatchIndex(HashEncoder(), **opts), MatchIndex(HashEncoder(), **opts)
    ahead.apply([event(1, "T1", 1, title="屋顶光伏"), event(2, "T1", 2, title="污泥低温干化"),
                 event(3, "T2", 1, title="烟气脱硝"), event(4, "T2", 2, op="delete")], last_seq=4)
    behind.apply([event(1, "T1", 1, title="屋顶光伏"), event(3, "T2", 1, title="烟气脱硝")], last_seq=3)
    vec = HashEncoder().encode(["污泥低温干化"])[0]
    # the stored vector is still version 2's, and T2's delete was not undone by the stale upsert
    assert ahead["technology"].dense.similarity(vec, ["T1"])["T1"] == pytest.approx(1.0, abs=1e-4)
    assert [i for i, _ in ahead["technology"].dense_search(HashEncoder().encode(["烟气脱硝"])[0], 5, None, None)] == ["T1"]
    rows = ahead["technology"].dense.client.query(ahead["technology"].dense.collection, filter='id in ["T1", "T2"]',
                                                   output_fields=["id", "version", "alive"])
    assert {r["id"]: (r["version"], r["alive"]) for r in rows} == {"T1": (2, True), "T2": (2, False)}


def test_milvus_snapshot_whose_rows_are_gone_is_rebuilt_from_the_feed(lite_uri, tmp_path):
    opts = _milvus(lite_uri)
    index = MatchIndex(HashEncoder(), **opts)
    _apply_sample(index)
    snapshot.save(index, tmp_path)
    index["technology"].dense.drop()  # the collection was lost (e.g. a new, empty Milvus)
    fresh = MatchIndex(HashEncoder(), **opts)
    assert snapshot.load(fresh, tmp_path) is False and fresh.cursor == 0 and len(fresh["technology"]) == 0
    _apply_sample(fresh)
    assert _ids(fresh, "污泥干化")[0] == "T1"


def test_milvus_settings_build_the_service_index(tmp_path, monkeypatch):
    from services.matching.settings import MatchingSettings

    monkeypatch.setenv("MATCHING_VECTOR_BACKEND", "milvus")
    monkeypatch.setenv("MATCHING_DATA_DIR", str(tmp_path))
    settings = MatchingSettings()
    assert settings.milvus_options()["milvus_uri"] == str(Path(tmp_path) / "matching-milvus.db")
    pytest.importorskip("milvus_lite")
    index = MatchIndex(HashEncoder(), vector_backend=settings.vector_backend, milvus=settings.milvus_options())
    assert index["technology"].dense.kind == "milvus:flat" and index.counts()["technology"]["dense"] == "milvus:flat"


@pytest.mark.parametrize("index_type", ["FLAT", "HNSW"])
def test_milvus_sealed_segments_keep_versions_deletes_and_filters(lite_uri, index_type):
    """After flush() the rows live in indexed segments (on lite: faiss HNSW per segment), not the memtable: the
    version guard (a primary-key get), tombstones and scalar filters must still hold there."""
    from services.matching.index.milvus import MilvusIndex

    index = MilvusIndex(DIM, uri=lite_uri, collection=f"t{next(_names)}", index_type=index_type)
    rng = np.random.default_rng(7)
    vecs = rng.standard_normal((300, DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = [f"T{i}" for i in range(300)]
    records = [{"id": i, "version": 2, "domain": "clean_energy" if n % 3 else "energy_saving"} for n, i in enumerate(ids)]
    index.upsert(ids, vecs, records)
    index.flush()
    assert index.kind == f"milvus:{index_type.lower()}"
    assert [i for i, _ in index.search(vecs[5], 1)[0]] == ["T5"]
    # a stale write (version 1) of a sealed row is skipped, a newer one replaces it
    index.upsert(["T5"], vecs[6:7], [{"id": "T5", "version": 1, "domain": "clean_energy"}])
    assert index.similarity(vecs[5], ["T5"])["T5"] == pytest.approx(1.0, abs=1e-5)
    index.upsert(["T5"], vecs[6:7], [{"id": "T5", "version": 3, "domain": "clean_energy"}])
    index.remove(["T6"], versions=[3])
    index.upsert(["T6"], vecs[6:7], [{"id": "T6", "version": 2, "domain": "clean_energy"}])  # late, stale: stays deleted
    index.flush()
    assert index.similarity(vecs[6], ["T5"])["T5"] == pytest.approx(1.0, abs=1e-5)
    assert index.vector("T6") is None
    hits = index.search(vecs[6], 3, filters=SearchFilters(domain="energy_saving"))[0]
    assert hits and all(int(i[1:]) % 3 == 0 for i, _ in hits) and "T6" not in [i for i, _ in hits]
    index.drop()


def test_milvus_snapshot_seals_written_rows(lite_uri, tmp_path, monkeypatch):
    """A snapshot is the checkpoint where rows are flushed: always on milvus-lite (its queries slow down with
    every unsealed row), on a cluster only once FLUSH_ROWS have accumulated (it seals segments itself)."""
    from services.matching.index import milvus

    index = MatchIndex(HashEncoder(), **_milvus(lite_uri))
    dense = index["technology"].dense
    flushes: list[str] = []
    real_flush = dense.client.flush
    # the client is shared by the entities' collections: count this one's flushes
    monkeypatch.setattr(dense.client, "flush", lambda name: (name == dense.collection and flushes.append(name), real_flush(name))[1])
    _apply_sample(index)
    written = dense._unflushed
    assert written > 0
    snapshot.save(index, tmp_path)
    assert flushes == [dense.collection] and dense._unflushed == 0
    assert _ids(index, "污泥干化")[0] == "T1"  # still found once sealed

    monkeypatch.setattr(milvus, "is_lite", lambda uri: False)  # as if pointed at a cluster
    monkeypatch.setattr(milvus, "FLUSH_ROWS", written + 1)
    index.apply([event(6, "T1", 2, title="污水处理厂污泥低温干化技术（二代）", domain="pollution_control"),
                 event(7, "T3", 2, title="钢铁烧结烟气脱硫脱硝一体化技术", domain="pollution_control")], last_seq=7)
    snapshot.save(index, tmp_path)
    assert flushes == [dense.collection] and dense._unflushed > 0
    monkeypatch.setattr(milvus, "FLUSH_ROWS", 1)
    snapshot.save(index, tmp_path)
    assert flushes == [dense.collection] * 2 and dense._unflushed == 0
