"""Two real `filmbot run` webhook workers on one PostgreSQL database (issue 14, "Telegram webhook workers"):
the updates of one chat, POSTed alternately to both, take effect in update_id order, and updates a worker
acknowledged before it was killed (SIGKILL) are handled by the other worker, or by itself on restart, once.

No proxy: the test is Telegram, POSTing each update with the shared secret to one worker or the other. Each
chat's next update is sent once the previous one was answered (as Telegram does with max_connections=1;
the inbox's guarantee is about recorded updates), while three chats' streams run at the same time. The
effects are catalog owners' edits of one film per chat (`/film edit <film> | runtime | <n>`): the replies
the fake Bot API receives must come in update_id order, and the film must keep the last value.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Update

from adapters.telegram.inbox import inbox_key
from bot.inbox.keylocks import KeyLocks
from bot.store.db import Database
from tests.adapters.telegram.harness import TOKEN, new_api
from tests.e2e.test_webhook_process import HEADER, command
from tests.e2e.test_webhook_process import post as post_update
from tests.fakes.telegram.server import FakeBotApi
from tests.support.catalog import sample_films
from tests.support.pgdb import fresh_postgres_url
from tests.support.process import BotProcess, bot_env, query_rows

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SECRET = "one-secret-shared-by-every-worker_0123456789"
# A catalog owner per chat (their private chats), each editing a film of their own.
MEMBERS = {2001: "parasite", 2002: "spirited away", 2003: "amelie"}
TITLES = {"parasite": "Parasite", "spirited away": "Spirited Away", "amelie": "Amélie"}
UPDATED = re.compile(r"runtime: \S+ → (\d+)")  # the edit's notice under the card


def edit(api: FakeBotApi, update_id: int, user: int, minutes: int) -> dict[str, Any]:
    """`/film edit <film> | runtime | <minutes>` typed by `user` in their private chat, as Telegram POSTs it."""
    return command(api, update_id, f"/film edit {MEMBERS[user]} | runtime | {minutes}", user)


@dataclass
class Cluster:
    api: FakeBotApi
    env: dict[str, str]
    tmp_path: Path
    ports: list[int]
    workers: list[BotProcess | None] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.ports[n]}/telegram/hook"

    async def start(self, n: int) -> None:
        env = self.env | {"TELEGRAM__WEBHOOK_URL": self.url(n), "TELEGRAM__WEBHOOK_PORT": str(self.ports[n])}
        mark = len(self.api.calls)
        self.workers[n] = await BotProcess.start(env, self.tmp_path)
        await self.api.wait_for("setWebhook", since=mark, within=90)

    async def post(self, client: httpx.AsyncClient, n: int, update: dict[str, Any]) -> None:
        """POST to worker n (retrying while its server starts); it must answer 200."""
        response = await post_update(client, self.url(n), update, **{HEADER: SECRET})
        assert response.status_code == 200, response.text

    def replies(self, user: int) -> list[int]:
        """The runtimes the bot confirmed to `user`, in the order the Bot API received the replies."""
        sent = [c for c in self.api.calls_of("sendMessage") if str(c.params.get("chat_id")) == str(user)]
        return [int(m.group(1)) for c in sent if (m := UPDATED.search(str(c.params.get("text"))))]

    async def until_replies(self, user: int, count: int, within: float = 60) -> list[int]:
        deadline = asyncio.get_running_loop().time() + within
        while len(self.replies(user)) < count:
            seen = [(c.method, c.params.get("text")) for c in self.api.calls[-8:]]
            assert asyncio.get_running_loop().time() < deadline, f"{user} got {self.replies(user)}; last {seen}"
            await asyncio.sleep(0.05)
        return self.replies(user)


@pytest.fixture
async def cluster(tmp_path: Path, unused_tcp_port_factory: Any) -> AsyncIterator[Cluster]:
    """Two workers (not started) on a fresh PostgreSQL database holding the sample catalog."""
    async with fresh_postgres_url() as url:
        env = await _imported(bot_env(tmp_path / "unused.sqlite3", sqlite=True) | {"DATABASE_URL": url}, tmp_path)
        api = new_api()
        await api.start()
        env |= {
            "TELEGRAM__TOKEN": TOKEN,
            "TELEGRAM__BASE_URL": api.base_url,
            "TELEGRAM__BASE_FILE_URL": api.base_file_url,
            "TELEGRAM__WEBHOOK_SECRET": SECRET,
            "TELEGRAM__OWNER_IDS": f"[{', '.join(map(str, MEMBERS))}]",
        }
        state = Cluster(api, env, tmp_path, [unused_tcp_port_factory(), unused_tcp_port_factory()], [None, None])
        try:
            yield state
        finally:
            for worker in state.workers:
                if worker is not None:
                    await worker.kill_if_running()
            await api.stop()
        assert api.violations == [], "calls that break the Bot API spec:\n" + "\n".join(api.violations)


async def _imported(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """env, its (PostgreSQL) database holding the sample catalog, imported by `filmbot import`."""
    catalog = tmp_path / "club.jsonl"
    films = [{"title": f.title, "year": f.year, "original_title": f.original_title} for f in sample_films()]
    catalog.write_text("\n".join(json.dumps(f) for f in films), encoding="utf-8")
    load = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "import", "--quiet", str(catalog), env=env)
    assert await asyncio.wait_for(load.wait(), 90) == 0
    return env


async def runtimes(env: dict[str, str]) -> dict[str, int]:
    rows = await query_rows(env, "SELECT title, runtime_minutes FROM films")
    return {str(title): int(minutes) for title, minutes in rows if minutes is not None}


async def test_one_chats_updates_take_effect_in_order_across_two_workers(cluster: Cluster) -> None:
    await asyncio.gather(cluster.start(0), cluster.start(1))
    steps = 12

    async def member(client: httpx.AsyncClient, user: int) -> None:
        for step in range(steps):
            update = edit(cluster.api, next(cluster.ids), user, 101 + step)
            await cluster.post(client, step % 2, update)  # alternately to each worker

    async with httpx.AsyncClient(trust_env=False, timeout=30) as client:
        await asyncio.gather(*(member(client, user) for user in MEMBERS))
    expected = [101 + step for step in range(steps)]
    for user in MEMBERS:
        assert await cluster.until_replies(user, steps) == expected, f"chat {user} saw its edits out of order"
    final = await runtimes(cluster.env)
    for film in MEMBERS.values():
        assert final[TITLES[film]] == expected[-1]
    for n, worker in enumerate(cluster.workers):
        assert worker is not None
        assert await worker.terminate() == 0
        log = await worker.stderr()
        assert "Traceback" not in log, log[-3000:]
        assert SECRET not in log
        assert "each chat in order across workers" in log, f"worker {n} ran without the inbox"


async def test_updates_acknowledged_by_a_killed_worker_are_handled_once_elsewhere_or_on_restart(
    cluster: Cluster,
) -> None:
    user = next(iter(MEMBERS))
    sample = edit(cluster.api, 0, user, 0)
    key = inbox_key(Update.de_json(sample, None))
    assert key is not None
    holder = Database(cluster.env["DATABASE_URL"])
    # The test holds the chat's lock, as a worker busy with it would: the workers record and acknowledge the
    # updates but cannot handle them yet.
    locks = KeyLocks(holder)
    try:
        await asyncio.gather(cluster.start(0), cluster.start(1))
        async with httpx.AsyncClient(trust_env=False, timeout=30) as client:
            assert await locks.try_acquire(key)
            for step in range(4):
                await cluster.post(client, step % 2, edit(cluster.api, next(cluster.ids), user, 201 + step))
            await asyncio.sleep(1.5)
            assert cluster.replies(user) == []  # acknowledged, recorded, waiting for the chat's lock
            first = cluster.workers[0]
            assert first is not None
            first.process.kill()  # SIGKILL after acknowledging two of them
            await first.process.wait()
            await locks.release(key)
            # The surviving worker sweeps up the dead one's updates with its own, in order.
            assert await cluster.until_replies(user, 4) == [201, 202, 203, 204]

            # Both down, then one back: what it acknowledged before dying is handled when it restarts.
            second = cluster.workers[1]
            assert second is not None and await second.terminate() == 0
            assert "Traceback" not in await second.stderr()
            await cluster.start(0)
            assert await locks.try_acquire(key)
            for step in range(2):
                await cluster.post(client, 0, edit(cluster.api, next(cluster.ids), user, 205 + step))
            restarted = cluster.workers[0]
            assert restarted is not None
            restarted.process.kill()
            await restarted.process.wait()
            await locks.release(key)
            await cluster.start(0)
            assert await cluster.until_replies(user, 6) == [201, 202, 203, 204, 205, 206]
            await asyncio.sleep(3)  # a few sweeps later: nothing ran twice
            assert cluster.replies(user) == [201, 202, 203, 204, 205, 206]
    finally:
        await locks.close()
        await holder.dispose()
    assert (await runtimes(cluster.env))[TITLES[MEMBERS[user]]] == 206
    pending = await query_rows(cluster.env, "SELECT count(*) FROM update_inbox WHERE processed_at IS NULL")
    assert pending == [(0,)]
