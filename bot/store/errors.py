"""Database failures people can act on, each with a one-line explanation (no traceback, no password).

`explain(exc, url)` turns what SQLAlchemy, the drivers and the OS raise into a `DatabaseProblem` with a
sentence that names the database (password hidden) and says what to do; None when it is not one of those.
"""

from __future__ import annotations

import errno

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError

from bot.i18n import N_
from bot.i18n.errors import TranslatableError

URL_FORMS = "sqlite+aiosqlite:///path/to/filmbot.sqlite3 or postgresql+asyncpg://user:password@host:5432/dbname"


class DatabaseProblem(TranslatableError, RuntimeError):
    """A database condition with a message for people; the CLI prints it as one line, in the terminal's
    language (`translated()`), and exits 1; logs keep the English (`str()`)."""


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
        raise DatabaseProblem(N_("DATABASE_URL is not a database URL; use {forms}"), forms=URL_FORMS) from None
    backend, driver = u.get_backend_name(), u.get_driver_name()
    if backend == "postgresql" and driver != "asyncpg":
        raise DatabaseProblem(
            N_("DATABASE_URL {url} needs the asyncpg driver: write it as postgresql+asyncpg://…"), url=safe_url(url)
        )
    if backend == "sqlite" and driver != "aiosqlite":
        raise DatabaseProblem(
            N_("DATABASE_URL {url} needs the aiosqlite driver: write it as sqlite+aiosqlite://…"), url=safe_url(url)
        )
    if backend not in ("postgresql", "sqlite"):
        raise DatabaseProblem(
            N_("DATABASE_URL {url}: only SQLite and PostgreSQL work; use {forms}"), url=safe_url(url), forms=URL_FORMS
        )


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
            return DatabaseProblem(
                N_("The disk holding {where} is full; nothing was saved. Free space and try again."), where=where
            )
        if "database is locked" in text or "database is busy" in text:
            return DatabaseProblem(
                N_("The database {where} is busy (another import or bot is writing); try again."), where=where
            )
        if "readonly database" in text or ("read-only" in text and "database" in text):
            return DatabaseProblem(
                N_("The database {where} is read-only; nothing was saved. Check its file permissions."), where=where
            )
        if "unable to open database file" in text:
            return DatabaseProblem(
                N_("Cannot open the database {where}: check the path and its permissions."), where=where
            )
        if isinstance(e, ConnectionRefusedError) or "connect call failed" in text or "connection refused" in text:
            return DatabaseProblem(
                N_("Cannot connect to the database {where}: connection refused. Is it running?"), where=where
            )
        if isinstance(e, OSError) and e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT):
            return DatabaseProblem(N_("Cannot reach the database {where} ({reason})."), where=where, reason=e.strerror)
        if "password authentication failed" in text or ("role" in text and "does not exist" in text):
            return DatabaseProblem(
                N_("The database {where} refused the login; check the user and password."), where=where
            )
        if "database" in text and "does not exist" in text:
            return DatabaseProblem(N_("The database named in {where} does not exist; create it first."), where=where)
        if isinstance(e, IntegrityError) and isinstance(exc, IntegrityError | DBAPIError):
            return DatabaseProblem(
                N_("Another writer changed the same films in {where} at the same time; nothing was saved. Try again."),
                where=where,
            )
    return None
