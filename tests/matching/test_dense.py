import numpy as np
import pytest

from services.matching.index.dense import DenseIndex


def _unit(rng: np.random.Generator, n: int, dim: int = 16) -> np.ndarray:
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _exact_top(vectors: dict[str, np.ndarray], q: np.ndarray, k: int) -> list[str]:
    ids = list(vectors)
    sims = np.stack([vectors[i] for i in ids]) @ q
    return [ids[j] for j in np.argsort(-sims)[:k]]


def test_flat_upsert_search_remove():
    rng = np.random.default_rng(0)
    vecs = _unit(rng, 50)
    index = DenseIndex(16, ann_threshold=1000)
    ids = [f"T{i}" for i in range(50)]
    index.upsert(ids, vecs)
    assert index.kind == "flat" and len(index) == 50
    hits = index.search(vecs[7:8], k=3)[0]
    assert hits[0][0] == "T7" and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    index.remove(["T7"])
    assert "T7" not in [h[0] for h in index.search(vecs[7:8], k=50)[0]]
    assert index.tombstones == 0  # flat removes for real


def test_upsert_replaces_the_vector_of_an_id():
    rng = np.random.default_rng(1)
    a, b = _unit(rng, 2)
    index = DenseIndex(16)
    index.upsert(["T1"], a[None])
    index.upsert(["T1"], b[None])
    assert len(index) == 1
    assert index.search(b[None], k=5)[0] == [("T1", pytest.approx(1.0, abs=1e-5))]


def test_hnsw_tombstones_then_rebuild_and_matches_exact():
    rng = np.random.default_rng(2)
    vecs = _unit(rng, 300)
    index = DenseIndex(16, ann_threshold=100, rebuild_ratio=0.2)
    live = {f"T{i}": vecs[i] for i in range(300)}
    index.upsert(list(live), vecs)
    assert index.kind == "hnsw"
    removed = [f"T{i}" for i in range(0, 40)]
    index.remove(removed)
    for i in removed:
        live.pop(i)
    assert index.tombstones == 40  # below 20% of 260 live: kept as tombstones
    queries = _unit(rng, 20)
    for q, hits in zip(queries, index.search(queries, k=10)):
        got = [h[0] for h in hits]
        assert not set(got) & set(removed)
        assert len(set(got) & set(_exact_top(live, q, 10))) >= 9  # HNSW recall vs exact
    index.remove([f"T{i}" for i in range(40, 60)])  # now 60 > 0.2 * 240: rebuilt
    assert index.tombstones == 0 and len(index) == 240


def test_filtered_search_returns_only_allowed_ids_for_both_kinds():
    rng = np.random.default_rng(3)
    vecs = _unit(rng, 200)
    ids = [f"T{i}" for i in range(200)]
    for threshold in (1000, 50):
        index = DenseIndex(16, ann_threshold=threshold)
        index.upsert(ids, vecs)
        allowed = {"T3", "T150", "T199"}
        hits = index.search(vecs[150:151], k=10, allowed_ids=allowed)[0]
        assert {h[0] for h in hits} == allowed and hits[0][0] == "T150"
        assert index.search(vecs[:1], k=5, allowed_ids=set())[0] == []


@pytest.mark.parametrize("threshold", [1000, 50])
def test_save_and_load_round_trip(tmp_path, threshold):
    rng = np.random.default_rng(4)
    vecs = _unit(rng, 120)
    index = DenseIndex(16, ann_threshold=threshold)
    index.upsert([f"T{i}" for i in range(120)], vecs)
    index.remove(["T5"])
    index.save(tmp_path, "technology")
    loaded = DenseIndex(16, ann_threshold=threshold)
    loaded.load(tmp_path, "technology")
    assert loaded.kind == index.kind and len(loaded) == 119
    assert index.search(vecs[:10], k=5) == loaded.search(vecs[:10], k=5)
    loaded.upsert(["NEW"], vecs[5:6])  # labels continue after the loaded ones
    assert loaded.search(vecs[5:6], k=1)[0][0][0] == "NEW"


def test_switch_to_hnsw_and_compaction_can_be_deferred_and_catch_up_late_writes():
    rng = np.random.default_rng(5)
    vecs = _unit(rng, 160)
    index = DenseIndex(16, ann_threshold=100, auto_compact=False)
    index.upsert([f"T{i}" for i in range(120)], vecs[:120])
    assert index.kind == "flat" and index.needs_compaction  # large enough for HNSW, not switched inline
    replacement = index.build_replacement()
    index.upsert([f"T{i}" for i in range(120, 160)], vecs[120:])  # written while the replacement was built
    index.remove(["T0", "T1"])
    index.install(replacement)
    assert index.kind == "hnsw" and len(index) == 158
    got = [h[0] for h in index.search(vecs[150:151], k=3)[0]]
    assert got[0] == "T150"
    assert "T0" not in [h[0] for h in index.search(vecs[0:1], k=5)[0]]
    index.remove([f"T{i}" for i in range(2, 60)])
    assert index.needs_compaction
    index.rebuild()
    assert index.tombstones == 0 and not index.needs_compaction


def test_hnsw_knobs_from_the_settings_reach_the_graph(monkeypatch):
    """MATCHING_HNSW_M / _EF_SEARCH / _EF_CONSTRUCTION / _EF_SCALE_FROM / _KEEP_PRUNED are the recall knobs at 1M: through
    MatchingSettings.index_options() (what the service and bench/matching_index.py use) they must reach the graph."""
    import faiss

    from services.matching.indexer import MatchIndex
    from services.matching.settings import MatchingSettings

    monkeypatch.setenv("MATCHING_HNSW_M", "12")
    monkeypatch.setenv("MATCHING_HNSW_EF_SEARCH", "48")
    monkeypatch.setenv("MATCHING_HNSW_EF_CONSTRUCTION", "24")
    monkeypatch.setenv("MATCHING_HNSW_EF_SCALE_FROM", "150")
    monkeypatch.setenv("MATCHING_HNSW_KEEP_PRUNED", "true")
    monkeypatch.setenv("MATCHING_ANN_THRESHOLD", "100")
    settings = MatchingSettings()

    class _Enc:  # only the dimension is read when the index is created
        name, backend, dim = "unit", "unit", 16

    entity_index = next(iter(MatchIndex(_Enc(), **settings.index_options()).entities.values()))
    dense = entity_index.dense
    dense.upsert([f"T{i}" for i in range(300)], _unit(np.random.default_rng(5), 300))
    dense.rebuild()  # what MatchIndex.compact() runs outside the lock
    assert dense.kind == "hnsw"
    graph = faiss.downcast_index(dense._index.index)
    assert (graph.hnsw.efSearch, graph.hnsw.efConstruction) == (48, 24)
    assert graph.hnsw.nb_neighbors(0) == 2 * 12  # level 0 keeps 2*M neighbours
    assert graph.keep_max_size_level0
    assert dense.effective_ef_search() == 96  # 48 * 300 / 150


def test_defaults_come_from_one_place():
    """Settings, factory, MatchIndex and DenseIndex share the defaults of index/params.py."""
    import inspect

    from services.matching.index import params
    from services.matching.index.backend import make_backend
    from services.matching.indexer import MatchIndex
    from services.matching.settings import MatchingSettings

    fields = MatchingSettings.model_fields
    expected = {"hnsw_m": params.HNSW_M, "ef_search": params.EF_SEARCH, "ef_construction": params.EF_CONSTRUCTION,
                "ef_scale_from": params.EF_SCALE_FROM, "hnsw_keep_pruned": params.KEEP_PRUNED}
    assert {k: fields[k if k.startswith("hnsw_") else f"hnsw_{k}"].default for k in expected} == expected
    for fn in (make_backend, MatchIndex.__init__, DenseIndex.__init__):
        defaults = {k: v.default for k, v in inspect.signature(fn).parameters.items() if k in expected}
        assert defaults == expected, fn


def test_query_beam_grows_with_the_index_above_the_scale_size():
    rng = np.random.default_rng(6)
    index = DenseIndex(16, ann_threshold=50, ef_search=40, ef_scale_from=100, max_ef_search=120)
    index.upsert([f"T{i}" for i in range(80)], _unit(rng, 80))
    assert index.effective_ef_search() == 40  # at or below the scale size: ef_search
    index.upsert([f"U{i}" for i in range(170)], _unit(rng, 170))
    assert index.effective_ef_search() == 100  # 40 * 250 / 100
    index.upsert([f"V{i}" for i in range(500)], _unit(rng, 500))
    assert index.effective_ef_search() == 120  # capped at max_ef_search
    index.ef_scale_from = None
    assert index.effective_ef_search() == 40
    q = _unit(rng, 3)
    assert [len(h) for h in index.search(q, k=10)] == [10, 10, 10]


def test_keep_pruned_survives_a_snapshot_load(tmp_path):
    """keep_max_size_level0 is not in FAISS's graph file: a loaded graph gets it from the settings again."""
    import faiss

    rng = np.random.default_rng(7)
    index = DenseIndex(16, ann_threshold=50, hnsw_keep_pruned=True)
    index.upsert([f"T{i}" for i in range(120)], _unit(rng, 120))
    assert faiss.downcast_index(index._index.index).keep_max_size_level0
    index.save(tmp_path, "t")
    loaded = DenseIndex(16, ann_threshold=50, hnsw_keep_pruned=True)
    loaded.load(tmp_path, "t")
    assert loaded.kind == "hnsw" and faiss.downcast_index(loaded._index.index).keep_max_size_level0
