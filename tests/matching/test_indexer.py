"""Applying feed pages: idempotent by (id, version), only published records indexed."""
import numpy as np

from services.matching.indexer import MatchIndex
from tests.matching.events import event


def test_apply_indexes_published_and_moves_cursor(encoder):
    index = MatchIndex(encoder)
    result = index.apply([
        event(1, "T1", 1, title="烧结烟气脱硫脱硝"),
        event(2, "T2", 1, status="on_hold", title="屋顶光伏"),
        event(3, "O1", 1, entity="organization", name="某公司"),
        event(4, "D1", 1, entity="demand", title="喷漆车间VOCs治理"),
    ], last_seq=4)
    assert result.applied == 3 and index.cursor == 4
    assert index["technology"].docs.keys() == {"T1"} and index["demand"].docs.keys() == {"D1"}
    assert index.store.get("technology", "T2").status == "on_hold"


def test_replayed_and_stale_events_are_skipped(encoder):
    index = MatchIndex(encoder)
    index.apply([event(1, "T1", 1, title="烧结烟气脱硫"), event(2, "T1", 2, title="烧结烟气脱硝催化剂")], last_seq=2)
    again = index.apply([event(1, "T1", 1, title="烧结烟气脱硫"), event(2, "T1", 2, title="烧结烟气脱硝催化剂")], last_seq=2)
    assert again.applied == 0 and again.skipped == 2
    assert index.store.version("technology", "T1") == 2
    assert len(index["technology"].dense) == 1 and len(index["technology"].lexical) == 1
    assert "催化剂" in index["technology"].docs["T1"].text


def test_event_record_newer_than_event_version_is_used_once(encoder):
    """The feed carries the CURRENT record: an old event may already hold version 3."""
    index = MatchIndex(encoder)
    index.apply([event(5, "T1", 1, title="旧标题")], last_seq=5)
    current = event(6, "T1", 2, title="新标题：污泥低温干化")
    current.record["version"] = 3
    index.apply([current], last_seq=6)
    assert index.store.version("technology", "T1") == 3
    assert index.apply([event(7, "T1", 3, title="新标题：污泥低温干化")], last_seq=7).skipped == 1
    assert index.cursor == 7


def test_withdraw_and_delete_remove_from_indexes(encoder):
    index = MatchIndex(encoder)
    index.apply([event(1, "T1", 1, title="湿式静电除尘"), event(2, "T2", 1, title="污泥干化")], last_seq=2)
    index.apply([event(3, "T1", 2, status="withdrawn", title="湿式静电除尘"), event(4, "T2", 2, op="delete")], last_seq=4)
    assert len(index["technology"]) == 0 and len(index["technology"].dense) == 0
    assert index.store.get("technology", "T2").status == "deleted"
    # a late replay of the create cannot resurrect it
    assert index.apply([event(1, "T1", 1, title="湿式静电除尘")], last_seq=4).skipped == 1
    assert len(index["technology"]) == 0


def test_title_vectors_follow_the_record(encoder):
    """Stored at indexing, re-encoded only when the title changes, dropped with the record."""
    from tests.matching.test_search import CountingEncoder

    counting = CountingEncoder(encoder)
    index = MatchIndex(counting)
    index.apply([event(1, "T1", 1, title="污水处理厂污泥低温干化技术", summary="带式干化")], last_seq=1)
    titles = index["technology"].titles
    first = titles.vectors(["T1"])[0].copy()
    counting.calls.clear()
    index.apply([event(2, "T1", 2, title="污水处理厂污泥低温干化技术", summary="带式低温干化，余热利用")], last_seq=2)
    assert ["污水处理厂污泥低温干化技术"] not in counting.calls  # the text changed, the title did not
    assert np.array_equal(titles.vectors(["T1"])[0], first)
    index.apply([event(3, "T1", 3, title="屋顶分布式光伏发电", summary="带式低温干化，余热利用")], last_seq=3)
    assert ["屋顶分布式光伏发电"] in counting.calls
    assert float(titles.vectors(["T1"])[0] @ first) < 0.99
    index.apply([event(4, "T1", 4, status="withdrawn", title="屋顶分布式光伏发电")], last_seq=4)
    assert "T1" not in titles and not titles.vectors(["T1"]).any()
