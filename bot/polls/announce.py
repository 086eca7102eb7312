"""One movie-night scheduler per process, closing only the polls of platforms whose adapter is running.

Why one, and why filtered: `PollScheduler.run_due` closes every due poll it is shown. Two schedulers in one
process (Discord and Telegram) would each close the other's polls; a Discord-only process sharing a database
with a Telegram-only one would close Telegram polls that no one then announces; and a poll must not close
before its adapter has re-read the votes cast while the bot was down. So the one scheduler lives in
`services.extras`; each adapter, once connected and resynced, registers its platform with the announcer that
posts the result in that platform's chats, and the scheduler then sees that platform's polls.

    closed_while_down = await announcements(services).register("telegram", announce)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.polls.scheduler import Clock, PollScheduler

if TYPE_CHECKING:
    from bot.polls.service import ClosedPoll, MovieNightService
    from bot.services import Services

log = logging.getLogger(__name__)

EXTRAS_KEY = "movienight.scheduler"
Announce = Callable[["ClosedPoll"], Awaitable[None]]


class SharedScheduler:
    """Platform -> announcer; started when the first platform registers, stopped with the last one."""

    def __init__(self, service: MovieNightService, clock: Clock | None = None) -> None:
        self.announcers: dict[str, Announce] = {}
        self.scheduler = PollScheduler(service, self._on_due, clock, platforms=set())

    @property
    def platforms(self) -> set[str]:
        assert self.scheduler.platforms is not None
        return self.scheduler.platforms

    async def register(self, platform: str, announce: Announce) -> list[ClosedPoll]:
        """Start closing `platform`'s polls on time; returns (and announces) those that came due while down."""
        self.announcers[platform] = announce
        self.platforms.add(platform)
        # The catch-up closes first; only then is the running task told to re-read the timetable (it closes
        # under the same lock), so the polls that came due while down are the ones returned here.
        closed = await self.scheduler.start()
        self.scheduler.rearm()
        return closed

    async def unregister(self, platform: str) -> None:
        self.announcers.pop(platform, None)
        self.platforms.discard(platform)
        if not self.announcers:
            await self.scheduler.stop()

    async def run_due(self, now: datetime) -> list[ClosedPoll]:
        """Close the registered platforms' polls due at `now` (tests drive time with this)."""
        return await self.scheduler.run_due(now)

    async def __call__(self, closed: ClosedPoll) -> None:
        """Usable as a `PollScheduler`'s on_due too: hand a closed poll to its platform's announcer."""
        await self._on_due(closed)

    async def _on_due(self, closed: ClosedPoll) -> None:
        announce = self.announcers.get(closed.platform)
        if announce is None:
            log.warning("movie night %s closed but no %s adapter is running", closed.poll_id, closed.platform)
            return
        await announce(closed)


def announcements(services: Services, clock: Clock | None = None) -> SharedScheduler:
    """The process's scheduler (built on first use; `clock` only matters then — tests pass a ManualClock)."""
    from bot.polls import movienight_service

    found = services.extras.get(EXTRAS_KEY)
    if isinstance(found, SharedScheduler):
        return found
    built = SharedScheduler(movienight_service(services), clock)
    services.extras[EXTRAS_KEY] = built
    return built


shared_scheduler = announcements
