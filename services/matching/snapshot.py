"""Snapshot = store + dense vectors + title vectors + feed cursor, written together atomically and reloaded on start.

Layout under `<data_dir>/matching/`: one folder per snapshot (`snap-<cursor>-<uuid>`) and a `CURRENT` file
naming the live one. A snapshot is written to a temporary folder, every file and the folder are fsynced,
the folder is renamed into place, and only then `CURRENT` is replaced (write temp file, fsync, os.replace).
A crash at any point leaves either the old or the new snapshot current, never a mix; the cursor inside a
snapshot always describes exactly the index beside it. Lexical postings are rebuilt from the store on load.
Title vectors (`index/titles.py`) were added without a format change: a snapshot written before them loads, and
the titles it lacks are encoded once while loading.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from pathlib import Path

from services.matching.faults import BEFORE_SNAPSHOT_COMMIT, crash_point
from services.matching.indexer import MatchIndex
from services.matching.store import RecordStore

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: records embedded whole (chunk mean), no longer cut at 480 characters


def snapshot_root(data_dir: Path) -> Path:
    return Path(data_dir) / "matching"


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save(index: MatchIndex, data_dir: Path, *, crash_at: str | None = None) -> Path:
    """Write a snapshot of `index` and make it current. Call from the index's single writer (or with no writer
    running), so cursor, store and vectors describe the same moment."""
    root = snapshot_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    # No read lock: readers never mutate, and the only writer (the feed follower) is the caller.
    cursor = index.cursor
    meta = {"format": FORMAT_VERSION, "cursor": cursor, "vector_backend": index.vector_backend, **encoder_identity(index)}
    index.store.save(tmp / "store.jsonl")
    for entity, entity_index in index.entities.items():
        entity_index.dense.save(tmp, entity.value)
        entity_index.titles.save(tmp, entity.value)
    (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    for path in tmp.iterdir():
        _fsync_file(path)
    _fsync_dir(tmp)
    final = root / f"snap-{cursor:012d}-{uuid.uuid4().hex[:8]}"
    os.rename(tmp, final)
    _fsync_dir(root)
    crash_point(BEFORE_SNAPSHOT_COMMIT, crash_at)
    pointer_tmp = root / "CURRENT.tmp"
    pointer_tmp.write_text(final.name, encoding="utf-8")
    _fsync_file(pointer_tmp)
    os.replace(pointer_tmp, root / "CURRENT")
    _fsync_dir(root)
    _remove_stale(root, keep=final.name)
    return final


def _remove_stale(root: Path, keep: str) -> None:
    for path in root.iterdir():
        if path.is_dir() and path.name != keep:
            shutil.rmtree(path, ignore_errors=True)


def current_path(data_dir: Path) -> Path | None:
    pointer = snapshot_root(data_dir) / "CURRENT"
    if not pointer.exists():
        return None
    path = snapshot_root(data_dir) / pointer.read_text(encoding="utf-8").strip()
    return path if path.is_dir() else None


def encoder_identity(index: MatchIndex) -> dict[str, object]:
    """What made the stored vectors. The backend counts too: int8 vectors of the same model differ slightly from
    fp32 ones, and queries must be encoded the way the records were."""
    enc = index.encoder
    return {"model": enc.name, "backend": getattr(enc, "backend", ""), "dim": enc.dim}


def load(index: MatchIndex, data_dir: Path) -> bool:
    """Fill an empty `index` from the current snapshot. False if there is none or it was made with another
    model (then the caller rebuilds from the feed)."""
    path = current_path(data_dir)
    if path is None:
        return False
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    identity = encoder_identity(index)
    if meta.get("format") != FORMAT_VERSION or any(meta.get(k) != v for k, v in identity.items()):
        log.warning("snapshot %s was made with %s, not %s; rebuilding from the feed", path.name,
                    {k: meta.get(k) for k in identity}, identity)
        return False
    if meta.get("vector_backend", "faiss") != index.vector_backend:
        log.warning("snapshot %s holds %s vectors, the service runs on %s; rebuilding from the feed", path.name,
                    meta.get("vector_backend", "faiss"), index.vector_backend)
        return False
    store = RecordStore.load(path / "store.jsonl")
    with index.lock:
        try:
            for entity, entity_index in index.entities.items():
                entity_index.dense.load(path, entity.value)
                entity_index.titles.load(path, entity.value)
        except ValueError as exc:  # e.g. the Milvus collection lost rows the snapshot relies on
            log.warning("snapshot %s not usable (%s); rebuilding from the feed", path.name, exc)
            index.reset()
            return False
        index.store = store
        missing = {entity: entity_index.restore(record.fields for record in store.published(entity))
                   for entity, entity_index in index.entities.items()}
        encoded = index.fill_titles(missing)
        index.cursor = int(meta["cursor"])
    if encoded:
        log.info("encoded %s title vectors the snapshot did not hold", encoded)
    log.info("loaded snapshot %s at seq %s", path.name, index.cursor)
    return True

