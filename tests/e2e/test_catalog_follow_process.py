"""A catalog change made by one real process reaches the others' indexes by LISTEN/NOTIFY (issue 14).

On a fresh PostgreSQL database: `filmbot run` (Telegram against a loopback fake Bot API, /metrics on
loopback) and `filmbot chat` (over its stdin) run side by side with the fallback version check an hour away,
so only a notification can bring a change in; `filmbot import` (a third process) adds films. Then the
listening connections are terminated on the server (as a database restart does) and the next change still
arrives. Deadlines here are generous; bench/catalog_propagation.py measures the delay.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.adapters.telegram.harness import new_api, process_env
from tests.ops.test_start_together import small_starter
from tests.support.catalog import sample_films
from tests.support.health import free_port, wait_health, wait_metric
from tests.support.pgdb import fresh_postgres_url
from tests.support.process import BotProcess, bot_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


async def import_film(env: dict[str, str], tmp_path: Path, title: str) -> None:
    path = tmp_path / f"{title}.jsonl"
    path.write_text(json.dumps({"title": title, "year": 2021}), encoding="utf-8")
    load = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "import", "--quiet", str(path), env=env)
    assert await asyncio.wait_for(load.wait(), 60) == 0


async def listening_backends(url: str, terminate: bool = False) -> int:
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    what = "pg_terminate_backend(pid)" if terminate else "pid"
    try:
        async with admin.connect() as conn:
            result = await conn.execute(
                text(f"SELECT count({what}) FROM pg_stat_activity WHERE datname = :d AND query ILIKE 'LISTEN%'"),
                {"d": make_url(url).database},
            )
            return int(result.scalar_one())
    finally:
        await admin.dispose()


async def until_listening(url: str, count: int, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while (found := await listening_backends(url)) != count:
        assert time.monotonic() < deadline, f"{found} processes listening, expected {count}"
        await asyncio.sleep(0.1)


class Chat:
    """`filmbot chat` in a child process, asked over stdin until an answer shows what it should."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.output = ""

    @classmethod
    async def start(cls, env: dict[str, str], cwd: Path) -> Chat:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "chat", env=env, cwd=cwd,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        chat = cls(process)
        await chat._read_prompt()
        return chat

    async def _read_prompt(self) -> str:
        assert self.process.stdout is not None
        answer = (await asyncio.wait_for(self.process.stdout.readuntil(b"> "), 30)).decode()
        self.output += answer
        return answer

    async def ask(self, line: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()
        return await self._read_prompt()

    async def until_answer_has(self, query: str, wanted: str, within: float = 15) -> None:
        deadline = time.monotonic() + within
        while wanted not in (answer := await self.ask(query)):
            assert time.monotonic() < deadline, f"chat never showed {wanted!r}; last answer:\n{answer}"
            await asyncio.sleep(0.1)

    async def quit(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.write(b"/quit\n")
        await self.process.stdin.drain()
        return await asyncio.wait_for(self.process.wait(), 30)


async def test_run_and_chat_follow_another_process_by_notification(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api = new_api()
    await api.start()
    async with fresh_postgres_url() as url:
        common = bot_env(tmp_path / "unused.sqlite3") | {
            "DATABASE_URL": url,
            "STARTER_CATALOG_FILES": json.dumps([str(small_starter(tmp_path))]),
            "STARTER_CATALOG": "true",
            "CATALOG_REFRESH_SECONDS": "3600",  # the fallback check never runs within this test
        }
        env = common | {
            **process_env(api, poll_timeout="1"),
            "HEALTH__PORT": str(port),
        }
        bot = await BotProcess.start(env, tmp_path)
        chat: Chat | None = None
        try:
            await wait_health(base, 200)
            films = len(sample_films())
            chat = await Chat.start(common, tmp_path)
            assert "No film called" in await chat.ask("/film Drive My Car")
            await until_listening(url, 2)

            await import_film(common, tmp_path, "Drive My Car")
            await wait_metric(base, "filmbot_index_films", films + 1, within=15)
            await chat.until_answer_has("/film Drive My Car", "Drive My Car (2021)")

            # The database drops both listening connections; each process reconnects and follows on.
            assert await listening_backends(url, terminate=True) == 2
            await until_listening(url, 2)
            await import_film(common, tmp_path, "Aftersun")
            await wait_metric(base, "filmbot_index_films", films + 2, within=15)
            await chat.until_answer_has("/film Aftersun", "Aftersun (2021)")

            assert await chat.quit() == 0
            assert await bot.terminate() == 0
        finally:
            if chat is not None and chat.process.returncode is None:
                chat.process.kill()
                await chat.process.wait()
            await bot.kill_if_running()
            await api.stop()
        log = await bot.stderr()
        assert "catalog listener: connection to" in log and "lost; reconnecting" in log
        assert "Traceback" not in log, log[-3000:]
