"""Misses counted per chat, written in batches (never one write per search), kept across the 0006 migration;
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import DateTime, bindparam, event, text

from bot.curation.search_hooks import MissLog
from bot.curation.store import CurationRepository
from bot.store.db import Database
from tests.dbutil import postgres_database, postgres_skip_reason, sqlite_database
from tests.support.testdb import backend_params

NOW = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
AT = bindparam("at", type_=DateTime(timezone=True))  # stored as the models store datetimes
HERE, THERE = ("telegram", "-100"), ("discord", "555")


def statements(db: Database) -> list[str]:
    """Every SQL statement the engine runs from now on."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    return seen


async def test_a_flood_of_misses_is_a_handful_of_writes(db: Database) -> None:
    misses = MissLog(db, lambda: NOW, flush_after=3600)
    sql = statements(db)
    for i in range(1000):
        await misses.record(f"zzyzx road {i % 3}", HERE if i % 2 else THERE)
    assert sql == [] and misses.pending == 1000  # no database work per search
    assert await misses.flush() == 1000
    inserts = [s for s in sql if "search_misses" in s and s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 6  # one upsert per (chat, query) pair
    async with db.session() as session:
        repo = CurationRepository(session)
        everywhere = await repo.top_misses(since=NOW, limit=10)
        here = await repo.top_misses(since=NOW, limit=10, origin=HERE)
    assert sum(m.count for m in everywhere) == 1000 and len(everywhere) == 3
    assert sum(m.count for m in here) == 500
    await misses.record("zzyzx road 0", HERE)
    await misses.close()  # shutdown writes what is pending
    async with db.session() as session:
        assert sum(m.count for m in await CurationRepository(session).top_misses(since=NOW, origin=HERE)) == 501


async def test_pending_misses_are_written_a_few_seconds_later(db: Database) -> None:
    misses = MissLog(db, lambda: NOW, flush_after=0.05)
    await misses.record("qwertyuiop", HERE)
    await misses.record("qwertyuiop", HERE)
    for _ in range(100):
        await asyncio.sleep(0.02)
        async with db.session() as session:
            found = await CurationRepository(session).top_misses(since=NOW)
        if found:
            break
    assert [(m.query, m.count) for m in found] == [("qwertyuiop", 2)]
    await misses.close()


async def test_memory_for_pending_misses_is_bounded(db: Database) -> None:
    misses = MissLog(db, lambda: NOW, flush_after=3600, max_pending=50)
    for i in range(5000):
        await misses.record(f"query number {i}", HERE)
        assert len(misses._pending) <= 50
    await misses.close()


@pytest.fixture(params=backend_params())
async def db_at_0003(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        async with sqlite_database(tmp_path / "old.sqlite3", migrate=False) as database:
            yield database
    else:
        reason = await postgres_skip_reason()
        if reason is not None:
            pytest.skip(reason)
        async with postgres_database(migrate=False) as database:
            yield database


async def test_0006_keeps_old_misses_reports_and_log(db_at_0003: Database) -> None:
    db = db_at_0003
    await db.upgrade("0003_curation")
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO search_misses (query_key, query, count, first_seen, last_seen) "
                "VALUES ('zzyzx road', 'Zzyzx Road', 4, :at, :at)"
            ).bindparams(AT),
            {"at": NOW},
        )
        await conn.execute(
            text(
                "INSERT INTO audit_log (at, platform, user_id, action) VALUES (:at, 'telegram', '1', 'add')"
            ).bindparams(AT),
            {"at": NOW},
        )
    await db.upgrade()
    async with db.session() as session:
        repo = CurationRepository(session)
        [miss] = await repo.top_misses(since=NOW)
        assert (miss.query, miss.count) == ("Zzyzx Road", 4)
        assert await repo.top_misses(since=NOW, origin=HERE) == []  # an unknown origin is no group's
        [entry] = await repo.audit()
        assert entry.chat_id is None and await repo.audit(origin=HERE) == []
        await repo.record_miss("zzyzx road", "zzyzx road", NOW, HERE)
        await session.commit()
    async with db.session() as session:
        [both] = await CurationRepository(session).top_misses(since=NOW)
    assert both.count == 5
