"""Close polls on time: one asyncio task that sleeps until the next close and hands results to the adapter.

The database is the only timetable: at start-up (and after every wake-up) the next close time is read
from it, so a restart rebuilds every timer and a close missed while the bot was down happens at once.
Opening a poll wakes the task (the service's open listener) so a shorter poll re-arms it; the task also
re-reads at least hourly, which covers polls opened by another process on the same database. Two
processes closing the same poll is harmless: only the one whose UPDATE wins announces it.

The clock is injected: tests use `ManualClock` (time moves only when told) or call `run_due(now)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.i18n import speaking

if TYPE_CHECKING:
    from bot.polls.service import ClosedPoll, MovieNightService

log = logging.getLogger(__name__)
MAX_SLEEP_SECONDS = 3600.0
ERROR_BACKOFF_SECONDS = 30.0


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Wall-clock time in UTC and asyncio's sleep."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ManualClock:
    """A clock for tests: `sleep` returns only when `advance` moves time past its deadline."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (self._now + timedelta(seconds=seconds), future)
        self._sleepers.append(entry)
        try:
            if seconds <= 0:
                return
            await future
        finally:
            self._sleepers.remove(entry)

    @property
    def sleeping(self) -> int:
        return sum(1 for _, f in self._sleepers if not f.done())

    def advance(self, delta: timedelta) -> None:
        self._now += delta
        for deadline, future in self._sleepers:
            if deadline <= self._now and not future.done():
                future.set_result(None)


OnDue = Callable[["ClosedPoll"], Awaitable[None]]


class PollScheduler:
    def __init__(
        self,
        service: MovieNightService,
        on_due: OnDue,
        clock: Clock | None = None,
        *,
        max_sleep: float = MAX_SLEEP_SECONDS,
        platforms: set[str] | None = None,
    ) -> None:
        """`platforms`: close only those platforms' polls (None: all). The set may change while running."""
        self.service = service
        self.platforms = platforms
        self.on_due = on_due
        self.clock: Clock = clock or SystemClock()
        self.max_sleep = max_sleep
        self._wake = asyncio.Event()
        self._closing = asyncio.Lock()  # one `run_due` at a time: the task's and a start-up catch-up
        self._task: asyncio.Task[None] | None = None
        service.add_open_listener(self.rearm)

    def rearm(self) -> None:
        """Wake the task to re-read the next close time (a poll just opened)."""
        self._wake.set()

    async def start(self) -> list[ClosedPoll]:
        """Close whatever became due while we were down, then keep closing polls on time."""
        closed = await self.run_due(self.clock.now())
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="movienight-scheduler")
        return closed

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run_due(self, now: datetime) -> list[ClosedPoll]:
        """Close every poll due at `now`; each result goes to `on_due` after its close is committed.

        Runs one at a time in this process: otherwise the task (woken by a new poll or a registration) and a
        catch-up would both close the same poll, and which of them returned it would depend on timing."""
        async with self._closing:
            return await self._run_due(now)

    async def _run_due(self, now: datetime) -> list[ClosedPoll]:
        from bot.polls.service import ClosedPoll

        out: list[ClosedPoll] = []
        for poll in await self.service.due_polls(now, self.platforms):
            # A scheduled post speaks the group's language (its setting, else the chat's default), never the
            # language of whoever voted last.
            with speaking(await self.service.languages.group_language(poll.platform, poll.chat_id)):
                result = await self.service.close(poll.id, None, now)
                if not isinstance(result, ClosedPoll):
                    continue  # another process closed it first
                out.append(result)
                try:
                    await self.on_due(result)
                except Exception:
                    log.exception("announcing movie night %s in %s:%s failed", poll.id, poll.platform, poll.chat_id)
        return out

    async def _run(self) -> None:
        while True:
            try:
                self._wake.clear()
                await self._sleep_until_due()
                await self.run_due(self.clock.now())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("movie-night scheduler failed; retrying in %s s", ERROR_BACKOFF_SECONDS)
                await self.clock.sleep(ERROR_BACKOFF_SECONDS)

    async def _sleep_until_due(self) -> None:
        next_close = await self.service.next_close_at(self.platforms)
        delay = self.max_sleep
        if next_close is not None:
            delay = min(delay, (next_close - self.clock.now()).total_seconds())
        if delay <= 0:
            return
        sleeper = asyncio.ensure_future(self.clock.sleep(delay))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for future in (sleeper, waker):
                future.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)
