"""Alembic environment for sqlite+aiosqlite and postgresql+asyncpg.

At runtime `Database.upgrade()` passes an open synchronous connection (from ``conn.run_sync``) in
``config.attributes["connection"]``, so no alembic.ini is needed. From the command line (developers:
``alembic upgrade head`` with the repo's alembic.ini) the URL comes from ``DATABASE_URL`` or the ini
and an async engine is created here.
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

# Other areas: import your model modules here so autogenerate sees them.
import bot.curation.models
import bot.inbox.models
import bot.polls.models
import bot.store.models  # noqa: F401  (registers the catalog tables on Base.metadata)
from bot.store.base import Base

target_metadata = Base.metadata
config = context.config
if config.config_file_name is not None and "connection" not in config.attributes:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs batch ALTER TABLE
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        from bot.store.db import default_database_url

        url = default_database_url()
    return url


async def _run_async() -> None:
    from bot.store.db import prepare_sqlite_path

    url = _url()
    prepare_sqlite_path(url)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_configure_and_run)
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
