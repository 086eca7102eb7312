"""The database handle: one async engine, sessions, and schema migration.

`Database(url)` only builds the engine object (SQLAlchemy connects lazily), so constructing one has no
I/O; `upgrade()` migrates to the newest Alembic revision. SQLite gets WAL (readers don't block the
writer), foreign keys (so child rows cascade) and a busy timeout (several processes may share a file).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def default_database_url() -> str:
    """A SQLite file in the user's data directory: the zero-setup default."""
    import platformdirs

    path = Path(platformdirs.user_data_dir("filmbot", appauthor=False)) / "filmbot.sqlite3"
    return f"sqlite+aiosqlite:///{path}"


def prepare_sqlite_path(url: str) -> None:
    """Create the directory of a SQLite database file, so a first run needs no setup."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return
    database = u.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster commits
    finally:
        cursor.close()


def _run_alembic_upgrade(connection: Connection, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


class Database:
    """Owns the engine; hands out sessions. Create one per process (composition root)."""

    def __init__(self, url: str, *, schema: str | None = None, echo: bool = False) -> None:
        """`schema` (PostgreSQL only) sets the search_path, e.g. to isolate a test in its own schema."""
        self.url = url
        self.schema = schema
        u = make_url(url)
        self.dialect = u.get_backend_name()
        connect_args: dict[str, Any] = {}
        if schema is not None:
            if self.dialect != "postgresql":
                raise ValueError("schema= is only supported for PostgreSQL")
            connect_args["server_settings"] = {"search_path": schema}
        if self.dialect == "sqlite":
            prepare_sqlite_path(url)
        self.engine: AsyncEngine = create_async_engine(url, echo=echo, connect_args=connect_args)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_on_connect)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session; the caller commits (``async with session.begin():`` or ``await s.commit()``)."""
        async with self._sessions() as session:
            yield session

    async def upgrade(self, revision: str = "head") -> None:
        """Migrate the schema (idempotent; safe on every start)."""
        async with self.engine.begin() as conn:
            await conn.run_sync(_run_alembic_upgrade, revision)

    @property
    def in_memory(self) -> bool:
        """An in-memory SQLite database: it exists only on this engine's connection."""
        return self.dialect == "sqlite" and (make_url(self.url).database or "") in ("", ":memory:")

    def twin(self) -> Database:
        """Another handle on the same database, for a worker thread's own event loop."""
        return Database(self.url, schema=self.schema)

    async def dispose(self) -> None:
        await self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({make_url(self.url).render_as_string(hide_password=True)!r})"
