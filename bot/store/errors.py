"""Database failures people can act on, each with a one-line explanation (no traceback, no password).

`explain(exc, url)` turns what SQLAlchemy, the drivers and the OS raise into a `DatabaseProblem` with a
sentence that names the database (password hidden) and says what to do; None when it is not one of those.
"""

from __future__ import annotations

import errno

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError

URL_FORMS = "sqlite+aiosqlite:///path/to/filmbot.sqlite3 or postgresql+asyncpg://user:password@host:5432/dbname"


class DatabaseProblem(RuntimeError):
    """A database condition with a message for people; the CLI prints it as one line and exits 1."""


class DatabaseFileGone(DatabaseProblem):
    """The SQLite file this process opened was deleted or replaced: writing on would silently lose data."""


def safe_url(url: str) -> str:
    """The URL with its password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an unreadable database URL)"


def check_url(url: str) -> None:
    """Refuse a URL this program cannot drive (async drivers only), saying which form to use."""
    try:
        u = make_url(url)
    except ArgumentError:
        raise DatabaseProblem(f"DATABASE_URL is not a database URL; use {URL_FORMS}") from None
    backend, driver = u.get_backend_name(), u.get_driver_name()
    if backend == "postgresql" and driver != "asyncpg":
        raise DatabaseProblem(
            f"DATABASE_URL {safe_url(url)} needs the asyncpg driver: write it as postgresql+asyncpg://…"
        )
    if backend == "sqlite" and driver != "aiosqlite":
        raise DatabaseProblem(
            f"DATABASE_URL {safe_url(url)} needs the aiosqlite driver: write it as sqlite+aiosqlite://…"
        )
    if backend not in ("postgresql", "sqlite"):
        raise DatabaseProblem(f"DATABASE_URL {safe_url(url)}: only SQLite and PostgreSQL work; use {URL_FORMS}")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        orig = getattr(cur, "orig", None)
        cur = orig if isinstance(orig, BaseException) else (cur.__cause__ or cur.__context__)
    return seen


def explain(exc: BaseException, url: str) -> DatabaseProblem | None:
    """A `DatabaseProblem` for a failure people can fix or retry; None for anything else (our bugs)."""
    where = safe_url(url)
    for e in _chain(exc):
        if isinstance(e, DatabaseProblem):
            return e
        text = str(e).casefold()
        if (isinstance(e, OSError) and e.errno == errno.ENOSPC) or "database or disk is full" in text:
            return DatabaseProblem(f"The disk holding {where} is full; nothing was saved. Free space and try again.")
        if "database is locked" in text or "database is busy" in text:
            return DatabaseProblem(f"The database {where} is busy (another import or bot is writing); try again.")
        if "readonly database" in text or ("read-only" in text and "database" in text):
            return DatabaseProblem(f"The database {where} is read-only; nothing was saved. Check its file permissions.")
        if "unable to open database file" in text:
            return DatabaseProblem(f"Cannot open the database {where}: check the path and its permissions.")
        if isinstance(e, ConnectionRefusedError) or "connect call failed" in text or "connection refused" in text:
            return DatabaseProblem(f"Cannot connect to the database {where}: connection refused. Is it running?")
        if isinstance(e, OSError) and e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT):
            return DatabaseProblem(f"Cannot reach the database {where} ({e.strerror}).")
        if "password authentication failed" in text or ("role" in text and "does not exist" in text):
            return DatabaseProblem(f"The database {where} refused the login; check the user and password.")
        if "database" in text and "does not exist" in text:
            return DatabaseProblem(f"The database named in {where} does not exist; create it first.")
        if isinstance(e, IntegrityError) and isinstance(exc, IntegrityError | DBAPIError):
            return DatabaseProblem(
                f"Another writer changed the same films in {where} at the same time; nothing was saved. Try again."
            )
    return None
