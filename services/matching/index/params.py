"""Default FAISS HNSW parameters: the one place the service settings (MatchingSettings), the index factory and
the benchmark take them from. Measured in docs/bench_matching.md ("HNSW parameters at 1M")."""
from __future__ import annotations

HNSW_M = 32  # graph degree (level 0 keeps 2*M neighbours)
EF_CONSTRUCTION = 80  # build beam
EF_SEARCH = 256  # query beam at or below EF_SCALE_FROM vectors
KEEP_PRUNED = False  # level 0: refill each neighbour list to 2*M with the nearest pruned candidates
EF_SCALE_FROM: int | None = None  # above this many vectors the query beam grows with the index (None: fixed)
