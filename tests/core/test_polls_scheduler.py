"""The scheduler closes polls on time with a manual clock: nothing sleeps for real."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.commands import Actor
from bot.polls import movienight_service
from bot.polls.scheduler import ManualClock, PollScheduler
from bot.polls.service import ClosedPoll
from bot.replies import PollCard
from bot.services import Services
from tests.support.catalog import make_services
from tests.support.movienight import open_movie_night

NOW = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)


async def open_poll(services: Services, chat: str, hours: int, *titles: str) -> PollCard:
    return await open_movie_night(services, Actor("telegram", "1", chat), *titles, hours=hours)


async def settle(clock: ManualClock) -> None:
    """Let the scheduler task run until it is asleep again (or done)."""
    for _ in range(200):
        await asyncio.sleep(0.005)
        if clock.sleeping:
            return


async def test_closes_on_time_and_rearms_when_a_poll_opens(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    clock = ManualClock(NOW)
    services.clock = clock.now
    announced: list[ClosedPoll] = []

    async def on_due(closed: ClosedPoll) -> None:
        announced.append(closed)

    mn = movienight_service(services)
    scheduler = PollScheduler(mn, on_due, clock)
    assert await scheduler.start() == []
    try:
        await settle(clock)
        long = await open_poll(services, "a", 48, "parasite", "spirited away")
        await settle(clock)
        short = await open_poll(services, "b", 2, "1917", "amelie")  # re-arms the sleeping task
        await settle(clock)
        clock.advance(timedelta(hours=1, minutes=59))
        await settle(clock)
        assert announced == []
        clock.advance(timedelta(minutes=1))
        await settle(clock)
        assert [c.poll_id for c in announced] == [short.night_id]
        assert announced[0].closed_by is None
        clock.advance(timedelta(hours=46))
        await settle(clock)
        assert [c.poll_id for c in announced] == [short.night_id, long.night_id]
        assert await mn.next_close_at() is None
    finally:
        await scheduler.stop()


async def test_run_due_closes_overdue_polls_and_survives_a_failing_callback(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    services.clock = lambda: NOW
    card = await open_poll(services, "a", 1, "parasite", "spirited away")
    mn = movienight_service(services)
    assert await mn.next_close_at() == NOW + timedelta(hours=1)

    async def broken(closed: ClosedPoll) -> None:
        raise RuntimeError("platform down")

    scheduler = PollScheduler(mn, broken, ManualClock(NOW))
    assert await scheduler.run_due(NOW) == []
    closed = await scheduler.run_due(NOW + timedelta(hours=2))
    assert [c.poll_id for c in closed] == [card.night_id]
    assert await scheduler.run_due(NOW + timedelta(hours=3)) == []  # closed once only
