"""Route closed polls to the platform that hosts them: one scheduler per process serves every adapter.

The scheduler closes any platform's poll; the adapter of that platform knows how to post the winner. Each
adapter registers one announcer at start-up. A poll closed before its platform registered (polls that came
due while the bot was down are closed at once, possibly before an adapter has connected) waits here and is
announced as soon as that platform registers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.polls.service import ClosedPoll
    from bot.services import Services

log = logging.getLogger(__name__)

Announcer = Callable[["ClosedPoll"], Awaitable[None]]
EXTRAS_KEY = "movienight_announcers"
MAX_WAITING = 1000


class AnnouncementRouter:
    def __init__(self) -> None:
        self._announcers: dict[str, Announcer] = {}
        self._waiting: list[ClosedPoll] = []

    async def register(self, platform: str, announcer: Announcer) -> None:
        """Announce this platform's closed polls with `announcer` from now on (and any that were waiting)."""
        self._announcers[platform] = announcer
        ready = [p for p in self._waiting if p.platform == platform]
        self._waiting = [p for p in self._waiting if p.platform != platform]
        for closed in ready:
            await self._announce(announcer, closed)

    def unregister(self, platform: str) -> None:
        self._announcers.pop(platform, None)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def __call__(self, closed: ClosedPoll) -> None:
        announcer = self._announcers.get(closed.platform)
        if announcer is None:
            if len(self._waiting) < MAX_WAITING:
                self._waiting.append(closed)
            log.info(
                "movie night %s closed; %s is not connected yet, announcing later", closed.poll_id, closed.platform
            )
            return
        await self._announce(announcer, closed)

    async def _announce(self, announcer: Announcer, closed: ClosedPoll) -> None:
        try:
            await announcer(closed)
        except Exception:
            log.exception("announcing movie night %s in %s:%s failed", closed.poll_id, closed.platform, closed.chat_id)


def announcements(services: Services) -> AnnouncementRouter:
    """The process's router (created on first use), shared by the scheduler and every adapter."""
    router = services.extras.get(EXTRAS_KEY)
    if router is None:
        router = services.extras[EXTRAS_KEY] = AnnouncementRouter()
    assert isinstance(router, AnnouncementRouter)
    return router
