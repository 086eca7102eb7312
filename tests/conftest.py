"""Where the suite's stores live: SQLite files, or PostgreSQL with FILMBOT_TEST_DATABASE=postgres
(tests/support/testdb.py). On PostgreSQL each test's databases are dropped after it, and the session's
template at its end; the session stops at once, with the reason, when the server cannot be reached."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.testdb import VARIABLE, check_server, on_postgres, session_databases


def pytest_report_header() -> str:
    return f"test stores: {'PostgreSQL' if on_postgres() else 'SQLite'} ({VARIABLE})"


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
