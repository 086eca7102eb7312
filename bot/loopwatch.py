"""Diagnosis: asyncio debug mode with a 50 ms slow-callback limit, each warning saying how much of that time
the loop thread spent computing.

asyncio measures a callback's wall time, which also grows when the machine is busy (the process is not
scheduled) or another thread holds the GIL. To tell our own blocking code from those, every callback's CPU
time on the loop thread is measured too and appended to asyncio's warning: "Executing <...> took 0.081
seconds (cpu 0.012 s)". Installed only when asked (ASYNCIO_DEBUG, the end-to-end tests); never at import.
"""

from __future__ import annotations

import asyncio
import asyncio.events
import logging
import re
import threading
import time
from typing import Any

SLOW_CALLBACK_SECONDS = 0.05  # longer than this, and a burst of commands starts missing Discord's 3 s deadline
SLOW_MESSAGE = "Executing %s took %.3f seconds"
CPU_NOTE = re.compile(r"\(cpu (\d+\.\d+) s\)")

_last = threading.local()  # CPU seconds of the callback that just ran on this thread


def watch_event_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Debug mode on `loop`: callbacks holding it past 50 ms are logged by the `asyncio` logger."""
    _time_callbacks()
    loop.set_debug(True)
    loop.slow_callback_duration = SLOW_CALLBACK_SECONDS
    asyncio_log = logging.getLogger("asyncio")
    if not any(isinstance(f, _CpuNote) for f in asyncio_log.filters):
        asyncio_log.addFilter(_CpuNote())


def cpu_seconds(message: str) -> float | None:
    """The loop-thread CPU time noted in a slow-callback warning (None when there is no note)."""
    found = CPU_NOTE.search(message)
    return float(found.group(1)) if found else None


def blocked_the_loop(message: str) -> bool:
    """A slow-callback warning our code caused: at least 50 ms of CPU on the loop thread (or unknown)."""
    cpu = cpu_seconds(message)
    return cpu is None or cpu >= SLOW_CALLBACK_SECONDS


def _time_callbacks() -> None:
    run = asyncio.events.Handle._run
    if getattr(run, "cpu_timed", False):
        return

    def _run(self: asyncio.events.Handle) -> Any:
        start = time.thread_time()
        try:
            return run(self)
        finally:
            _last.cpu = time.thread_time() - start

    _run.cpu_timed = True  # type: ignore[attr-defined]
    asyncio.events.Handle._run = _run  # type: ignore[method-assign]


class _CpuNote(logging.Filter):
    """Appends the callback's CPU time to asyncio's slow-callback warning (logged right after it ran)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == SLOW_MESSAGE and hasattr(_last, "cpu"):
            record.msg = SLOW_MESSAGE + f" (cpu {_last.cpu:.3f} s)"
        return True
