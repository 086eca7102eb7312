"""Migration 0002 builds exactly the movie-night tables the models describe (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from bot.polls import models
from bot.store.base import Base
from bot.store.db import Database

TABLES = {
    str(t.__tablename__)  # type: ignore[attr-defined]
    for t in vars(models).values()
    if isinstance(t, type) and hasattr(t, "__table__")
}


def _mentions(diff: Any) -> str:
    return repr(diff)


def _diff(conn: Connection) -> list[Any]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    return [d for d in compare_metadata(ctx, Base.metadata) if any(t in _mentions(d) for t in TABLES)]


async def test_movienight_models_match_migration(db: Database) -> None:
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []


async def test_downgrade_to_catalog_drops_movienight_tables(db: Database) -> None:
    from sqlalchemy import inspect

    await db.upgrade("0002_movie_nights")
    async with db.engine.begin() as conn:
        from bot.store.db import MIGRATIONS_DIR

        def _down(sync: Connection) -> None:
            from alembic import command
            from alembic.config import Config

            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
            cfg.attributes["connection"] = sync
            command.downgrade(cfg, "0001_catalog")

        await conn.run_sync(_down)
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert not names & TABLES
    await db.upgrade()
