"""Which database the suite's stores live in: SQLite files (the default) or PostgreSQL databases.

`FILMBOT_TEST_DATABASE=postgres` makes every test's store a PostgreSQL database on the local server
($FILMBOT_TEST_POSTGRES_URL): `make_services` (tests/support/catalog.py), `bot_env` (tests/support/process.py)
and the store tests' `db` fixture then use a brand-new database per test, named after this pytest process
(`filmbot_suite_<tag>_<n>`, so parallel workers and sessions never meet) and dropped after the test (in the
background: see `Databases.drop_used`).

- An in-process store (`migrated=True`) is a copy of a template migrated once per session (`CREATE DATABASE
  … TEMPLATE`, ~0.4 s, instead of ~1-3 s of migrations per test).
- A real `filmbot` process gets an empty database, as it gets a path where no SQLite file exists yet: it
  migrates it itself, as on a first run.

The switch is read once; with PostgreSQL asked for and not reachable the session stops with the reason
instead of quietly testing SQLite. Unset, or `sqlite`, the stores are SQLite files in each test's tmp_path.
Tests of what only SQLite has (its file, its locking) stay on SQLite whatever the switch says.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
import uuid
from collections.abc import Coroutine
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.dbutil import POSTGRES_URL

VARIABLE = "FILMBOT_TEST_DATABASE"
CHOICES = ("sqlite", "postgres")


def backend() -> str:
    """'sqlite' (default) or 'postgres': where this session's test stores live."""
    chosen = os.environ.get(VARIABLE, "").strip().lower() or "sqlite"
    if chosen not in CHOICES:
        raise ValueError(f"{VARIABLE}={chosen!r}: expected one of {', '.join(CHOICES)}")
    return chosen


def on_postgres() -> bool:
    return backend() == "postgres"


def backend_params() -> list[object]:
    """Parameters for a fixture that builds its own store on each backend: both when FILMBOT_TEST_DATABASE is
    unset (a developer's run), else only the chosen one, so CI's two passes do not both run the same case."""
    both: list[object] = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
    if not os.environ.get(VARIABLE):
        return both
    return [both[1]] if on_postgres() else [both[0]]


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run `coro` to completion on its own loop in a worker thread: callable from sync code and from inside a
    running test loop alike (the caller waits on I/O only; its loop is not held by CPU work)."""
    result: list[Any] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)

    thread = threading.Thread(target=target, name="test-database")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0] if result else None


class Databases:
    """This session's PostgreSQL databases: the migrated template and every database handed to a test."""

    def __init__(self, server_url: str = POSTGRES_URL) -> None:
        self.server_url = server_url
        self.tag = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.count = 0
        self.template: str | None = None
        self.in_use: list[str] = []
        self.by_path: dict[str, str] = {}  # a test's SQLite path -> the database standing in for that file
        self._lock = threading.Lock()
        self._dropping: queue.Queue[list[str] | None] = queue.Queue()
        self._dropper: threading.Thread | None = None
        self._drop_errors: list[BaseException] = []

    def url(self, name: str) -> str:
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def _next_name(self) -> str:
        with self._lock:
            self.count += 1
            return f"filmbot_suite_{self.tag}_{self.count}"

    def for_path(self, path: object, *, migrated: bool) -> str:
        """The database standing in for the SQLite file `path` in this test: new on first use, the same one
        again after (a test that "restarts" on one file restarts on one database)."""
        key = str(path)
        if key not in self.by_path:
            self.by_path[key] = self.new(migrated=migrated)
        return self.by_path[key]

    def new(self, *, migrated: bool) -> str:
        """The URL of a new database for one test: a copy of the migrated template, or empty."""
        if migrated and self.template is None:
            self.template = self._make_template()
        name = self._next_name()
        source = f' TEMPLATE "{self.template}"' if migrated else ""
        _run(self._execute(f'CREATE DATABASE "{name}"{source}'))
        self.in_use.append(name)
        return self.url(name)

    def _make_template(self) -> str:
        from bot.store.bootstrap import ensure_ready
        from bot.store.db import Database

        name = f"filmbot_suite_{self.tag}_template"

        async def make() -> None:
            await self._execute(f'CREATE DATABASE "{name}"')
            db = Database(self.url(name))
            try:
                await ensure_ready(db, paths=[])
            finally:
                await db.dispose()

        _run(make())
        return name

    def drop_used(self) -> None:
        """Drop the databases handed out so far (after each test), in the background. PostgreSQL makes each DROP
        DATABASE wait for a forced checkpoint (0.3-2.5 s each on a busy machine, one after another); drops sent
        together on their own connections share one checkpoint, so the dropper sends all that have queued up
        at once, and no test waits for any. The names are this session's own: nothing else uses them."""
        names, self.in_use = self.in_use, []
        self.by_path.clear()
        if names:
            self._dropping.put(names)
            with self._lock:
                if self._dropper is None:
                    self._dropper = threading.Thread(target=self._drop_queued, name="test-database-drops", daemon=True)
                    self._dropper.start()

    def _drop_queued(self) -> None:
        done = False
        while not done:
            batch = [self._dropping.get()]
            while not self._dropping.empty():
                batch.append(self._dropping.get_nowait())
            done = None in batch
            names = [name for names in batch if names is not None for name in names]
            try:
                asyncio.run(self._drop_together(names))
            except Exception as exc:  # reported at the session's end by drop_all
                self._drop_errors.append(exc)

    async def _drop_together(self, names: list[str], at_once: int = 16) -> None:
        for start in range(0, len(names), at_once):
            chunk = names[start : start + at_once]
            await asyncio.gather(*(self._execute(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)') for n in chunk))

    def drop_all(self) -> None:
        """Drop everything this session made (at its end), once the queued drops are done."""
        self.drop_used()
        if self._dropper is not None:
            self._dropping.put(None)
            self._dropper.join()
            self._dropper = None
        if self.template is not None:
            name, self.template = self.template, None
            _run(self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if self._drop_errors:
            raise self._drop_errors[0]

    async def _execute(self, *statements: str) -> None:
        admin = create_async_engine(self.server_url, isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                for statement in statements:
                    await conn.execute(text(statement))
        finally:
            await admin.dispose()


_session: list[Databases] = []


def session_databases() -> Databases:
    """This pytest process's databases (made on first use)."""
    if not _session:
        _session.append(Databases())
    return _session[0]


def new_postgres_url(*, migrated: bool, path: object = None) -> str:
    """A new database for the running test (dropped after it): see the module docstring. With `path` (the
    SQLite file the test names) the same database again for the same path within the test."""
    if path is not None:
        return session_databases().for_path(path, migrated=migrated)
    return session_databases().new(migrated=migrated)


def check_server() -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    from tests.dbutil import postgres_skip_reason

    reason: str | None = _run(postgres_skip_reason())
    return reason
