"""Catalog changes reach other processes through PostgreSQL LISTEN/NOTIFY (issue 14).

Each test gets a whole fresh database: notification channels are per database, and other suites share the
`test` one. Waits are generous deadlines, never the measure (bench/catalog_propagation.py measures).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import build_services
from bot.config import Settings
from bot.films.model import Film
from bot.services import Services
from bot.store.bootstrap import ensure_ready
from bot.store.db import Database
from bot.store.films import FilmRepository
from bot.store.notify import CatalogListener
from tests.support.pgdb import fresh_postgres_url

PASSWORD = "n0tify-s3cret"  # the local server trusts every login, so a password can be set and must never show


@pytest.fixture
async def url() -> AsyncIterator[str]:
    async with fresh_postgres_url() as plain:
        with_password = make_url(plain).set(password=PASSWORD).render_as_string(hide_password=False)
        db = Database(with_password)
        try:
            await ensure_ready(db, paths=[])
        finally:
            await db.dispose()
        yield with_password


async def add_film(url: str, title: str, *, commit: bool = True) -> int:
    db = Database(url)
    try:
        async with db.session() as session:
            async with session.begin():
                await FilmRepository(session).add(Film(title=title, year=2021))
                version = await FilmRepository(session).catalog_version()
                if not commit:
                    await session.rollback()
            return version
    finally:
        await db.dispose()


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def terminate_listeners(url: str) -> int:
    database = make_url(url).database
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            result = await conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :d AND query ILIKE 'LISTEN%'"
                ),
                {"d": database},
            )
            return int(result.scalar_one())
    finally:
        await admin.dispose()


@asynccontextmanager
async def running(work: Callable[[asyncio.Event], Coroutine[Any, Any, None]]) -> AsyncIterator[None]:
    """`work(stop)` runs as a task for the block; then it is told to stop and awaited."""
    stop = asyncio.Event()
    task = asyncio.create_task(work(stop))
    try:
        yield
    finally:
        stop.set()
        await task


@pytest.mark.postgres
async def test_a_committed_change_is_announced_and_a_rolled_back_one_is_not(url: str) -> None:
    payloads: list[str] = []
    listener = CatalogListener(url, payloads.append)
    async with running(listener.run):
        await asyncio.wait_for(listener.connected.wait(), 10)
        first = await add_film(url, "Drive My Car")
        await add_film(url, "Never Committed", commit=False)
        second = await add_film(url, "Aftersun")
        await until(lambda: str(second) in payloads)
        assert payloads == ["", str(first), str(second)]


@pytest.mark.postgres
async def test_the_listener_reconnects_after_its_backend_is_terminated(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.store.notify")
    payloads: list[str] = []
    listener = CatalogListener(url, payloads.append)
    async with running(listener.run):
        await asyncio.wait_for(listener.connected.wait(), 10)
        assert await terminate_listeners(url) == 1
        await until(lambda: listener.connections == 2)
        assert payloads == ["", ""]  # told to catch up on each connect: a change may have come meanwhile
        version = await add_film(url, "Past Lives")
        await until(lambda: str(version) in payloads)
    assert "connection to" in caplog.text and "lost; reconnecting" in caplog.text
    assert PASSWORD not in caplog.text


async def stack(url: str) -> Services:
    settings = Settings(database_url=url, starter_catalog=False, _env_file=None)  # type: ignore[call-arg]
    return await build_services(settings)


def indexed(services: Services, title: str) -> bool:
    return any(m.doc.title == title for m in services.catalog.index.search(title))


@pytest.mark.postgres
async def test_a_catalog_follows_another_process_by_notification_alone(url: str) -> None:
    follower = await stack(url)
    try:
        # The fallback check is an hour away: only a notification can bring the change in time.
        async with running(lambda stop: follower.catalog.follow(stop, interval=3600)):
            await until(lambda: follower.catalog.version is not None)
            await add_film(url, "Drive My Car")
            await until(lambda: indexed(follower, "Drive My Car"))
            assert await terminate_listeners(url) == 1  # the database restarts, as far as this process can tell
            await add_film(url, "Aftersun")
            await until(lambda: indexed(follower, "Aftersun"))
    finally:
        await follower.db.dispose()


async def test_sqlite_follows_by_the_version_check(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'club.sqlite3'}"
    follower = await stack(url)
    assert follower.db.listen_url is None
    try:
        async with running(lambda stop: follower.catalog.follow(stop, interval=0.1)):
            await add_film(url, "Drive My Car")
            await until(lambda: indexed(follower, "Drive My Car"))
    finally:
        await follower.db.dispose()


def test_the_listen_connection_never_goes_through_a_transaction_pooler() -> None:
    direct = "postgresql+asyncpg://filmbot@127.0.0.1:5432/club"
    bouncer = "postgresql+asyncpg://filmbot@127.0.0.1:6432/club"
    assert Database(direct).listen_url == direct
    assert Database(bouncer, pooled=True, direct_url=direct).listen_url == direct
    assert Database(bouncer, pooled=True).listen_url is None  # the version check alone, with a warning
