"""One-time export of a sentence-transformers model to ONNX (fp32 + dynamic int8), cached under the data dir.

The first use loads the model with torch, exports its transformer to `model.onnx`, quantises the weights of its
MatMul/Gemm layers to int8 (`model.int8.onnx`, activations quantised on the fly) and stores the tokenizer and
the pooling settings beside them. Later uses only read the folder: no torch, no network, nothing written into
site-packages. The folder name carries a fingerprint of the source weights, so a changed model is re-exported.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

from services.matching.encoders.torch_st import embedding_dim

log = logging.getLogger(__name__)

EXPORT_FORMAT = 3  # bump when the export recipe changes: old cache folders are then ignored
FP32_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
META_FILE = "export.json"
SUPPORTED_POOLING = ("mean", "cls")


@dataclass(frozen=True)
class ExportMeta:
    source: str
    dim: int
    max_seq_length: int
    pooling: str
    input_names: list[str]
    format: int = EXPORT_FORMAT


def fingerprint(model_path: Path) -> str:
    """Changes when the model's config or weight files change (size and mtime; hashing 100 MB each start is slow)."""
    h = hashlib.sha256(f"format={EXPORT_FORMAT}|{model_path.resolve()}".encode())
    for f in sorted(p for p in model_path.rglob("*") if p.is_file() and not p.name.startswith(".")):
        st = f.stat()
        h.update(f"|{f.relative_to(model_path)}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


def cache_folder(model_path: Path, cache_root: Path) -> Path:
    slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in model_path.name) or "model"
    return cache_root / f"{slug}-{fingerprint(model_path)}"


def read_meta(folder: Path) -> ExportMeta | None:
    try:
        raw = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        meta = ExportMeta(**raw)
    except (OSError, ValueError, TypeError):
        return None
    complete = all((folder / f).is_file() for f in (FP32_FILE, INT8_FILE))
    return meta if complete and meta.format == EXPORT_FORMAT else None


def ensure_exported(model_path: Path, cache_root: Path) -> tuple[Path, ExportMeta, bool]:
    """(folder, meta, exported_now): export on first use, reuse the cached folder afterwards."""
    folder = cache_folder(model_path, cache_root)
    meta = read_meta(folder)
    if meta is not None:
        return folder, meta, False
    cache_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=cache_root))
    try:
        meta = _export(model_path, work)
        if folder.exists():  # an incomplete folder from a crashed export, or another process won the race
            if read_meta(folder) is not None:
                return folder, read_meta(folder), False  # type: ignore[return-value]
            shutil.rmtree(folder)
        os.chmod(work, 0o755)  # mkdtemp makes it private
        os.replace(work, folder)  # atomic: readers see a complete folder or none
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("exported %s to %s", model_path, folder)
    return folder, meta, True


def _pooling_mode(pooling: object | None) -> str:
    """Pooling of a sentence-transformers Pooling module across library versions (no module: mean)."""
    if pooling is None:
        return "mean"
    if hasattr(pooling, "get_pooling_mode_str"):
        return str(pooling.get_pooling_mode_str())
    mode = pooling.get_config_dict().get("pooling_mode", "mean")  # type: ignore[attr-defined]
    return mode[0] if isinstance(mode, list) and len(mode) == 1 else str(mode)


def _export(model_path: Path, out: Path) -> ExportMeta:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    # Eager attention exports plain MatMul/Softmax; the SDPA path adds mask ops (Where, IsNaN) that cost about 6%
    # of the int8 run time. Same weights, same vectors.
    st = SentenceTransformer(str(model_path), device="cpu", model_kwargs={"attn_implementation": "eager"})
    transformer, pooling = st[0], (st[1] if len(st) > 1 else None)
    mode = _pooling_mode(pooling)
    if mode not in SUPPORTED_POOLING:
        raise ValueError(f"ONNX backend supports pooling {SUPPORTED_POOLING}, model {model_path} uses {mode!r}; use backend 'torch'")
    tokenizer = transformer.tokenizer
    sample = tokenizer(["绿色技术转移", "节能"], padding=True, return_tensors="pt")
    input_names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

    class _Hidden(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(input_names, inputs))).last_hidden_state

    axes = {n: {0: "batch", 1: "tokens"} for n in [*input_names, "last_hidden_state"]}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Hidden(transformer.auto_model.eval()), tuple(sample[n] for n in input_names), str(out / FP32_FILE),
            input_names=input_names, output_names=["last_hidden_state"], dynamic_axes=axes,
            opset_version=17, dynamo=False,
        )
    # Int8 MatMul weights, one scale per tensor. Per-channel scales (cosine to fp32 about 0.997 before) collapsed
    # every vector towards one direction with the packages resolved on 2026-12-03 (onnxruntime 1.31-1.32: cosine
    # 0.85-0.96 between unrelated sentences, a sentence batched vs alone 0.87); per-tensor keeps 0.995-0.998.
    quantize_dynamic(out / FP32_FILE, out / INT8_FILE, weight_type=QuantType.QInt8, per_channel=False,
                     op_types_to_quantize=["MatMul"])
    tokenizer.save_pretrained(str(out))
    meta = ExportMeta(
        source=str(model_path), dim=embedding_dim(st),
        max_seq_length=int(st.max_seq_length), pooling=mode, input_names=input_names,
    )
    (out / META_FILE).write_text(json.dumps(asdict(meta), ensure_ascii=False, indent=1), encoding="utf-8")
    return meta
