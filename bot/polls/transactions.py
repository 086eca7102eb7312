"""Movie-night transactions: one unit of work per call, committed before it returns, retried while the
database is busy; plus the dialect bits the queries in ``store`` share (UTC datetimes, upserts).

Concurrency is settled by the database, never by an in-process lock (several processes may share it):
see ``store`` for how votes, closes and nominations serialise. When two transactions collide anyway
(SQLite "database is locked", PostgreSQL serialization failure or deadlock) the whole unit is re-run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRIES = 12
RETRY_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _retryable(exc: DBAPIError) -> bool:
    if isinstance(exc, OperationalError) and any(w in str(exc).lower() for w in ("locked", "busy")):
        return True
    orig: Any = exc.orig
    for candidate in (orig, getattr(orig, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if state in RETRY_SQLSTATES:
            return True
    return False


async def in_transaction(db: Database, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction, committed before returning; retried when the database was busy."""
    for attempt in range(RETRIES):
        try:
            async with db.session() as session, session.begin():
                result = await work(session)
                db.check_file()  # never commit (and then acknowledge) into a deleted SQLite file
                return result
        except DBAPIError as exc:
            if attempt == RETRIES - 1 or not _retryable(exc):
                raise
            log.debug("retrying a busy movie-night transaction (attempt %d): %s", attempt + 1, exc)
            await asyncio.sleep(0.01 * 2 ** min(attempt, 6))
    raise AssertionError("unreachable")


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """The dialect's INSERT, which has ON CONFLICT on both SQLite and PostgreSQL (each dialect's module is
    imported on first use: a start on SQLite never loads PostgreSQL's)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)
