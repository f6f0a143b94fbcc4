"""Default FAISS HNSW parameters: the one place MatchingSettings (MATCHING_HNSW_*), the index factory and
bench/matching_index.py take them from. Measured in docs/bench_matching.md ("HNSW settings at 1M"):

- 100k vectors: recall@10 0.944-0.984 at efSearch 256 (~1 ms CPU per query); 0.999 at efSearch 1024.
- 1M vectors of the synthetic mixture corpus: 0.880 (machine B, ~9 near-duplicates per real vector) and 0.813
  (machine D, ~50 per real vector) at efSearch 256; on machine D efSearch 2048 only reaches 0.833 on the same
  graph, so the beam is not the limit there and efSearch does not grow with size by default.
- KEEP_PRUNED (FAISS keep_max_size_level0) lowered 100k recall (0.927 vs 0.944 at efSearch 256, 0.963 vs 0.999
  at 1024) for 2-3x the build time: off.
"""
from __future__ import annotations

HNSW_M = 32  # graph degree (level 0 keeps 2*M neighbours)
EF_CONSTRUCTION = 80  # build beam
EF_SEARCH = 256  # query beam at or below EF_SCALE_FROM vectors
KEEP_PRUNED = False  # level 0: refill each neighbour list to 2*M with the nearest pruned candidates
EF_SCALE_FROM: int | None = None  # above this many vectors the query beam grows with the index (None: fixed)
