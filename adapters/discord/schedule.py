"""One movie-night scheduler per process, closing only the polls of platforms that have an adapter running.

Why not a `PollScheduler` per adapter: `PollScheduler.run_due` closes every due poll, whatever its platform,
and hands it to its own `on_due`. Two schedulers in one process (Discord and Telegram) would each close the
other's polls; a Discord-only process sharing a database with a Telegram-only one would close Telegram polls
that no one then announces. So the one scheduler lives in `services.extras`, each adapter registers its
platform with the announcer for that platform, and the scheduler sees only the registered platforms' polls.

This is a small helper in the Discord adapter until the lead moves it to the core (bot/polls); Telegram can
use it as is: `await shared_scheduler(services).register("telegram", announce)`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from bot.polls import movienight_service
from bot.polls.scheduler import Clock, PollScheduler

if TYPE_CHECKING:
    from bot.polls.service import ClosedPoll, MovieNightService
    from bot.polls.store import PollInfo
    from bot.services import Services

log = logging.getLogger(__name__)

EXTRAS_KEY = "movienight.scheduler"
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
Announce = Callable[["ClosedPoll"], Awaitable[None]]


class _PlatformPolls:
    """The part of MovieNightService the scheduler uses, narrowed to some platforms' polls."""

    def __init__(self, service: MovieNightService, platforms: set[str]) -> None:
        self.service = service
        self.platforms = platforms

    def add_open_listener(self, callback: Callable[[], None]) -> None:
        self.service.add_open_listener(callback)

    async def due_polls(self, now: datetime) -> list[PollInfo]:
        return [p for p in await self.service.due_polls(now) if p.platform in self.platforms]

    async def next_close_at(self) -> datetime | None:
        # Open polls are few (one per group at most), so reading them all is cheap and never busy-loops on
        # another platform's overdue poll the way the unfiltered next_close_at would.
        times = [p.closes_at for p in await self.due_polls(FAR_FUTURE)]
        return min(times, default=None)

    async def close(self, target: int, actor: None, now: datetime | None = None) -> Any:
        return await self.service.close(target, actor, now)


class SharedScheduler:
    """Platform -> announcer; started when the first platform registers, stopped with the last one."""

    def __init__(self, service: MovieNightService, clock: Clock | None = None) -> None:
        self.announcers: dict[str, Announce] = {}
        self.polls = _PlatformPolls(service, set())
        self.scheduler = PollScheduler(cast("MovieNightService", self.polls), self._on_due, clock)

    async def register(self, platform: str, announce: Announce) -> list[ClosedPoll]:
        """Start closing `platform`'s polls on time; returns those that became due while it was down."""
        self.announcers[platform] = announce
        self.polls.platforms.add(platform)
        self.scheduler.rearm()
        return await self.scheduler.start()

    async def unregister(self, platform: str) -> None:
        self.announcers.pop(platform, None)
        self.polls.platforms.discard(platform)
        if not self.announcers:
            await self.scheduler.stop()

    async def _on_due(self, closed: ClosedPoll) -> None:
        announce = self.announcers.get(closed.platform)
        if announce is None:
            log.warning("movie night %s closed but no %s adapter is running", closed.poll_id, closed.platform)
            return
        await announce(closed)


def shared_scheduler(services: Services, clock: Clock | None = None) -> SharedScheduler:
    """The process's scheduler (built on first use; `clock` only matters then - tests pass a ManualClock)."""
    found = services.extras.get(EXTRAS_KEY)
    if isinstance(found, SharedScheduler):
        return found
    built = SharedScheduler(movienight_service(services), clock)
    services.extras[EXTRAS_KEY] = built
    return built
