"""Helpers for tests that need a real, migrated database (SQLite file or an isolated PostgreSQL schema).

Usage from any test package::

    from tests.dbutil import sqlite_database, postgres_database, postgres_skip_reason

    async with sqlite_database(tmp_path / "t.sqlite3") as db: ...
    if (reason := await postgres_skip_reason()) is not None: pytest.skip(reason)
    async with postgres_database() as db: ...   # a fresh schema, dropped afterwards

PostgreSQL comes from $FILMBOT_TEST_POSTGRES_URL, default postgresql+asyncpg://postgres@127.0.0.1:5432/test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.store.db import Database

POSTGRES_URL = os.environ.get("FILMBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
_START_HINT = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
_pg_reason: list[str | None] = []  # cached per process: probing a dead server costs a timeout


async def postgres_skip_reason(url: str = POSTGRES_URL) -> str | None:
    """None when PostgreSQL answers, else why not (for pytest.skip)."""
    if _pg_reason:
        return _pg_reason[0]
    engine = create_async_engine(url, connect_args={"timeout": 3})
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        reason = None
    except Exception as exc:  # any failure means "not available here"
        reason = f"PostgreSQL not reachable at {url} ({type(exc).__name__}: {exc}); start it: {_START_HINT}"
    finally:
        await engine.dispose()
    _pg_reason.append(reason)
    return reason


@asynccontextmanager
async def sqlite_database(path: Path, *, migrate: bool = True) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        if migrate:
            await db.upgrade()
        yield db
    finally:
        await db.dispose()


@asynccontextmanager
async def postgres_database(url: str = POSTGRES_URL, *, migrate: bool = True) -> AsyncIterator[Database]:
    """A Database whose search_path is a brand-new schema, dropped (with everything in it) afterwards."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_async_engine(url)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        db = Database(url, schema=schema)
        try:
            if migrate:
                await db.upgrade()
            yield db
        finally:
            await db.dispose()
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        await admin.dispose()
