"""Movie nights on real databases (a SQLite file and a fresh PostgreSQL schema): restarts and races.

* Restart: votes survive disposing the engine; a fresh process closes the poll at its time, and a close
  missed while down happens as soon as the scheduler starts.
* Concurrency: ~100 votes at once lose nothing, duplicates count once, one member's concurrent answer
  events all land, and a vote racing the close is either counted or refused, never silently dropped.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import build_services
from bot.commands import Actor
from bot.config import Settings
from bot.polls import movienight_service
from bot.polls.scheduler import ManualClock, PollScheduler
from bot.polls.service import ClosedPoll, MovieNightService
from bot.replies import FilmCard, PollCard
from bot.services import Services
from bot.store.bootstrap import ensure_ready
from bot.store.db import Database
from bot.store.films import FilmRepository
from tests.dbutil import POSTGRES_URL, postgres_database, postgres_skip_reason
from tests.support.catalog import sample_films
from tests.support.movienight import open_movie_night
from tests.support.testdb import backend_params

NOW = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)
OPENER = Actor("telegram", "1", "-100", display_name="Alice")
Factory = Callable[[], Database]


@pytest.fixture(params=backend_params())
async def new_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Factory]:
    """A factory of Database handles on one persistent database: each call is a "new process"."""
    async with _backend(request.param, tmp_path) as factory:
        yield factory


@asynccontextmanager
async def _backend(kind: str, tmp_path: Path) -> AsyncIterator[Factory]:
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'movienight.sqlite3'}"
        yield lambda: Database(url)
        return
    reason = await postgres_skip_reason()
    if reason is not None:
        pytest.skip(reason)
    async with postgres_database(migrate=False) as db:
        async with db.engine.connect() as conn:
            schema = (await conn.execute(text("SELECT current_schema()"))).scalar_one()
        yield lambda: Database(POSTGRES_URL, schema=schema)


async def start(db: Database, *, seed_films: bool = False) -> Services:
    await ensure_ready(db, paths=[])
    if seed_films:
        async with db.session() as session, session.begin():
            await FilmRepository(session).upsert_many(sample_films())
    config = Settings(database_url=db.url, starter_catalog=False, _env_file=None)  # type: ignore[call-arg]
    services = await build_services(config, db=db)
    services.clock = lambda: NOW
    return services


async def open_poll(services: Services, *titles: str, hours: int = 24, mode: str = "single") -> PollCard:
    return await open_movie_night(services, OPENER, *titles, hours=hours, mode=mode)


async def test_votes_survive_a_restart_and_the_poll_closes_on_time(new_db: Factory) -> None:
    first = await start(new_db(), seed_films=True)
    card = await open_poll(first, "parasite", "spirited away", "1917")
    mn = movienight_service(first)
    await mn.attach_native_poll(card.night_id, "poll-77", "9001")
    for voter, index in {"a": 1, "b": 1, "c": 0}.items():
        assert (await mn.record_native_vote("telegram", "poll-77", voter, [index])).ok
    await first.db.dispose()

    second = await start(new_db())
    mn2 = movienight_service(second)
    poll = await mn2.open_poll_for_chat("telegram", "-100")
    assert poll is not None and poll.id == card.night_id and poll.platform_poll_id == "poll-77"
    assert await mn2.ballot_of(poll.id, "a") == (card.options[1].film_id,)
    clock = ManualClock(NOW + timedelta(hours=1))
    second.clock = clock.now
    announced: list[ClosedPoll] = []

    async def on_due(closed: ClosedPoll) -> None:
        announced.append(closed)

    scheduler = PollScheduler(mn2, on_due, clock)
    try:
        assert await scheduler.start() == []  # not due yet: a timer is armed from the database
        await _settle(clock)
        clock.advance(timedelta(hours=23))
        for _ in range(200):
            if announced:
                break
            await asyncio.sleep(0.01)
    finally:
        await scheduler.stop()
    assert [c.poll_id for c in announced] == [card.night_id]
    closed = announced[0]
    assert closed.platform_poll_id == "poll-77" and closed.message_id == "9001"
    assert isinstance(closed.announcement, FilmCard) and closed.announcement.title == "Spirited Away"
    assert "3 members voted" in (closed.announcement.notice or "")
    await second.db.dispose()


async def test_a_close_missed_while_down_happens_at_start_up(new_db: Factory) -> None:
    first = await start(new_db(), seed_films=True)
    card = await open_poll(first, "parasite", "spirited away", hours=2)
    assert (await movienight_service(first).record_ballot(card.night_id, "a", [card.options[0].film_id])).ok
    await first.db.dispose()

    second = await start(new_db())
    announced: list[ClosedPoll] = []

    async def on_due(closed: ClosedPoll) -> None:
        announced.append(closed)

    scheduler = PollScheduler(movienight_service(second), on_due, ManualClock(NOW + timedelta(hours=5)))
    try:
        closed = await scheduler.start()
    finally:
        await scheduler.stop()
    assert [c.poll_id for c in closed] == [c.poll_id for c in announced] == [card.night_id]
    assert closed[0].winner_film_id == card.options[0].film_id
    await second.db.dispose()


async def test_a_hundred_concurrent_votes_lose_nothing(new_db: Factory) -> None:
    services = await start(new_db(), seed_films=True)
    card = await open_poll(services, "parasite", "spirited away", "1917", "amelie")
    mn = movienight_service(services)
    await mn.attach_native_poll(card.night_id, "p1", None)
    votes = {f"v{i}": i % 4 for i in range(100)}
    receipts = await asyncio.gather(
        *(mn.record_native_vote("telegram", "p1", voter, [index]) for voter, index in votes.items()),
        # the same members again, twice: a duplicate counts once
        *(mn.record_native_vote("telegram", "p1", voter, [index]) for voter, index in list(votes.items())[:30]),
    )
    assert all(r.ok for r in receipts)
    closed = await mn.close(card.night_id, OPENER)
    assert isinstance(closed, ClosedPoll)
    notice = closed.announcement.notice if isinstance(closed.announcement, FilmCard) else ""
    assert "100 members voted" in (notice or "")
    assert (notice or "").count("— 25 votes") == 4
    await services.db.dispose()


async def test_one_members_concurrent_answer_events_all_land(new_db: Factory) -> None:
    services = await start(new_db(), seed_films=True)
    card = await open_poll(services, "parasite", "spirited away", "1917", "amelie", mode="multiple")
    mn = movienight_service(services)
    await mn.attach_native_poll(card.night_id, "p2", None)
    # Discord sends one event per answer; read-modify-write without the row lock would lose some.
    await asyncio.gather(*(mn.add_native_answer("telegram", "p2", "m", i) for i in range(4) for _ in range(5)))
    assert sorted(await mn.ballot_of(card.night_id, "m")) == sorted(o.film_id for o in card.options)
    # Twenty concurrent whole-ballot changes by one member leave exactly one of them.
    await asyncio.gather(*(mn.record_native_vote("telegram", "p2", "n", [i % 4]) for i in range(20)))
    assert len(await mn.ballot_of(card.night_id, "n")) == 1
    await services.db.dispose()


async def test_votes_racing_the_close_are_counted_or_refused(new_db: Factory) -> None:
    services = await start(new_db(), seed_films=True)
    card = await open_poll(services, "parasite", "spirited away")
    mn: MovieNightService = movienight_service(services)
    film = card.options[0].film_id

    async def vote(i: int) -> bool:
        return (await mn.record_ballot(card.night_id, f"r{i}", [film])).ok

    tasks = [asyncio.ensure_future(vote(i)) for i in range(60)]
    await asyncio.sleep(0)
    closed = await mn.close(card.night_id, OPENER)
    accepted = sum(await asyncio.gather(*tasks))
    assert isinstance(closed, ClosedPoll)
    poll = await mn.poll(card.night_id)
    assert poll is not None and poll.voters == accepted
    await services.db.dispose()


async def _settle(clock: ManualClock) -> None:
    for _ in range(200):
        await asyncio.sleep(0.005)
        if clock.sleeping:
            return
