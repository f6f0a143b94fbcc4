"""Feed events in the registry's ChangeEvent shape, for unit tests of the apply logic."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from shared.schemas import ChangeEvent


def event(seq: int, id_: str, version: int, *, entity: str = "technology", status: str = "published",
          op: str | None = None, **fields: Any) -> ChangeEvent:
    record = None if op == "delete" else {"id": id_, "version": version, "status": status, **fields}
    return ChangeEvent(seq=seq, entity=entity, id=id_, op=op or ("create" if version == 1 else "update"),
                       version=version, at=datetime.now(timezone.utc), record=record)
