"""The trading clock: notice periods, auction ends and tender deadlines are decided by `clock(request)`.

Production uses the wall clock; tests set `app.state.trading_clock` to a `ManualClock` and move it, so no test
sleeps. Services take the current time as a parameter (`at`), never read a clock themselves.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


class ManualClock:
    """A clock tests set and advance (thread-safe enough: reads and writes of one attribute)."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current = self.current + timedelta(**delta)
        return self.current

    def set(self, at: datetime) -> None:
        self.current = at


async def current_time(request: Request) -> datetime:  # async: no I/O, so no thread-pool hop
    clock: Clock = getattr(request.app.state, "trading_clock", None) or wall_clock
    return clock()


NowDep = Annotated[datetime, Depends(current_time)]
