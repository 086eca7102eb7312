"""Running the real `filmbot` program in a child process, for the end-to-end tests."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.loopwatch import blocked_the_loop
from tests.support.catalog import sample_films
from tests.support.testdb import new_postgres_url, on_postgres


def store_url(db: Path, *, sqlite: bool = False) -> str:
    """The DATABASE_URL for a `filmbot` process whose store the test calls `db`: that SQLite file, or with
    FILMBOT_TEST_DATABASE=postgres a new, empty PostgreSQL database standing in for it (the same one for the same
    path within a test; tests/support/testdb.py), unless `sqlite` says the test is about the SQLite file itself."""
    return new_postgres_url(migrated=False, path=db) if on_postgres() and not sqlite else f"sqlite+aiosqlite:///{db}"


def bot_env(db: Path, *, sqlite: bool = False) -> dict[str, str]:
    """This environment without any bot setting of the developer's, pointed at `db`, loopback unproxied.

    With FILMBOT_TEST_DATABASE=postgres the database is a new, empty PostgreSQL database instead of the file
    `db` (tests/support/testdb.py), unless `sqlite` says the test is about the SQLite file itself."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM__", "DISCORD__", "DATABASE_URL"))}
    env |= {"DATABASE_URL": store_url(db, sqlite=sqlite), "STARTER_CATALOG": "false", "NO_PROXY": "127.0.0.1"}
    env["ASYNCIO_DEBUG"] = "true"  # every callback holding the loop > 50 ms is logged, and fails the test
    # A test's one member types faster than a person; the per-user limit has its own tests.
    env.setdefault("RATE_LIMIT__BURST", "10000")
    return env


# asyncio's debug-mode record of a callback that held the event loop too long (asyncio/base_events.py)
SLOW_CALLBACK = re.compile(r"^.*\bExecuting .* took \d+\.\d+ seconds.*$", re.MULTILINE)


def slow_callbacks(log: str) -> list[str]:
    """The slow-callback warnings asyncio logged in debug mode where our code held the loop (>= 50 ms of
    CPU on the loop thread; see bot/loopwatch.py)."""
    return [line for line in SLOW_CALLBACK.findall(log) if blocked_the_loop(line)]


async def sample_catalog_env(tmp_path: Path, *, sqlite: bool = False) -> dict[str, str]:
    """A database in tmp_path (or on PostgreSQL: see `bot_env`) holding the sample catalog, imported by
    `filmbot import` as a user would."""
    catalog = tmp_path / "club.jsonl"
    catalog.write_text(
        "\n".join(
            json.dumps({"title": f.title, "year": f.year, "original_title": f.original_title,
                        "votes": f.votes, "country": f.country, "genres": f.genres})
            for f in sample_films()
        ),
        encoding="utf-8",
    )  # fmt: skip
    env = bot_env(tmp_path / "filmbot.sqlite3", sqlite=sqlite)
    load = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "import", "--quiet", str(catalog), env=env)
    assert await asyncio.wait_for(load.wait(), 60) == 0
    return env


async def query_rows(env: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    """The rows of `sql` in the database a child process of `env` uses (SQLite file or PostgreSQL)."""
    engine = create_async_engine(env["DATABASE_URL"])
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in (await conn.execute(text(sql))).all()]
    finally:
        await engine.dispose()


class BotProcess:
    """`filmbot run` in a child process; its output is drained as it runs so a chatty log never blocks it."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self._output = asyncio.ensure_future(process.communicate())

    @classmethod
    async def start(cls, env: dict[str, str], cwd: Path) -> BotProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=cwd,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return cls(process)

    async def terminate(self, within: float = 30) -> int:
        self.process.terminate()
        return await asyncio.wait_for(self.process.wait(), within)

    async def kill_if_running(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def stderr(self) -> str:
        """The child's log, once it has exited. Fails the test when the child (run with ASYNCIO_DEBUG, as
        `bot_env` sets it) logged a callback that held its event loop for more than 50 ms."""
        _, err = await asyncio.wait_for(self._output, 30)
        text = err.decode(errors="replace")
        stalls = slow_callbacks(text)
        assert not stalls, "the event loop was blocked:\n" + "\n".join(stalls)
        return text
