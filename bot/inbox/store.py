"""The inbox's statements: record an update, take the oldest pending one of a key, find keys left waiting,
prune. Each is one short statement in its own transaction, never held across a handler."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Table, delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.inbox.models import InboxRow
from bot.store.db import Database

INBOX: Table = InboxRow.__table__  # type: ignore[assignment]  # declared tables are Tables
_c = INBOX.c


class Recorded(NamedTuple):
    update_id: int
    payload: str


class InboxStore:
    """The `update_inbox` rows of one platform."""

    def __init__(self, db: Database, platform: str) -> None:
        self.db = db
        self.platform = platform

    @asynccontextmanager
    async def _statement(self) -> AsyncIterator[AsyncConnection | AsyncSession]:
        """Where one write statement runs: on PostgreSQL in autocommit (one statement is atomic by itself,
        and BEGIN/COMMIT would be two more round trips per update); elsewhere a write unit of work."""
        if self.db.dialect == "postgresql":
            async with self.db.engine.connect() as conn:
                yield await conn.execution_options(isolation_level="AUTOCOMMIT")
        else:
            async with self.db.write() as session:
                yield session

    def _pending(self, key: str) -> Any:
        return (_c.platform == self.platform) & (_c.order_key == key) & _c.processed_at.is_(None)

    async def record(self, update_id: int, key: str, payload: str, now: datetime) -> bool:
        """Keep the update (committed when this returns); False when it was recorded before (a retry)."""
        values = {
            "platform": self.platform,
            "update_id": update_id,
            "order_key": key,
            "payload": payload,
            "received_at": now,
        }
        insert = pg_insert if self.db.dialect == "postgresql" else sqlite_insert
        stmt = insert(INBOX).values(values).on_conflict_do_nothing().returning(_c.update_id)
        async with self._statement() as conn:
            return (await conn.execute(stmt)).first() is not None

    async def take_next(self, key: str, now: datetime) -> Recorded | None:
        """Mark the oldest pending update of `key` taken and return it; None when none is pending.

        Only the holder of the key's lock calls this, so "oldest" cannot change under it; marking before
        the handler runs means a worker that dies mid-handler leaves nothing to run a second time."""
        oldest = select(func.min(_c.update_id)).where(self._pending(key)).scalar_subquery()
        stmt = (
            update(INBOX)
            .where((_c.platform == self.platform) & (_c.update_id == oldest) & _c.processed_at.is_(None))
            .values(processed_at=now)
            .returning(_c.update_id, _c.payload)
        )
        async with self._statement() as conn:
            row = (await conn.execute(stmt)).first()
        return None if row is None else Recorded(int(row[0]), str(row[1]))

    async def has_pending(self, key: str) -> bool:
        async with self.db.read_one() as session:
            return bool(await session.scalar(select(exists().where(self._pending(key)))))

    async def waiting_keys(self, received_before: datetime, limit: int = 100) -> list[str]:
        """Keys with an update pending since before `received_before` (left by a worker that stopped, or
        by one whose lock another worker held)."""
        stmt = (
            select(_c.order_key)
            .where((_c.platform == self.platform) & _c.processed_at.is_(None) & (_c.received_at < received_before))
            .group_by(_c.order_key)
            .order_by(func.min(_c.update_id))
            .limit(limit)
        )
        async with self.db.read_one() as session:
            return [str(k) for k in (await session.scalars(stmt)).all()]

    async def prune(self, received_before: datetime) -> int:
        """Forget handled updates received before `received_before`; how many went."""
        stmt = delete(INBOX).where(
            (_c.platform == self.platform) & (_c.received_at < received_before) & _c.processed_at.is_not(None)
        )
        async with self.db.write() as session:
            result = await session.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)
