"""Default FAISS index parameters (HNSW and IVF): the one place MatchingSettings (MATCHING_HNSW_*, MATCHING_IVF_*),
the index factory and bench/matching_index.py take them from.

HNSW, measured in docs/bench_matching.md ("HNSW settings at 1M"):

- 100k vectors: recall@10 0.944-0.984 at efSearch 256 (~1 ms CPU per query); 0.999 at efSearch 1024.
- 1M vectors of the synthetic mixture corpus: 0.880 (machine B, ~9 near-duplicates per real vector) and 0.813
  (machine D, ~50 per real vector) at efSearch 256; on machine D efSearch 2048 only reaches 0.833 on the same
  graph, so the beam is not the limit there and efSearch does not grow with size by default.
- KEEP_PRUNED (FAISS keep_max_size_level0) lowered 100k recall (0.927 vs 0.944 at efSearch 256, 0.963 vs 0.999
  at 1024) for 2-3x the build time: off.

IVF-Flat (issue #13: recall@10 >= 0.95 at 1M with the default settings), used from IVF_FROM live vectors:

- The reference run (machine D, docs/bench_matching.md) of IVF2048,Flat reached 0.981 at nprobe 8 and 0.995 at
  nprobe 16 at 1M (1.1 / 1.5 ms CPU p95, 33 s build), and 0.979 / 0.993 at 100k (0.23 / 0.28 ms) where HNSW
  gave 0.944 at 1.0 ms: IVF is both better and cheaper from 100k on, so it takes over there.
- nlist follows the size it is trained at (`ivf_nlist`): 1024 lists at 100k, 2048 from 262k up to 1M.
  IVF_NPROBE 16 leaves a margin over 0.95 on corpora harder than the benchmark's.
- Lists are trained on the vectors present at build time; once the index has grown to IVF_RETRAIN_GROWTH times
  that size it is retrained (the compaction path), so lists stay balanced and nlist follows the size.
- Measured with these defaults (machine E, load 3.5-11, docs/bench_matching.md "IVF-Flat as the default above
  100k"): 100k recall@10 0.995 at 0.36 ms CPU p95 (HNSW on the same corpus: 0.963 at 0.88 ms), on the real
  100k corpus 0.992 at 0.29 ms (HNSW 0.984 at 0.79 ms; its build is 25 s against IVF's 88 s); 1M 0.997 on both
  corpora at 1.2-1.4 ms (nprobe 8: 0.991-0.994), filtered 1.000 at both sizes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

HNSW_M = 32  # graph degree (level 0 keeps 2*M neighbours)
EF_CONSTRUCTION = 80  # build beam
EF_SEARCH = 256  # query beam at or below EF_SCALE_FROM vectors
KEEP_PRUNED = False  # level 0: refill each neighbour list to 2*M with the nearest pruned candidates
EF_SCALE_FROM: int | None = None  # above this many vectors the query beam grows with the index (None: fixed)

IVF_FROM: int | None = 100_000  # IVF-Flat at or above this many live vectors (None or 0: HNSW at any size)
IVF_NPROBE = 16  # lists scanned per query (a filter raises it by 1/selectivity)
IVF_RETRAIN_GROWTH = 4.0  # retrain the lists once the index holds this many times the vectors they were trained on
IVF_MIN_TRAIN_PER_LIST = 39  # FAISS k-means wants at least this many training vectors per list
ANN_THRESHOLD = 20_000  # exact (flat) search below this many live vectors


@dataclass(frozen=True)
class IndexOptions:
    """How the dense index of every entity is built: MatchingSettings.dense_options() makes one from the
    MATCHING_* settings; MatchIndex -> EntityIndex -> make_backend pass it on whole. FAISS reads all of it,
    Milvus only hnsw_m / ef_search / ef_construction."""

    ann_threshold: int = ANN_THRESHOLD
    search_threads: int = 1
    hnsw_m: int = HNSW_M
    ef_search: int = EF_SEARCH
    ef_construction: int = EF_CONSTRUCTION
    ef_scale_from: int | None = EF_SCALE_FROM
    hnsw_keep_pruned: bool = KEEP_PRUNED
    ivf_from: int | None = IVF_FROM
    ivf_nprobe: int = IVF_NPROBE


def ivf_nlist(n: int) -> int:
    """Lists for an IVF index trained on `n` vectors: the power of two at or below 4*sqrt(n) (so between 2 and
    4 sqrt(n), the usual rule), and no more than n / 39 so every list gets enough training vectors."""
    target = min(4 * math.sqrt(max(n, 1)), n / IVF_MIN_TRAIN_PER_LIST)
    return 1 << max(int(math.log2(target)), 0) if target >= 1 else 1


DEFAULT_OPTIONS = IndexOptions()  # frozen: safe to share as a default argument
