"""The migrations build exactly the tables the models describe, and upgrading twice is harmless."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from bot.store import models
from bot.store.base import Base
from bot.store.db import Database
from bot.store.films import FilmRepository

CATALOG_TABLES = {t.__tablename__ for t in vars(models).values() if isinstance(t, type) and hasattr(t, "__tablename__")}


def _diff(conn: Connection) -> list[Any]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    diffs = compare_metadata(ctx, Base.metadata)
    # Only judge our own tables: other areas' migrations may exist without their models imported here.
    return [d for d in diffs if _table_of(d) in CATALOG_TABLES]


def _table_of(diff: Any) -> str | None:
    op = diff[0] if isinstance(diff, list) else diff
    for item in op[1:]:
        name = getattr(item, "name", None) if not isinstance(item, str) else None
        table = getattr(item, "table", None)
        if table is not None:
            return str(table.name)
        if name is not None and hasattr(item, "columns"):
            return str(name)
    return str(op[2]) if len(op) > 2 and isinstance(op[2], str) else None


async def test_models_match_migrations(db: Database) -> None:
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []


async def test_upgrade_is_idempotent_and_state_row_exists(db: Database) -> None:
    await db.upgrade()
    async with db.session() as s:
        repo = FilmRepository(s)
        assert await repo.catalog_version() == 0
        assert not await repo.is_seeded()
