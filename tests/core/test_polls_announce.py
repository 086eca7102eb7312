"""One scheduler per process serves every adapter: it closes only the polls of platforms that registered."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.commands import Actor
from bot.polls.scheduler import ManualClock
from bot.polls.service import ClosedPoll
from bot.replies import PollCard
from bot.services import Services
from tests.support.catalog import make_services
from tests.support.movienight import open_movie_night

NOW = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)


async def open_poll(services: Services, platform: str, chat: str, *titles: str) -> PollCard:
    return await open_movie_night(services, Actor(platform, "1", chat), *titles, hours=2)


async def test_only_registered_platforms_polls_close_and_each_goes_to_its_adapter(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    clock = ManualClock(NOW)
    services.clock = clock.now
    shared = services.scheduler
    shared.use_clock(clock)
    seen: list[tuple[str, str]] = []

    async def telegram(closed: ClosedPoll) -> None:
        seen.append(("telegram", closed.chat_id))

    async def discord(closed: ClosedPoll) -> None:
        seen.append(("discord", closed.chat_id))

    try:
        await open_poll(services, "telegram", "-100", "parasite", "spirited away")
        await open_poll(services, "discord", "555", "1917", "amelie")
        clock.advance(timedelta(hours=3))
        # Telegram connects first: only its overdue poll closes; Discord's waits for its adapter (and resync).
        closed = await shared.register("telegram", telegram)
        assert [c.platform for c in closed] == ["telegram"] and seen == [("telegram", "-100")]
        assert await shared.run_due(clock.now()) == []
        closed = await shared.register("discord", discord)
        assert [c.platform for c in closed] == ["discord"] and seen[-1] == ("discord", "555")
    finally:
        await shared.unregister("telegram")
        await shared.unregister("discord")
        await services.db.dispose()


async def test_a_registration_catch_up_and_the_running_task_never_close_at_once(tmp_path: Path) -> None:
    """The cause of a once-seen flake: registering Discord woke the scheduler task, which closed Discord's
    overdue poll while the registration's own catch-up did, so `register` sometimes returned nothing."""
    services = await make_services(tmp_path)
    clock = ManualClock(NOW)
    services.clock = clock.now
    shared = services.scheduler
    shared.use_clock(clock)
    service = shared.scheduler.service
    real_close = service.close
    inside: list[str] = []
    overlaps: list[tuple[str, ...]] = []

    async def close(*args: Any, **kwargs: Any) -> Any:
        task = asyncio.current_task()
        inside.append(task.get_name() if task else "?")
        if len(inside) > 1:
            overlaps.append(tuple(inside))
        try:
            for _ in range(5):  # give the other runner every chance to interleave
                await asyncio.sleep(0)
            return await real_close(*args, **kwargs)
        finally:
            inside.pop()

    service.close = close  # type: ignore[method-assign]
    seen: list[str] = []

    async def announce(closed: ClosedPoll) -> None:
        seen.append(closed.chat_id)

    try:
        await shared.register("telegram", announce)  # the task now runs, asleep until the next close
        await open_poll(services, "discord", "555", "1917", "amelie")
        clock.advance(timedelta(hours=3))
        closed = await shared.register("discord", announce)
        for _ in range(50):
            await asyncio.sleep(0)  # let the woken task finish its pass
        assert [c.chat_id for c in closed] == ["555"]
        assert seen == ["555"] and overlaps == []
    finally:
        await shared.unregister("telegram")
        await shared.unregister("discord")
        await services.db.dispose()
