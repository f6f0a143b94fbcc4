"""Which environment variables the code reads: every concrete pydantic-settings class (found by parsing the
source, so nothing heavy is imported) with its env_prefix, plus the variables deploy/Dockerfile's own commands read.

A base class whose subclasses all set their own env_prefix (shared.settings.ServiceSettings, GREENTECH_) is
never instantiated, so its prefix reads nothing: only leaf classes count.
"""
from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

from pydantic_settings import BaseSettings

REPO = Path(__file__).resolve().parents[2]
CODE_DIRS = ("services", "shared")
# Variables read by libraries in the image, not by our settings classes; each with the reason it is set.
THIRD_PARTY = {
    "HF_HUB_OFFLINE": "huggingface_hub: never reach for a hub at run time (weights ship in the image)",
    "TRANSFORMERS_OFFLINE": "transformers: same as HF_HUB_OFFLINE",
    "TOKENIZERS_PARALLELISM": "tokenizers: no fork warning / no extra threads",
    "HOME": "read-only root filesystem: caches under $HOME go to a writable volume",
}


def settings_modules() -> set[str]:
    """Modules defining a class whose bases name BaseSettings or a *Settings class (parsed, not imported)."""
    found = set()
    for root in CODE_DIRS:
        for path in (REPO / root).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and any(
                        (getattr(b, "id", None) or getattr(b, "attr", "")).endswith("Settings") for b in node.bases):
                    found.add(".".join(path.relative_to(REPO).with_suffix("").parts))
    return found


def settings_classes() -> list[type[BaseSettings]]:
    classes: set[type[BaseSettings]] = set()
    for module in settings_modules():
        for obj in vars(importlib.import_module(module)).values():
            if isinstance(obj, type) and issubclass(obj, BaseSettings) and obj is not BaseSettings \
                    and obj.__module__.split(".")[0] in CODE_DIRS:
                classes.add(obj)
    return sorted((c for c in classes if not any(issubclass(o, c) and o is not c for o in classes)),
                  key=lambda c: c.__qualname__)


def settings_env_names() -> dict[str, str]:
    """ENV_NAME -> 'Class.field' for every leaf settings class."""
    names: dict[str, str] = {}
    for cls in settings_classes():
        prefix = cls.model_config.get("env_prefix", "")
        for field in cls.model_fields:
            names[(prefix + field).upper()] = f"{cls.__qualname__}.{field}"
    return names


def dockerfile_env_names() -> set[str]:
    """Variables the Dockerfile's CMD / HEALTHCHECK expand or read (${PORT:-8000}, os.environ.get("PORT"))."""
    text = (REPO / "deploy" / "Dockerfile").read_text()
    commands = "\n".join(line for line in text.splitlines() if line.lstrip().startswith(("CMD", "HEALTHCHECK", "  CMD")))
    return set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", commands)) | set(re.findall(r"environ\.get\(\\?\"([A-Z_]+)", commands))


def known_env_names() -> dict[str, str]:
    known = settings_env_names()
    known.update({name: "deploy/Dockerfile command" for name in dockerfile_env_names()})
    known.update(THIRD_PARTY)
    return known
