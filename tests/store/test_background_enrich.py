"""Enrichment in `filmbot run`'s background (SOURCES__ENRICH_IN_BACKGROUND): fills gaps from the fake TMDB,
keeps an admin's edit, runs in one process per database (the lock), and stops at once on shutdown."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.commands import Actor
from bot.config import Settings
from bot.curation.store import CurationRepository
from bot.films.model import Film
from bot.sources.background import LOCK_NAME, enrich_in_background
from bot.store.db import Database
from bot.store.films import FilmRepository
from bot.store.locks import try_lock
from tests.fakes.sources import FakeTmdb, running_sources

ADMIN = Actor("telegram", "42", "42", is_owner=True, display_name="Ann")


@pytest.fixture
async def tmdb() -> AsyncIterator[FakeTmdb]:
    async with running_sources() as (server, _):
        yield server


def settings_for(tmdb: FakeTmdb) -> Settings:
    return Settings.model_validate(
        {
            "tmdb": {"read_token": tmdb.token, "base_url": tmdb.url},
            "sources": {"enrich_in_background": True, "background_per_second": 10},
        }
    )


async def stored(db: Database, film: Film) -> int:
    async with db.write() as session:
        added = await FilmRepository(session).add(film)
    assert added.id is not None
    return added.id


async def film(db: Database, film_id: int) -> Film:
    async with db.session() as session:
        got = await FilmRepository(session).get(film_id)
    assert got is not None
    return got


async def until(check: object, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not within the time")


async def test_background_enrichment_fills_gaps_keeps_edits_and_stops_on_shutdown(db: Database, tmdb: FakeTmdb) -> None:
    busan = await stored(db, Film("Train to Busan", year=2016, external_ids={"tmdb": "396535"}))
    parasite = await stored(db, Film("Parasite", year=2019, external_ids={"imdb": "tt6751668"}))
    async with db.write() as session:  # an admin cleared Parasite's trailer on purpose
        await CurationRepository(session).add_audit(
            ADMIN, "edit", at=datetime.now(UTC), film_id=parasite, field="trailer_url", old="x", new=None
        )
    stop = asyncio.Event()
    task = asyncio.create_task(enrich_in_background(settings_for(tmdb), db, stop))

    async def both_done() -> bool:
        return (await film(db, busan)).trailer_url is not None and (await film(db, parasite)).runtime_minutes == 133

    await until(both_done)
    assert (await film(db, busan)).trailer_url == "https://www.youtube.com/watch?v=pyWuHv2-Abk"
    assert (await film(db, parasite)).trailer_url is None  # the admin's edit stands
    async with db.session() as session:
        log = await CurationRepository(session).audit(busan)
    assert log[0].action == "enrich" and log[0].display_name == "background enrichment"
    started = time.perf_counter()
    stop.set()  # it is pausing until the next pass now: shutdown does not wait for that
    await asyncio.wait_for(task, 5)
    assert time.perf_counter() - started < 2


async def test_one_process_per_database_enriches(db: Database, tmdb: FakeTmdb) -> None:
    busan = await stored(db, Film("Train to Busan", year=2016, external_ids={"tmdb": "396535"}))
    stop = asyncio.Event()
    async with try_lock(db, LOCK_NAME) as held:  # another process is enriching
        assert held
        task = asyncio.create_task(enrich_in_background(settings_for(tmdb), db, stop, lock_retry=0.1))
        await asyncio.sleep(0.5)
        assert tmdb.requests == [] and (await film(db, busan)).trailer_url is None
        async with try_lock(db, LOCK_NAME) as second:
            assert not second  # the lock is not taken twice
    # that process stopped: this one takes over within a retry

    async def filled() -> bool:
        return (await film(db, busan)).trailer_url is not None

    await until(filled)
    stop.set()
    await asyncio.wait_for(task, 5)


async def test_no_source_configured_ends_quietly(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    stop = asyncio.Event()
    settings = Settings.model_validate({"sources": {"enrich_in_background": True}})
    await asyncio.wait_for(enrich_in_background(settings, db, stop), 5)
    assert "no source is configured" in caplog.text
