"""Every end-to-end test runs its event loop in asyncio debug mode with a 50 ms slow-callback limit, and fails
when a callback held the loop longer (the "Executing <...> took 0.123 seconds" record of the `asyncio`
logger) while computing for at least 50 ms of the loop thread's CPU time: a callback that only waited for a
busy machine or for the GIL is reported in the log but does not fail (bot/loopwatch.py). A step of the test's
own coroutine (harness code) is not the bot's and does not fail either. Child processes
get the same through ASYNCIO_DEBUG (see tests/support/process.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from bot.loopwatch import SLOW_MESSAGE, blocked_the_loop, watch_event_loop


class _SlowCallbacks(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, str) and record.msg.startswith(SLOW_MESSAGE):
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
    # The test's own coroutine is harness (starting fakes, reading metrics, building clients): the loop guard is
    # for the bot's tasks, in this process (handlers, jobs) and in the `filmbot` processes a test starts.
    harness = f"coro=<{getattr(getattr(request.node, 'obj', None), '__name__', '?')}() "
    blocked = [r for r in handler.records if blocked_the_loop(r) and harness not in r]
    assert not blocked, "the event loop was blocked:\n" + "\n".join(blocked)


@pytest.fixture
async def _debug_loop() -> None:
    watch_event_loop(asyncio.get_running_loop())


@pytest.fixture(scope="session", autouse=True)
def _specs_loaded() -> None:
    """Parse the platform API specs once, before any test's loop runs (0.1-0.3 s of CPU each: harness work)."""
    from tests.specs.discord_spec import SPEC_PATH as DISCORD_SPEC
    from tests.specs.discord_spec import DiscordSpec
    from tests.specs.telegram_spec import SPEC_PATH as TELEGRAM_SPEC
    from tests.specs.telegram_spec import TelegramSpec

    if TELEGRAM_SPEC.exists():
        TelegramSpec.load()
    if DISCORD_SPEC.exists():
        DiscordSpec.load()
