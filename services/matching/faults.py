"""Test-only crash injection: `MATCHING_TEST_CRASH_POINT=<name>` makes the process die (like SIGKILL, no
cleanup) the first time it passes that point. Used by the integration test to prove that a crash between
applying changes and saving the snapshot loses nothing and applies nothing twice. Never set in deployments."""
from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

AFTER_APPLY = "after-apply"  # changes applied in memory, snapshot (with cursor) not yet written
BEFORE_SNAPSHOT_COMMIT = "before-snapshot-commit"  # snapshot files written, CURRENT pointer not yet switched
CRASH_POINTS = {AFTER_APPLY, BEFORE_SNAPSHOT_COMMIT}


def crash_point(name: str, configured: str | None) -> None:
    if configured and configured == name:
        log.error("test crash point %s reached: exiting", name)
        os._exit(97)
