"""Per-key locks taken without waiting: database-wide on PostgreSQL, process-wide elsewhere.

PostgreSQL: a session-level advisory lock per key, all of this process's on ONE dedicated connection (on
the direct URL: a transaction pooler would hand the session to someone else). A process that dies loses its
connection and with it every lock it held, so a killed worker never leaves a key locked. Session locks are
re-entrant within a session, so the process also keeps the set of keys it holds and refuses a second holder
of its own. If the connection is lost while keys are held, the server has already released them: the next
call opens a new connection, and `release` of a key taken on the old one sends nothing.

SQLite (one process at a time in webhook mode) and in-memory databases: the process-wide set alone.
"""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.db import Database

NAMESPACE = "filmbot.inbox"
# 64-bit key from the namespace, the schema (separate schemas on one server never meet) and the key.
_PG_KEY = "hashtextextended(:ns || ':' || coalesce(current_schema(), '') || ':' || :key, 0)"


class KeyLocks:
    """`try_acquire(key)` / `release(key)`; see the module docstring for what a lock spans."""

    def __init__(self, db: Database, namespace: str = NAMESPACE) -> None:
        self.db = db
        self.namespace = namespace
        self.shared = db.dialect == "postgresql"
        self._held: dict[str, int] = {}  # key -> the connection generation it was taken on
        self._generation = 0
        self._conn: AsyncConnection | None = None
        self._io = asyncio.Lock()  # one statement at a time on the one connection

    def holds(self, key: str) -> bool:
        return key in self._held

    async def try_acquire(self, key: str) -> bool:
        """Take `key`'s lock if nobody (in this process or another) holds it; never waits for a holder."""
        if key in self._held:
            return False
        self._held[key] = self._generation  # reserved before any await: a second caller here sees it
        if not self.shared:
            return True
        try:
            got, generation = await self._call("pg_try_advisory_lock", key)
        except BaseException:
            self._held.pop(key, None)
            raise
        if got:
            self._held[key] = generation
        else:
            self._held.pop(key, None)
        return got

    async def release(self, key: str) -> None:
        generation = self._held.pop(key, None)
        if generation is None or not self.shared or generation != self._generation or self._conn is None:
            return  # not held, or held on a connection that is gone (and its locks with it)
        with contextlib.suppress(SQLAlchemyError):
            await self._call("pg_advisory_unlock", key)

    async def _call(self, function: str, key: str) -> tuple[bool, int]:
        async with self._io:
            if self._conn is None:
                conn = await self.db.direct_engine.connect()
                self._conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            try:
                value = await self._conn.scalar(
                    text(f"SELECT {function}({_PG_KEY})"), {"ns": self.namespace, "key": key}
                )
            except SQLAlchemyError:
                await self._drop()
                raise
            return bool(value), self._generation

    async def _drop(self) -> None:
        """Forget the connection (its session, and every lock on it, is gone or going)."""
        conn, self._conn = self._conn, None
        self._generation += 1
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()
            with contextlib.suppress(Exception):
                await conn.close()

    async def close(self) -> None:
        """Close the lock connection: the server releases whatever is still held on it."""
        async with self._io:
            conn, self._conn = self._conn, None
            self._generation += 1
            self._held.clear()
            if conn is None:
                return
            try:
                # The connection goes back to the pool, its session alive: drop the session's locks first.
                await conn.execute(text("SELECT pg_advisory_unlock_all()"))
            except SQLAlchemyError:
                with contextlib.suppress(Exception):
                    await conn.invalidate()  # closes the session itself, and its locks with it
            with contextlib.suppress(Exception):
                await conn.close()
