"""`db`: a migrated Database, once on SQLite (tmp file) and once on PostgreSQL (fresh schema)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.db import Database
from tests.dbutil import postgres_database, postgres_skip_reason, sqlite_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
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
