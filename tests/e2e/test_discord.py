"""`filmbot discord sync` and `run_discord` as a user runs them; only Discord's network is replaced.

The sync runs the real CLI in a real process; a two-line prelude installs the offline Discord of
`tests.fakes.discord.harness` (the same seams the adapter tests use) and writes what was uploaded to a file.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import discord
import pytest
from pydantic import SecretStr

from adapters.discord.runner import run_discord
from tests.fakes.discord.harness import FakeDiscord
from tests.specs.discord_spec import SPEC_PATH, DiscordSpec
from tests.support.catalog import make_services
from tests.support.process import store_url

REPO = Path(__file__).resolve().parents[2]
PRELUDE = """
import json, sys
from tests.fakes.discord.harness import FakeDiscord
from bot.cli import main
fake = FakeDiscord()
with fake.installed():
    code = main(sys.argv[2:])
json.dump({"requests": [[r.method, r.path, r.body] for r in fake.requests]}, open(sys.argv[1], "w"))
sys.exit(code)
"""


def cli(
    tmp_path: Path, *args: str, token: str | None = "fake-token", **settings: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM__", "DISCORD__", "DATABASE_URL"))}
    env.update(DATABASE_URL=store_url(tmp_path / "bot.sqlite3"), STARTER_CATALOG="false")
    env.update(settings)
    env["PYTHONPATH"] = str(REPO)
    if token:
        env["DISCORD__TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-c", PRELUDE, str(tmp_path / "out.json"), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sync_cli_uploads_valid_commands_to_one_server(tmp_path: Path) -> None:
    done = cli(tmp_path, "discord", "sync", "--guild", "4242")
    assert done.returncode == 0, done.stderr
    assert "synced" in done.stdout and "server 4242" in done.stdout
    requests = json.loads((tmp_path / "out.json").read_text())["requests"]
    put = [r for r in requests if r[0] == "PUT"]
    assert len(put) == 1 and put[0][1].endswith("/guilds/4242/commands")
    names = {c["name"] for c in put[0][2]}
    assert {"film", "search", "random", "help"} <= names
    assert not any("/gateway" in r[1] for r in requests), "sync must not open the gateway"
    if SPEC_PATH.exists():
        spec = DiscordSpec.load()
        for method, path, body in requests:
            assert spec.check(method, path, body) == []


def test_sync_cli_uses_the_configured_server_unless_told_global(tmp_path: Path) -> None:
    done = cli(tmp_path, "discord", "sync", DISCORD__SYNC_GUILD_ID="777")
    assert done.returncode == 0, done.stderr
    assert "server 777" in done.stdout
    put = [r for r in json.loads((tmp_path / "out.json").read_text())["requests"] if r[0] == "PUT"]
    assert put[0][1].endswith("/guilds/777/commands")
    done = cli(tmp_path, "discord", "sync", "--global", DISCORD__SYNC_GUILD_ID="777")
    assert done.returncode == 0, done.stderr
    assert "global" in done.stdout
    put = [r for r in json.loads((tmp_path / "out.json").read_text())["requests"] if r[0] == "PUT"]
    assert "/guilds/" not in put[0][1] and put[0][1].endswith("/commands")


def test_sync_cli_without_token_explains(tmp_path: Path) -> None:
    done = cli(tmp_path, "discord", "sync", token=None)
    assert done.returncode == 2
    assert "DISCORD__TOKEN" in done.stderr


async def test_run_discord_stops_when_asked(tmp_path: Path, monkeypatch: Any) -> None:
    services = await make_services(tmp_path)
    services.settings.discord.token = SecretStr("fake-token")
    connected = asyncio.Event()

    async def connect(self: discord.Client, *, reconnect: bool = True) -> None:
        connected.set()
        while not self.is_closed():  # noqa: ASYNC110 - an idle gateway connection, until close()
            await asyncio.sleep(0.01)

    monkeypatch.setattr(discord.Client, "connect", connect)
    stop = asyncio.Event()
    try:
        with FakeDiscord().installed():
            task = asyncio.create_task(run_discord(services, stop))
            await asyncio.wait_for(connected.wait(), 10)
            stop.set()
            await asyncio.wait_for(task, 10)
    finally:
        await services.db.dispose()


async def test_run_discord_surfaces_a_bad_token(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    services.settings.discord.token = SecretStr("bad-token")
    fake = FakeDiscord(validator=lambda method, path, body, query: ["401"] if path == "/users/@me" else [])
    try:
        with fake.installed(), pytest.raises(discord.HTTPException):
            await asyncio.wait_for(run_discord(services, asyncio.Event()), 10)
    finally:
        await services.db.dispose()


async def test_run_discord_closes_a_movie_night_due_while_down_and_stops_its_scheduler(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """`filmbot run` as a user runs it: on connect the overdue poll is closed and announced; stop leaves no task."""
    from datetime import UTC, datetime, timedelta

    from bot.commands import Actor
    from bot.polls import movienight_service
    from bot.replies import PollCard
    from tests.fakes.discord.harness import CHANNEL_ID

    services = await make_services(tmp_path)
    services.settings.discord.token = SecretStr("fake-token")
    svc = movienight_service(services)
    actor = Actor(platform="discord", user_id="1", chat_id=str(CHANNEL_ID), is_owner=True)
    for title in ("parasite", "spirited away"):
        await svc.slate.nominate(actor, title)
    opened = await svc.open_poll(actor, hours=1, now=datetime.now(UTC) - timedelta(hours=2))
    assert isinstance(opened, PollCard), opened
    fake = FakeDiscord()

    async def connect(self: discord.Client, *, reconnect: bool = True) -> None:
        fake.connect(self)
        while not self.is_closed():  # noqa: ASYNC110 - an idle gateway connection, until close()
            await asyncio.sleep(0.01)

    monkeypatch.setattr(discord.Client, "connect", connect)
    stop = asyncio.Event()
    try:
        with fake.installed():
            task = asyncio.create_task(run_discord(services, stop))
            posted: list[Any] = []
            for _ in range(500):
                posted = [r for r in fake.requests if r.path == f"/channels/{CHANNEL_ID}/messages"]
                if posted:
                    break
                await asyncio.sleep(0.01)
            assert posted and "No votes were cast" in json.dumps(posted[0].body, ensure_ascii=False)
            stop.set()
            await asyncio.wait_for(task, 10)
        assert not [t for t in asyncio.all_tasks() if t.get_name() == "movienight-scheduler" and not t.done()]
        assert await svc.open_poll_for_chat("discord", str(CHANNEL_ID)) is None
    finally:
        await services.db.dispose()
