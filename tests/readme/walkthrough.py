"""Reads the walkthrough out of README.md ("## Using it", its bash block): the shell preamble, each curl
command, and the answer each one documents in the `# -> ...` lines under it. Checks an answer against that
documentation (`shape_problems`). No platform needed here; test_walkthrough.py runs the commands."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ANY_OBJECT = "\x00any-object"
ELLIPSIS = "..."


@dataclass
class Step:
    command: str  # one curl command, continuation lines joined
    documented: list[str] = field(default_factory=list)  # the text after `# ->`, continuation lines joined


@dataclass
class Walkthrough:
    preamble: str  # shell lines before the first curl (G=..., ENT=$(...), ...)
    steps: list[Step]


def read(readme: Path, section: str = "## Using it") -> Walkthrough:
    text = readme.read_text(encoding="utf-8")
    start = text.index(section)
    block = re.search(r"```bash\n(.*?)```", text[start:], re.DOTALL)
    if block is None:
        raise ValueError(f"no bash block under {section!r} in {readme}")
    preamble: list[str] = []
    steps: list[Step] = []
    pending = ""
    for line in block.group(1).splitlines():
        if pending:  # inside a command continued with a backslash
            pending += " " + line.strip()
        elif line.startswith("curl "):
            pending = line.strip()
        elif (arrow := re.match(r"#\s*->\s*(.*)", line)) and steps:
            steps[-1].documented.append(arrow.group(1).strip())
        elif line.startswith("#") or not line.strip():
            continue
        elif not steps:
            preamble.append(line)
        if pending and not pending.endswith("\\"):
            steps.append(Step(pending))
            pending = ""
        elif pending:
            pending = pending[:-1].rstrip()
    return Walkthrough("\n".join(preamble), steps)


# ---------------------------------------------------------------- documented answer shapes
def _example_json(doc: str) -> Any:
    """`{"id": "dem_...", "seq": 376, "screening": {...}, ...}` as JSON: `{...}` is any object, a trailing `...`
    allows more keys, a string ending in `...` is a prefix, a number is an example of its type."""
    doc = doc.replace("{...}", json.dumps(ANY_OBJECT))
    doc = re.sub(r",\s*\.\.\.\s*}", "}", doc)
    return json.loads(doc)


def _json_problems(expected: Any, actual: Any, path: str) -> list[str]:
    if expected == ANY_OBJECT:
        return [] if isinstance(actual, dict) else [f"{path}: expected an object, got {actual!r}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        problems = []
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{path}.{key}: missing")
            else:
                problems += _json_problems(value, actual[key], f"{path}.{key}")
        return problems
    if isinstance(expected, str) and expected.endswith(ELLIPSIS):
        ok = isinstance(actual, str) and actual.startswith(expected[: -len(ELLIPSIS)])
        return [] if ok else [f"{path}: expected {expected!r}, got {actual!r}"]
    if isinstance(expected, bool) or not isinstance(expected, (int, float)):
        return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]
    ok = isinstance(actual, type(expected)) and not isinstance(actual, bool)
    return [] if ok else [f"{path}: expected a {type(expected).__name__} like {expected!r}, got {actual!r}"]


def _field_list(doc: str) -> list[tuple[str, list[str]]]:
    """`score, components {dense, lexical}, fit` -> [("score", []), ("components", ["dense", "lexical"]), ("fit", [])]."""
    return [(name, [s.strip() for s in inner.split(",")] if inner else [])
            for name, inner in re.findall(r"(\w+)\s*(?:\{([^}]*)\})?", doc)]


def _hit_problems(doc: str, answer: Any) -> list[str]:
    items = answer.get("items") if isinstance(answer, dict) else None
    if not items:
        return ["expected hits in `items`, got none"]
    problems = []
    for i, hit in enumerate(items):
        for name, subfields in _field_list(doc):
            if name not in hit:
                problems.append(f"items.{i}.{name}: missing")
            for sub in subfields:
                if not isinstance(hit.get(name), dict) or sub not in hit[name]:
                    problems.append(f"items.{i}.{name}.{sub}: missing")
    return problems


def shape_problems(documented: str, answer: Any) -> list[str]:
    """What in `answer` disagrees with the README's `# -> ...` text (empty: it agrees)."""
    if documented.startswith("{"):
        return _json_problems(_example_json(documented), answer, "answer")
    if documented.startswith("each hit:"):
        return _hit_problems(documented.removeprefix("each hit:"), answer)
    raise ValueError(f"the test does not know how to check {documented!r}: teach tests/readme/walkthrough.py")


# ---------------------------------------------------------------- placeholders filled from earlier answers
def learn_placeholders(documented: str, answer: Any) -> dict[str, str]:
    """The README's example values (`dem_...`, `376`) mapped to what this run answered in their place."""
    if not documented.startswith("{"):
        return {}
    learned: dict[str, str] = {}

    def walk(expected: Any, actual: Any) -> None:
        if isinstance(expected, dict) and isinstance(actual, dict):
            for key, value in expected.items():
                if key in actual:
                    walk(value, actual[key])
        elif isinstance(expected, str) and expected.endswith(ELLIPSIS) and isinstance(actual, str):
            learned[expected] = actual
        elif isinstance(expected, int) and not isinstance(expected, bool) and isinstance(actual, int):
            learned[str(expected)] = str(actual)

    walk(_example_json(documented), answer)
    return learned


def fill_placeholders(command: str, learned: dict[str, str], previous_answer: Any) -> str:
    """`dem_...` and example numbers used as JSON values (`"min_seq":376`) become this run's values; `<id>` is the
    id of the answer just before (the README's "<id>" always refers to the record the previous request made)."""
    for example, actual in learned.items():
        if example.endswith(ELLIPSIS):
            command = command.replace(example, actual)
        else:
            command = re.sub(rf'(":\s*){re.escape(example)}\b', rf"\g<1>{actual}", command)
    if "<id>" in command:
        command = command.replace("<id>", previous_answer["id"])
    return command
