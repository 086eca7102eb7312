"""The database handle: one async engine, sessions, and schema migration.

`Database(url)` only builds the engine object (SQLAlchemy connects lazily), so constructing one has no
I/O; `upgrade()` migrates to the newest Alembic revision. SQLite gets WAL (readers don't block the
writer), foreign keys (so child rows cascade) and a busy timeout (several processes may share a file).

Writes go through `write()`: one unit of work that commits or rolls back as a whole. On SQLite it starts
with BEGIN IMMEDIATE, so the write lock is held from the first read and a read-modify-write can never
interleave with another writer's (plain reads keep a deferred BEGIN and never wait for an import). It
also refuses to commit into a SQLite file that was deleted or replaced since this process opened it:
such a commit would be acknowledged and then lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.i18n import N_
from bot.store.errors import DatabaseFileGone, check_url, safe_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "filmbot_write"  # execution option marking a write unit of work (BEGIN IMMEDIATE on SQLite)
SINGLE_READ_OPTION = "filmbot_single_read"  # a session for one read statement (no BEGIN on SQLite)


def default_database_url() -> str:
    """A SQLite file in the user's data directory: the zero-setup default."""
    import platformdirs

    path = Path(platformdirs.user_data_dir("filmbot", appauthor=False)) / "filmbot.sqlite3"
    return f"sqlite+aiosqlite:///{path}"


def sqlite_file(url: str) -> Path | None:
    """The file of a file-backed SQLite URL; None for PostgreSQL, memory and `file:` URIs."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return None
    database = u.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def prepare_sqlite_path(url: str) -> None:
    """Create the directory of a SQLite database file, so a first run needs no setup."""
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN is off; `_sqlite_begin` emits ours (SQLAlchemy's aiosqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster commits
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    if conn.get_execution_options().get(SINGLE_READ_OPTION, False):
        return  # one statement: SQLite reads it from one snapshot without a transaction around it
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


_REVISION = re.compile(r"^revision(?:\s*:[^=]+)?\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=]+)?\s*=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")
_head: list[str | None] = []


def head_revision() -> str | None:
    """The newest migration's revision id, read from the migration files without importing Alembic (about
    0.3-1 s of imports a start at the head does not need). None when the files do not read as one line of
    revisions with a single head (a merge in progress, an unusual file): then Alembic itself decides."""
    if not _head:
        _head.append(_read_head(MIGRATIONS_DIR / "versions"))
    return _head[0]


def _read_head(versions: Path) -> str | None:
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        files = [p for p in versions.glob("*.py") if not p.name.startswith("_")]
        for path in files:
            source = path.read_text(encoding="utf-8")
            revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
            if revision is None or down is None:
                return None
            revisions.add(revision.group(1))
            parents.update(_QUOTED.findall(down.group(1)))
    except OSError:
        return None
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid.uuid4().hex}__"


def _run_alembic_upgrade(connection: Connection, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


class Database:
    """Owns the engine; hands out sessions. Create one per process (composition root)."""

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        echo: bool = False,
        pooled: bool = False,
        direct_url: str | None = None,
    ) -> None:
        """`schema` (PostgreSQL only) sets the search_path, e.g. to isolate a test in its own schema.

        `pooled`: `url` goes through a transaction pooler (PgBouncer), where a server connection changes
        between transactions: asyncpg's prepared-statement caches are off and statement names are unique.
        `direct_url` reaches PostgreSQL itself, for what needs one session throughout (the setup lock and
        the migrations); None: `url`."""
        check_url(url)
        self.url = url
        self.schema = schema
        u = make_url(url)
        self.dialect = u.get_backend_name()
        connect_args: dict[str, Any] = {}
        if schema is not None:
            if self.dialect != "postgresql":
                raise ValueError("schema= is only supported for PostgreSQL")
            connect_args["server_settings"] = {"search_path": schema}
        if pooled and self.dialect == "postgresql":
            connect_args |= {
                "statement_cache_size": 0,  # asyncpg's own cache
                "prepared_statement_cache_size": 0,  # SQLAlchemy's
                "prepared_statement_name_func": _unique_statement_name,
            }
        self.pooled = pooled and self.dialect == "postgresql"
        self._direct_url = direct_url if direct_url and direct_url != url else None
        self._direct_args = {k: v for k, v in connect_args.items() if k == "server_settings"}
        self._direct_engine: AsyncEngine | None = None
        if self.dialect == "sqlite":
            prepare_sqlite_path(url)
        self.engine: AsyncEngine = create_async_engine(url, echo=echo, connect_args=connect_args)
        self.file = sqlite_file(url) if self.dialect == "sqlite" else None
        self._file_id: tuple[int, int] | None = None
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_on_connect)
            event.listen(self.engine.sync_engine, "connect", self._check_file_on_connect)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # One read statement needs no transaction around it: on SQLite `_sqlite_begin` then emits no BEGIN
        # (SQLAlchemy's AUTOCOMMIT would reset the driver's own transaction handling afterwards); on
        # PostgreSQL AUTOCOMMIT saves the BEGIN and ROLLBACK round trips.
        read_options: dict[str, Any] = {SINGLE_READ_OPTION: True}
        if self.dialect == "postgresql":
            read_options["isolation_level"] = "AUTOCOMMIT"
        self._read_sessions = async_sessionmaker(self.engine.execution_options(**read_options), expire_on_commit=False)
        self._write_sessions = async_sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    @property
    def direct_engine(self) -> AsyncEngine:
        """An engine on a direct (unpooled) connection to the server: `direct_url`, else the main engine."""
        if self._direct_url is None:
            return self.engine
        if self._direct_engine is None:
            check_url(self._direct_url)
            self._direct_engine = create_async_engine(self._direct_url, connect_args=self._direct_args)
        return self._direct_engine

    @property
    def listen_url(self) -> str | None:
        """Where a process LISTENs for catalog changes: PostgreSQL itself (`direct_url`, else `url`); None on
        SQLite, which has no notifications, and behind a transaction pooler without a `direct_url` (a LISTEN
        there would be held by whichever client the pooler hands that server connection to next)."""
        if self.dialect != "postgresql" or (self.pooled and self._direct_url is None):
            return None
        return self._direct_url or self.url

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session; the caller commits (``async with session.begin():`` or ``await s.commit()``)."""
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def read_one(self) -> AsyncIterator[AsyncSession]:
        """A session for ONE read statement (a card's film, joined with its child rows). It opens no
        transaction: a single statement already reads one consistent snapshot, and BEGIN/ROLLBACK would cost
        round trips of their own (on SQLite each through aiosqlite's thread). Two statements here could see
        two snapshots: use `session()` for those."""
        async with self._read_sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A write unit of work: begun here, committed when the block ends, rolled back if it raises.

        SQLite: BEGIN IMMEDIATE, and a `DatabaseFileGone` instead of a commit into a vanished file."""
        async with self._write_sessions() as session, session.begin():
            yield session
            self.check_file()

    def check_file(self) -> None:
        """Raise `DatabaseFileGone` if the SQLite file was deleted or replaced since it was first opened."""
        if self.file is None or self._file_id is None:
            return
        now = _file_identity(self.file)
        if now != self._file_id:
            gone = N_(
                "The database file {file} was deleted while filmbot was running; nothing more is saved. "
                "Restore the file (or start filmbot again to use the new one)."
            )
            replaced = N_(
                "The database file {file} was replaced by another file while filmbot was running; nothing more is "
                "saved. Restore the file (or start filmbot again to use the new one)."
            )
            raise DatabaseFileGone(gone if now is None else replaced, file=self.file)

    async def watch_file(self, stop: asyncio.Event, interval: float = 1.0) -> None:
        """Until `stop` is set, check every `interval` seconds that the SQLite file is still the one opened;
        raise `DatabaseFileGone` when it is not, so a running bot stops with that one clear reason instead of
        acknowledging votes and edits that nothing will keep. Returns at once for other databases."""
        if self.file is None:
            return
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
            if self._file_id is not None:
                self.check_file()

    def _check_file_on_connect(self, _dbapi_connection: Any, _record: Any) -> None:
        """Every new connection opens the path again: it must still be the file we started with."""
        if self.file is None:
            return
        if self._file_id is None:
            self._file_id = _file_identity(self.file)
        else:
            self.check_file()

    async def upgrade(self, revision: str = "head") -> None:
        """Migrate the schema (idempotent; safe on every start). A database already at the head revision
        is recognised with one query, without importing Alembic."""
        if revision == "head" and await self.at_head():
            return
        async with self.direct_engine.begin() as conn:
            await conn.run_sync(_run_alembic_upgrade, revision)

    async def at_head(self) -> bool:
        """Whether the schema is at the newest migration (False when unsure: Alembic then looks itself)."""
        head = head_revision()
        if head is None:
            return False
        try:
            return await self.revision() == head
        except SQLAlchemyError:
            return False

    async def revision(self) -> str | None:
        """The schema's migration revision; None for a database that has none yet (a new one)."""
        async with self.direct_engine.connect() as conn:
            if self.dialect == "sqlite":
                exists = await conn.scalar(
                    text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")
                )
            else:
                exists = await conn.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL"))
            if not exists:
                return None
            current = list((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())
        return current[0] if len(current) == 1 else ",".join(current)

    @property
    def in_memory(self) -> bool:
        """An in-memory SQLite database: it exists only on this engine's connection."""
        return self.dialect == "sqlite" and (make_url(self.url).database or "") in ("", ":memory:")

    def twin(self) -> Database:
        """Another handle on the same database, for a worker thread's own event loop."""
        return Database(self.url, schema=self.schema)

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._direct_engine is not None:
            await self._direct_engine.dispose()

    def __repr__(self) -> str:
        return f"Database({safe_url(self.url)!r})"
