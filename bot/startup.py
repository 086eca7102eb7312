"""Start-up of the platform adapters: retry timing, and the one error that ends a start with a clear reason."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator


class StartupFailed(Exception):
    """An adapter cannot start for a reason the operator must fix (e.g. a rejected token); `str()` says
    what to do, in one line. `filmbot run` logs it without a traceback and exits 1."""


def backoff_delays(base: float = 1.0, cap: float = 60.0, rng: random.Random | None = None) -> Iterator[float]:
    """Seconds to wait before each retry: doubling from `base` up to `cap`, each with "equal jitter"
    (a random point in the upper half), so many bots restarted together do not retry in step."""
    rng = rng or random.Random()
    attempt = 0
    while True:
        ceiling = min(cap, base * 2**attempt)
        yield rng.uniform(ceiling / 2, ceiling)
        attempt = min(attempt + 1, 32)


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds` unless `stop` is set first; True when stopping."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return False
    return True
