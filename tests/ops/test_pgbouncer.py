"""filmbot behind a real PgBouncer in transaction-pooling mode (issue 14).

In transaction pooling a client's transactions land on whichever server connection is free, so asyncpg's
named prepared statements collide ("prepared statement … already exists / does not exist") and a session
advisory lock would be taken on one server connection and released on another. `DATABASE_POOLER=true`
turns the statement caches off (unique names); `DATABASE_DIRECT_URL` carries the setup lock and migrations.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.store.bootstrap import ensure_ready
from bot.store.db import Database
from bot.store.films import FilmRepository
from bot.store.models import FilmRow
from tests.ops.test_start_together import ARGVS, count_films, small_starter, start_together
from tests.support.catalog import sample_films
from tests.support.pgbouncer import pgbouncer
from tests.support.pgdb import fresh_postgres_url
from tests.support.process import bot_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


async def busy(db: Database, tasks: int = 40) -> None:
    """Many concurrent sessions, each running a few different statements (as a busy bot does)."""

    async def one(i: int) -> None:
        for _ in range(5):
            async with db.session() as session:
                await FilmRepository(session).count()
                await session.execute(select(FilmRow.id).where(FilmRow.year == 2000 + i % 20))
                await session.execute(select(FilmRow.title).where(FilmRow.id == i))

    await asyncio.gather(*(one(i) for i in range(tasks)))


async def test_pooled_database_works_through_pgbouncer(tmp_path: Path) -> None:
    async with fresh_postgres_url() as direct, pgbouncer() as bouncer:
        pooled = bouncer.format(database=make_url(direct).database)
        db = Database(pooled, pooled=True, direct_url=direct)
        try:
            await ensure_ready(db, paths=[small_starter(tmp_path)])
            await busy(db)
            async with db.session() as session:
                assert await FilmRepository(session).count() == len(sample_films())
        finally:
            await db.dispose()


async def test_without_the_setting_asyncpg_statements_collide_in_pgbouncer(tmp_path: Path) -> None:
    """The failure DATABASE_POOLER prevents, shown against the same bouncer (so the test above means something)."""
    async with fresh_postgres_url() as direct, pgbouncer() as bouncer:
        seeded = Database(direct)
        await ensure_ready(seeded, paths=[small_starter(tmp_path)])
        await seeded.dispose()
        db = Database(bouncer.format(database=make_url(direct).database))
        try:
            with pytest.raises(DBAPIError, match="prepared statement"):
                await busy(db)
        finally:
            await db.dispose()


async def test_processes_started_together_through_pgbouncer_all_come_up(tmp_path: Path) -> None:
    async with fresh_postgres_url() as direct, pgbouncer() as bouncer:
        env = bot_env(tmp_path / "unused.sqlite3") | {
            "DATABASE_URL": bouncer.format(database=make_url(direct).database),
            "DATABASE_POOLER": "true",
            "DATABASE_DIRECT_URL": direct,
            "STARTER_CATALOG": "true",
            "STARTER_CATALOG_FILES": json.dumps([str(small_starter(tmp_path))]),
        }
        for code, err in await start_together(env, ARGVS):
            assert code == 0, err[-2000:]
        assert await count_films(direct) == len(sample_films())
