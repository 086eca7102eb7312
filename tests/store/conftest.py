"""`db`: a migrated Database, once on SQLite (tmp file) and once on PostgreSQL (fresh schema).

With FILMBOT_TEST_DATABASE set (CI runs the suite once with each) only that backend's variant runs, so the
two runs do not both repeat the PostgreSQL store tests; unset (a developer's `pytest`), both run."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
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


@pytest.fixture(params=_backends())
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        async with sqlite_database(tmp_path / "films.sqlite3") as database:
            yield database
    else:
        reason = await postgres_skip_reason()
        if reason is not None:
            pytest.skip(reason)
        async with postgres_database() as database:
            yield database
