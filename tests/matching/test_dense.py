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
    removed = [f"T{i}" for i in range(40)]
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
    """Settings, IndexOptions (what MatchIndex and the factory take) and DenseIndex share the defaults of
    index/params.py."""
    import dataclasses
    import inspect

    from services.matching.index import params
    from services.matching.settings import MatchingSettings

    fields = MatchingSettings.model_fields
    expected = {"hnsw_m": params.HNSW_M, "ef_search": params.EF_SEARCH, "ef_construction": params.EF_CONSTRUCTION,
                "ef_scale_from": params.EF_SCALE_FROM, "hnsw_keep_pruned": params.KEEP_PRUNED,
                "ivf_from": params.IVF_FROM, "ivf_nprobe": params.IVF_NPROBE}
    field = lambda k: k if k.startswith(("hnsw_", "ivf_")) else f"hnsw_{k}"
    assert {k: fields[field(k)].default for k in expected} == expected
    options = {f.name: f.default for f in dataclasses.fields(params.IndexOptions) if f.name in expected}
    assert options == expected and params.IndexOptions().ann_threshold == fields["ann_threshold"].default
    defaults = {k: v.default for k, v in inspect.signature(DenseIndex.__init__).parameters.items() if k in expected}
    assert defaults == expected


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


# ------------------------------------------------------------------ IVF kind (large indexes)
def _grown_ivf(n: int = 4000, **kw) -> tuple[DenseIndex, dict[str, np.ndarray]]:
    """Grown in feed-sized batches through flat (< 500) and HNSW (< 2000) to IVF, compacting inline."""
    rng = np.random.default_rng(8)
    vecs = _unit(rng, n)
    index = DenseIndex(16, ann_threshold=500, ivf_from=2000, **kw)
    kinds = []
    for s in range(0, n, 400):
        index.upsert([f"T{i}" for i in range(s, min(s + 400, n))], vecs[s : s + 400])
        kinds.append(index.kind)
    assert kinds[0] == "flat" and "hnsw" in kinds and kinds[-1] == "ivf"
    return index, {f"T{i}": vecs[i] for i in range(n)}


def _recall(index: DenseIndex, live: dict[str, np.ndarray], queries: np.ndarray, k: int = 10) -> float:
    got = index.search(queries, k)
    return float(np.mean([len({h[0] for h in hits} & set(_exact_top(live, q, k))) / k for q, hits in zip(queries, got)]))


def test_ivf_above_its_threshold_recall_and_real_removal():
    from services.matching.index.params import ivf_nlist

    index, live = _grown_ivf()
    assert index.kind == "ivf" and index._index.nlist == ivf_nlist(2000) and index._index.ntotal == 4000
    queries = _unit(np.random.default_rng(9), 40)
    assert _recall(index, live, queries) >= 0.9  # IVF is approximate: recall against exact, not equality
    assert index.search(live["T123"][None], k=1)[0] == [("T123", pytest.approx(1.0, abs=1e-5))]
    removed = [f"T{i}" for i in range(0, 1000, 2)]
    index.remove(removed)
    for i in removed:
        live.pop(i)
    assert index.tombstones == 0 and index._index.ntotal == 3500 and not index.needs_compaction  # removed for real
    for q, hits in zip(queries, index.search(queries, k=10)):
        assert not {h[0] for h in hits} & set(removed)
    assert _recall(index, live, queries) >= 0.9
    # a removed id comes back on a reused label; a replaced vector is found where it now is
    index.upsert(["T0"], live["T1"][None])
    assert {h[0] for h in index.search(live["T1"][None], k=2)[0]} == {"T0", "T1"}
    new = _unit(np.random.default_rng(10), 1)
    index.upsert(["T3"], new)
    assert index.search(new, k=1)[0] == [("T3", pytest.approx(1.0, abs=1e-5))]
    assert all(i != "T3" or score < 0.999 for i, score in index.search(live["T3"][None], k=3)[0])  # old vector gone
    assert len(index) == 3501 and index._index.ntotal == 3501


def test_ivf_filtered_search_broad_and_very_selective():
    index, live = _grown_ivf()
    q = _unit(np.random.default_rng(11), 1)[0]
    # very selective: every list is scanned with the selector, exact over the allowed rows
    allowed = {"T3", "T1500", "T3999"}
    hits = index.search(q[None], k=10, allowed_ids=allowed)[0]
    assert [h[0] for h in hits] == _exact_top({i: live[i] for i in allowed}, q, 10)
    assert index.search(q[None], k=5, allowed_ids=set())[0] == []
    # broad filter through the approximate path (nprobe raised by 1/selectivity): only allowed ids, best first
    index.exact_filter_limit = 0
    mask = np.zeros(index.capacity, dtype=bool)
    mask[index.labels([f"T{i}" for i in range(0, 4000, 3)])] = True
    subset = {f"T{i}": live[f"T{i}"] for i in range(0, 4000, 3)}
    queries = _unit(np.random.default_rng(12), 30)
    recalls = []
    for q, hits in zip(queries, index.search(queries, k=10, allowed=mask)):
        ids = [h[0] for h in hits]
        assert set(ids) <= set(subset) and len(ids) == 10
        assert [h[1] for h in hits] == sorted((h[1] for h in hits), reverse=True)
        recalls.append(len(set(ids) & set(_exact_top(subset, q, 10))) / 10)
    assert np.mean(recalls) >= 0.9


def test_ivf_snapshot_round_trip_keeps_the_trained_lists(tmp_path):
    index, live = _grown_ivf(3000)
    index.remove(["T5"])
    index.save(tmp_path, "technology")
    assert (tmp_path / "technology.ivf.faiss").exists() and not (tmp_path / "technology.hnsw.faiss").exists()
    loaded = DenseIndex(16, ann_threshold=500, ivf_from=2000)
    loaded.load(tmp_path, "technology")
    assert loaded.kind == "ivf" and len(loaded) == 2999 and loaded._trained_for == index._trained_for
    assert loaded._index.nlist == index._index.nlist and not loaded.needs_compaction
    queries = _unit(np.random.default_rng(13), 10)
    assert index.search(queries, k=5) == loaded.search(queries, k=5)
    loaded.upsert(["NEW"], live["T5"][None])  # labels continue after the loaded ones
    assert loaded.search(live["T5"][None], k=1)[0][0][0] == "NEW"
    # saved again as another kind: the stale IVF file goes, so a load cannot pick it up
    small = DenseIndex(16, ann_threshold=500, ivf_from=2000)
    small.upsert(["A"], live["T1"][None])
    small.save(tmp_path, "technology")
    assert not (tmp_path / "technology.ivf.faiss").exists()


def test_ivf_switch_and_retrain_are_deferred_and_catch_up_late_writes():
    from services.matching.index.params import ivf_nlist

    rng = np.random.default_rng(14)
    vecs = _unit(rng, 9000)
    index = DenseIndex(16, ann_threshold=500, ivf_from=2000, auto_compact=False)
    index.upsert([f"T{i}" for i in range(2000)], vecs[:2000])
    assert index.kind == "flat" and index.needs_compaction  # straight to IVF (above both thresholds)
    replacement = index.build_replacement()
    index.upsert([f"T{i}" for i in range(2000, 2100)], vecs[2000:2100])  # written while it was built
    index.remove(["T0", "T1"])
    index.install(replacement)
    assert index.kind == "ivf" and len(index) == 2098 and index._index.ntotal == 2098
    assert index._trained_for == 2000 and not index.needs_compaction
    assert index.search(vecs[2050:2051], k=1)[0][0][0] == "T2050"
    assert "T0" not in {h[0] for h in index.search(vecs[0:1], k=5)[0]}
    index.upsert([f"T{i}" for i in range(2100, 8000)], vecs[2100:8000])
    assert not index.needs_compaction  # 7998 vectors: under 4x the 2000 the lists were trained on
    index.upsert([f"T{i}" for i in range(8000, 9000)], vecs[8000:9000])
    assert index.needs_compaction  # grown past 4x: retrain so the lists stay balanced
    index.rebuild()
    assert index.kind == "ivf" and index._trained_for == 8998 and index._index.nlist == ivf_nlist(8998)
    assert not index.needs_compaction
    # shrinking below half the threshold (hysteresis) goes back to HNSW
    index.remove([f"T{i}" for i in range(2, 8100)])
    assert index.needs_compaction
    index.rebuild()
    assert index.kind == "hnsw" and len(index) == 900


def test_ivf_is_off_with_ivf_from_unset_and_settings_reach_the_index(monkeypatch):
    from services.matching.indexer import MatchIndex
    from services.matching.settings import MatchingSettings

    class _Enc:
        name, backend, dim = "unit", "unit", 16

    monkeypatch.setenv("MATCHING_ANN_THRESHOLD", "100")
    monkeypatch.setenv("MATCHING_IVF_FROM", "200")
    monkeypatch.setenv("MATCHING_IVF_NPROBE", "3")
    dense = next(iter(MatchIndex(_Enc(), **MatchingSettings().index_options()).entities.values())).dense
    dense.upsert([f"T{i}" for i in range(300)], _unit(np.random.default_rng(15), 300))
    dense.rebuild()
    assert dense.kind == "ivf" and dense.ivf_nprobe == 3 and dense._index.nprobe == 3
    monkeypatch.setenv("MATCHING_IVF_FROM", "0")  # 0 (or unset in code: None) disables IVF: HNSW at any size
    dense = next(iter(MatchIndex(_Enc(), **MatchingSettings().index_options()).entities.values())).dense
    dense.upsert([f"T{i}" for i in range(300)], _unit(np.random.default_rng(15), 300))
    dense.rebuild()
    assert dense.kind == "hnsw"
