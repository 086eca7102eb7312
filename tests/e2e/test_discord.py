"""`filmbot discord sync` and `run_discord` as a user runs them; only Discord's network is replaced.

The sync runs the real CLI in a real process; a two-line prelude installs the offline Discord of
`adapters.discord.testing` (the same seams the adapter tests use) and writes what was uploaded to a file.
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
from adapters.discord.testing import FakeDiscord
from tests.specs.discord_spec import SPEC_PATH, DiscordSpec
from tests.support.catalog import make_services

REPO = Path(__file__).resolve().parents[2]
PRELUDE = """
import json, sys
from adapters.discord.testing import FakeDiscord
from bot.cli import main
fake = FakeDiscord()
with fake.installed():
    code = main(sys.argv[2:])
json.dump({"requests": [[r.method, r.path, r.body] for r in fake.requests]}, open(sys.argv[1], "w"))
sys.exit(code)
"""


def cli(tmp_path: Path, *args: str, token: str | None = "fake-token") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM__", "DISCORD__", "DATABASE_URL"))}
    env.update(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}", STARTER_CATALOG="false")
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
