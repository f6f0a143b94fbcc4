"""Matching test fixtures: the embedding model is loaded once per session."""
from __future__ import annotations

from pathlib import Path

import pytest

from services.matching.encoder import Encoder, load_encoder
from tests.support.servers import REPO

SMOKE_SET = REPO.parent / "shared" / "eval" / "green_smoke.json"


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The production default (MATCHING_MODEL / MATCHING_ENCODER_BACKEND), so the tests check what ships."""
    from services.matching.settings import MatchingSettings

    settings = MatchingSettings()
    return load_encoder(settings.model, settings.encoder_backend)


@pytest.fixture(scope="session")
def smoke_path() -> Path:
    if not SMOKE_SET.exists():
        pytest.skip(f"{SMOKE_SET} not present (workspace data is not part of the repo)")
    return SMOKE_SET
