"""Snapshots: store + vectors + cursor together; partial writes never become current."""
import json

import numpy as np

from services.matching import snapshot
from services.matching.indexer import MatchIndex
from services.matching.search import HybridSearcher, Query
from tests.matching.events import event


def _index(encoder) -> MatchIndex:
    index = MatchIndex(encoder)
    index.apply([
        event(1, "T1", 1, title="污水处理厂污泥低温干化技术"),
        event(2, "T2", 1, title="屋顶分布式光伏发电"),
        event(3, "T2", 2, status="withdrawn", title="屋顶分布式光伏发电"),
        event(4, "D1", 1, entity="demand", title="污泥含水率高，外运处置费用贵"),
    ], last_seq=4)
    return index


def test_round_trip_restores_cursor_store_and_search(tmp_path, encoder):
    index = _index(encoder)
    path = snapshot.save(index, tmp_path)
    assert snapshot.current_path(tmp_path) == path
    loaded = MatchIndex(encoder)
    assert snapshot.load(loaded, tmp_path)
    assert loaded.cursor == 4
    assert loaded.store.version("technology", "T2") == 2 and loaded["technology"].docs.keys() == {"T1"}
    query = Query("污泥干化", target="technology", k=3)
    assert [h.id for h in HybridSearcher(loaded).search(query)] == [h.id for h in HybridSearcher(index).search(query)]
    assert np.array_equal(loaded["technology"].titles.vectors(["T1"]), index["technology"].titles.vectors(["T1"]))
    # replaying what the snapshot already holds changes nothing
    assert loaded.apply([event(1, "T1", 1, title="污水处理厂污泥低温干化技术")], last_seq=4).applied == 0


def test_new_snapshot_replaces_old_and_leftovers_are_ignored(tmp_path, encoder):
    index = _index(encoder)
    first = snapshot.save(index, tmp_path)
    partial = snapshot.snapshot_root(tmp_path) / ".tmp-crashed"
    partial.mkdir()
    (partial / "meta.json").write_text("{broken")
    index.apply([event(5, "T3", 1, title="空压机节能改造")], last_seq=5)
    second = snapshot.save(index, tmp_path)
    assert not first.exists() and not partial.exists() and snapshot.current_path(tmp_path) == second
    loaded = MatchIndex(encoder)
    assert snapshot.load(loaded, tmp_path) and loaded.cursor == 5


def test_snapshot_of_another_model_is_not_used(tmp_path, encoder):
    path = snapshot.save(_index(encoder), tmp_path)
    meta = json.loads((path / "meta.json").read_text())
    (path / "meta.json").write_text(json.dumps({**meta, "model": "bge-small-zh-v1.5"}))
    fresh = MatchIndex(encoder)
    assert snapshot.load(fresh, tmp_path) is False and fresh.cursor == 0


def test_no_snapshot_yet(tmp_path, encoder):
    assert snapshot.load(MatchIndex(encoder), tmp_path) is False


def test_snapshot_of_another_backend_of_the_same_model_is_not_used(tmp_path, encoder):
    """int8 vectors of m3e-small are not the fp32 ones: switching MATCHING_ENCODER_BACKEND re-encodes."""
    path = snapshot.save(_index(encoder), tmp_path)
    meta = json.loads((path / "meta.json").read_text())
    assert meta["backend"] == encoder.backend
    (path / "meta.json").write_text(json.dumps({**meta, "backend": "openvino" if encoder.backend != "openvino" else "torch"}))
    fresh = MatchIndex(encoder)
    assert snapshot.load(fresh, tmp_path) is False and fresh.cursor == 0
    (path / "meta.json").write_text(json.dumps(meta))
    assert snapshot.load(fresh, tmp_path) is True


def test_loading_encodes_no_title_unless_the_snapshot_lacks_it(tmp_path, encoder):
    """Title vectors travel in the snapshot; one written before they were stored still loads, and its titles
    are encoded once while loading (the searches that follow encode only their queries)."""
    from tests.matching.test_search import CountingEncoder

    path = snapshot.save(_index(encoder), tmp_path)
    counting = CountingEncoder(encoder)
    assert snapshot.load(MatchIndex(counting), tmp_path) and counting.calls == []
    for old in path.glob("*.titles.*"):
        old.unlink()
    counting = CountingEncoder(encoder)
    loaded = MatchIndex(counting)
    assert snapshot.load(loaded, tmp_path)
    assert counting.calls == [["污水处理厂污泥低温干化技术"], ["污泥含水率高，外运处置费用贵"]]
    assert "T1" in loaded["technology"].titles and "D1" in loaded["demand"].titles
