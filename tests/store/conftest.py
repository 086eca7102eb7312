"""`db`: a migrated Database, once on SQLite (tmp file) and once on PostgreSQL (fresh schema); `database_at`:
the same taken only as far as an older migration, for a migration's own test.

With FILMBOT_TEST_DATABASE set (CI runs the suite once with each) only that backend's variant runs, so the
two runs do not both repeat the PostgreSQL store tests; unset (a developer's `pytest`), both run."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.store.db import Database
from tests.dbutil import postgres_database, postgres_skip_reason, sqlite_database
from tests.support.testdb import VARIABLE, on_postgres


def _backends() -> list[object]:
    both: list[object] = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
    if not os.environ.get(VARIABLE):
        return both
    return [both[1]] if on_postgres() else [both[0]]


@asynccontextmanager
async def _database(backend: str, tmp_path: Path, *, migrate: bool) -> AsyncIterator[Database]:
    if backend == "sqlite":
        async with sqlite_database(tmp_path / "films.sqlite3", migrate=migrate) as database:
            yield database
    else:
        reason = await postgres_skip_reason()
        if reason is not None:
            pytest.skip(reason)
        async with postgres_database(migrate=migrate) as database:
            yield database


@pytest.fixture(params=_backends())
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with _database(request.param, tmp_path, migrate=True) as database:
        yield database


@pytest.fixture(params=_backends())
async def database_at(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Callable[[str], Awaitable[Database]]]:
    """`await database_at("0012_chat_language")`: a new database migrated up to that revision only, so a test
    can write rows the way that schema held them, then `upgrade()` to the head and check what became of them."""
    async with _database(request.param, tmp_path, migrate=False) as database:

        async def at(revision: str) -> Database:
            await database.upgrade(revision)
            return database

        yield at
