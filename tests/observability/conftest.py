"""The three services in-process (TestClient), cheap: matching with a hashing encoder (no model load, no feed
thread), the gateway with unreachable upstreams, the registry on a temporary SQLite file."""
from __future__ import annotations

import hashlib
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.support.servers import TEST_SERVICE_TOKEN, free_port


class HashingEncoder:
    """Deterministic stand-in for the embedding model: character hashes into 32 dims, L2-normalised."""

    name = "hashing-test"
    dim = 32

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for ch in text or " ":
                out[row, hashlib.blake2b(ch.encode(), digest_size=2).digest()[0] % self.dim] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def metric_names(text: str) -> set[str]:
    """Family names and sample names (with _total/_bucket/_sum/_count) in a /metrics answer."""
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names |= {sample.name for sample in family.samples}
        if family.type == "counter":
            names.add(family.name + "_total")
        if family.type == "histogram":
            names |= {family.name + suffix for suffix in ("_bucket", "_sum", "_count")}
    return names


@pytest.fixture(scope="module")
def registry_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from services.registry.app import create_app
    from services.registry.settings import RegistrySettings

    settings = RegistrySettings(data_dir=tmp_path_factory.mktemp("registry"), service_token=TEST_SERVICE_TOKEN,
                                expire_sweep_seconds=0)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def matching_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from services.matching import app as matching_app
    from services.matching.settings import MatchingSettings

    settings = MatchingSettings(data_dir=tmp_path_factory.mktemp("matching"), service_token=TEST_SERVICE_TOKEN,
                                sync_enabled=False)
    patch = pytest.MonkeyPatch()
    patch.setattr(matching_app, "load_encoder", lambda *_a, **_k: HashingEncoder())
    try:
        with TestClient(matching_app.create_app(settings)) as client:
            yield client
    finally:
        patch.undo()


@pytest.fixture(scope="module")
def gateway_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from tests.gateway.conftest import make_gateway

    dead = f"http://127.0.0.1:{free_port()}"
    with make_gateway(tmp_path_factory.mktemp("gateway"), registry_url=dead, matching_url=dead) as client:
        yield client
