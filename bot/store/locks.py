"""One database-wide lock for first-run setup, so processes that start together take turns.

PostgreSQL: a session-level advisory lock on a dedicated connection (the work itself runs on other
connections of the pool; the lock is held until this connection unlocks or dies, so a killed process
never leaves it behind). The key is per schema, so separate schemas on one server don't wait for each
other. SQLite: an exclusive `flock` on "<database file>.lock" (released by the OS when the process dies);
an in-memory database is private to one process and needs none. Waiting happens off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

from sqlalchemy import text

from bot.store.db import Database

log = logging.getLogger(__name__)

LOCK_NAME = "filmbot.bootstrap"
# hashtext() is stable across servers and versions; coalesce: current_schema() is NULL on an absent schema.
_PG_KEY = "hashtext(:name || ':' || coalesce(current_schema(), ''))"


@contextlib.asynccontextmanager
async def setup_lock(db: Database, name: str = LOCK_NAME) -> AsyncIterator[None]:
    """Hold the database's setup lock for the block (waits while another process holds it)."""
    if db.dialect == "postgresql":
        async with _pg_advisory_lock(db, name):
            yield
    elif db.file is not None:
        async with _file_lock(db.file.with_name(db.file.name + ".lock")):
            yield
    else:
        yield


@contextlib.asynccontextmanager
async def try_lock(db: Database, name: str) -> AsyncIterator[bool]:
    """Take a database-wide lock `name` if it is free, without waiting: the block gets True (held until it
    ends) or False (another process holds it). For work one process should do at a time, like background
    enrichment."""
    if db.dialect == "postgresql":
        async with db.direct_engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            held = bool(await conn.scalar(text(f"SELECT pg_try_advisory_lock({_PG_KEY})"), {"name": name}))
            try:
                yield held
            finally:
                if held:
                    await conn.execute(text(f"SELECT pg_advisory_unlock({_PG_KEY})"), {"name": name})
    elif db.file is not None:
        async with _file_try_lock(db.file.with_name(f"{db.file.name}.{name}.lock")) as held:
            yield held
    else:
        yield True


@contextlib.asynccontextmanager
async def _file_try_lock(path: Path) -> AsyncIterator[bool]:
    try:
        import fcntl
    except ImportError:
        yield True
        return
    handle: IO[bytes] = await asyncio.to_thread(path.open, "ab")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


@contextlib.asynccontextmanager
async def _pg_advisory_lock(db: Database, name: str) -> AsyncIterator[None]:
    async with db.direct_engine.connect() as conn:  # a pooler would move the session lock between servers
        # Autocommit: the lock belongs to the session, and no transaction stays open while we wait or work.
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f"SELECT pg_advisory_lock({_PG_KEY})"), {"name": name})
        try:
            yield
        finally:
            await conn.execute(text(f"SELECT pg_advisory_unlock({_PG_KEY})"), {"name": name})


@contextlib.asynccontextmanager
async def _file_lock(path: Path) -> AsyncIterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: SQLite's own busy timeout is the only guard there
        log.debug("no fcntl: starting without the setup lock")
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle: IO[bytes] = await asyncio.to_thread(path.open, "ab")
    try:
        await asyncio.to_thread(fcntl.flock, handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
