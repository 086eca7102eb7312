"""Several bot processes on one PostgreSQL database: votes count once, a due poll is announced once.

Each "process" is its own `Database` (own engine, own connections) and its own services and scheduler, as
separate `filmbot run` processes would have; they act at the same moment on one schema. The guarantees
come from the database: a ballot is one row per (poll, voter) written under that row's lock, and the close
is `UPDATE … WHERE closed_at IS NULL` committed before the announcement, so only the process whose UPDATE
changed the row announces.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.app import build_services
from bot.commands import Actor
from bot.config import Settings
from bot.polls import movienight_service
from bot.polls.announce import SharedScheduler
from bot.polls.scheduler import ManualClock
from bot.polls.service import ClosedPoll
from bot.replies import FilmCard, PollCard
from bot.services import Services
from bot.store.bootstrap import ensure_ready
from bot.store.db import Database
from bot.store.films import FilmRepository
from tests.dbutil import POSTGRES_URL, postgres_database, postgres_skip_reason
from tests.support.catalog import sample_films
from tests.support.movienight import open_movie_night

pytestmark = pytest.mark.postgres
NOW = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)
PROCESSES = 4
CHATS = 6
TITLES = ("parasite", "spirited away", "1917", "amelie")


@pytest.fixture
async def cluster() -> AsyncIterator[list[Services]]:
    """PROCESSES independent service stacks on one fresh PostgreSQL schema holding the sample films."""
    if (reason := await postgres_skip_reason()) is not None:
        pytest.skip(reason)
    async with postgres_database() as first:
        async with first.engine.connect() as conn:
            schema = (await conn.execute(text("SELECT current_schema()"))).scalar_one()
        async with first.write() as session:
            await FilmRepository(session).upsert_many(sample_films())
        config = Settings(database_url=POSTGRES_URL, starter_catalog=False, _env_file=None)  # type: ignore[call-arg]
        stacks: list[Services] = []
        try:
            for _ in range(PROCESSES):
                db = Database(POSTGRES_URL, schema=schema)
                await ensure_ready(db, paths=[])
                services = await build_services(config, db=db)
                services.clock = lambda: NOW
                stacks.append(services)
            yield stacks
        finally:
            for services in stacks:
                await services.db.dispose()


async def open_poll(services: Services, chat: str) -> PollCard:
    return await open_movie_night(services, Actor("telegram", "1", chat, display_name="Alice"), *TITLES, hours=2)


async def test_votes_from_several_processes_are_counted_exactly_once(cluster: list[Services]) -> None:
    card = await open_poll(cluster[0], "-100")
    await movienight_service(cluster[0]).attach_native_poll(card.night_id, "native-1", None)
    voters = {f"v{i}": i % len(TITLES) for i in range(120)}
    # Every process receives every vote (a member's update may be retried or delivered to any worker).
    receipts = await asyncio.gather(
        *(
            movienight_service(services).record_native_vote("telegram", "native-1", voter, [index])
            for services in cluster
            for voter, index in voters.items()
        )
    )
    assert all(r.ok for r in receipts)
    closed = await movienight_service(cluster[1]).close(card.night_id, Actor("telegram", "1", "-100"))
    assert isinstance(closed, ClosedPoll) and isinstance(closed.announcement, FilmCard)
    notice = closed.announcement.notice or ""
    assert "120 members voted" in notice
    assert notice.count("— 30 votes") == len(TITLES)


async def test_due_polls_are_closed_and_announced_once_across_processes(cluster: list[Services]) -> None:
    cards = [await open_poll(cluster[i % PROCESSES], f"-{200 + i}") for i in range(CHATS)]
    for i, card in enumerate(cards):
        mn = movienight_service(cluster[(i + 1) % PROCESSES])
        assert (await mn.record_ballot(card.night_id, "voter", [card.options[i % len(TITLES)].film_id])).ok
    announced: list[tuple[int, int]] = []  # (process, poll id)
    schedulers = []
    for number, services in enumerate(cluster):
        scheduler = SharedScheduler(movienight_service(services), ManualClock(NOW + timedelta(hours=3)))

        async def announce(closed: ClosedPoll, number: int = number) -> None:
            announced.append((number, closed.poll_id))

        scheduler.announcers["telegram"] = announce
        scheduler.platforms.add("telegram")
        schedulers.append(scheduler)
    # Every process's scheduler reaches the same due polls at the same moment.
    closed = await asyncio.gather(*(s.run_due(NOW + timedelta(hours=3)) for s in schedulers))
    ids = sorted(poll_id for _, poll_id in announced)
    assert ids == sorted(card.night_id for card in cards), announced
    assert sum(len(c) for c in closed) == CHATS
    for card in cards:
        poll = await movienight_service(cluster[0]).poll(card.night_id)
        assert poll is not None and not poll.is_open and poll.voters == 1
