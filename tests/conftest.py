"""Settings for every test tier, and where the suite's stores live: SQLite files, or PostgreSQL with
FILMBOT_TEST_DATABASE=postgres (tests/support/testdb.py). On PostgreSQL each test's databases are dropped after
it, and the session's template at its end; the session stops at once, with the reason, when the server cannot
be reached."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.testdb import VARIABLE, check_server, on_postgres, session_databases


def pytest_report_header() -> str:
    return f"test stores: {'PostgreSQL' if on_postgres() else 'SQLite'} ({VARIABLE})"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test marked `sqlite_only(reason)` is about SQLite itself: on PostgreSQL it would only repeat the SQLite
    pass, so that pass runs it and this one says why it does not."""
    if not on_postgres():
        return
    for item in items:
        if (mark := item.get_closest_marker("sqlite_only")) is not None:
            reason = mark.kwargs.get("reason") or (mark.args[0] if mark.args else "")
            assert reason, f"{item.nodeid}: sqlite_only needs a reason"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only ({reason}); the SQLite pass runs it"))


@pytest.fixture(scope="session", autouse=True)
def _cache_directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The user cache directory (search index snapshots, exports) is a temporary one for the whole run, in this
    process and the `filmbot` processes tests start: test databases never leave files in the developer's."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = before


LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture(scope="session", autouse=True)
def _english_terminal() -> Iterator[None]:
    """The `filmbot` processes tests start speak the terminal's language: English unless a test says otherwise,
    whatever the developer's own locale is (a test of another language sets LANG or --lang itself)."""
    before = {name: os.environ.get(name) for name in LOCALE_VARIABLES}
    for name in LOCALE_VARIABLES:
        os.environ.pop(name, None)
    os.environ["LANG"] = "C.UTF-8"
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="session", autouse=True)
def _postgres_session() -> Iterator[None]:
    if not on_postgres():
        yield
        return
    if (reason := check_server()) is not None:
        pytest.exit(f"{VARIABLE}=postgres but {reason}", returncode=3)
    try:
        yield
    finally:
        session_databases().drop_all()


@pytest.fixture(autouse=True)
def _drop_test_databases() -> Iterator[None]:
    yield
    if on_postgres():
        session_databases().drop_used()
