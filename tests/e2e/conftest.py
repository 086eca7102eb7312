"""Every end-to-end test runs its event loop in asyncio debug mode with a 50 ms slow-callback limit, and fails
when any callback held the loop longer (the "Executing <...> took 0.123 seconds" record of the `asyncio`
logger). Child processes get the same through ASYNCIO_DEBUG (see tests/support/process.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from bot.app import watch_event_loop


class _SlowCallbacks(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "Executing %s took %.3f seconds":
            self.records.append(record.getMessage())


@pytest.fixture(autouse=True)
def loop_never_blocks(request: pytest.FixtureRequest) -> Iterator[None]:
    handler = _SlowCallbacks()
    asyncio_log = logging.getLogger("asyncio")
    asyncio_log.addHandler(handler)
    if asyncio.iscoroutinefunction(getattr(request.node, "obj", None)):
        request.getfixturevalue("_debug_loop")
    try:
        yield
    finally:
        asyncio_log.removeHandler(handler)
    assert not handler.records, "the event loop was blocked:\n" + "\n".join(handler.records)


@pytest.fixture
async def _debug_loop() -> None:
    watch_event_loop(asyncio.get_running_loop())
