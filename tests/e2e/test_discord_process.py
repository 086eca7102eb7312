"""`filmbot run` as a real process on Discord: settings from the environment, the composition root, discord.py
logging in over REST and connecting a real websocket to a loopback fake Discord (`DISCORD__API_BASE_URL`), a
user's /film answered with the card, and a clean stop on SIGTERM. Also: the setting moves every request."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.client import build_client, use_gateway_of_api
from adapters.discord.fake_gateway import FakeDiscordServer
from bot.config import DiscordSettings
from tests.specs.discord_spec import SPEC_PATH, DiscordSpec
from tests.support.catalog import make_services, sample_films

TOKEN = "fake-discord-token"


def new_fake() -> FakeDiscordServer:
    if not SPEC_PATH.exists():
        return FakeDiscordServer()
    spec = DiscordSpec.load()
    return FakeDiscordServer(validator=lambda method, path, body, query: spec.check(method, path, body, query))


@pytest.fixture
def discord_globals() -> Iterator[None]:
    """`DISCORD__API_BASE_URL` changes discord.py's process-wide addresses: put them back after the test."""
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    yield
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


async def test_api_base_url_sends_requests_and_the_gateway_there(tmp_path: Path, discord_globals: None) -> None:
    fake = new_fake()
    await fake.start()
    services = await make_services(tmp_path, sample_films())
    try:
        settings = DiscordSettings(api_base_url=fake.api_base_url)
        services.settings = services.settings.model_copy(update={"discord": settings})
        client = build_client(services)
        async with client:
            await client.login(TOKEN)
            await use_gateway_of_api(client)
        assert client.user is not None and client.user.name == "filmbot"
    finally:
        await services.db.dispose()
        await fake.stop()
    assert [(r.method, r.path) for r in fake.requests] == [
        ("GET", "/users/@me"),
        ("GET", "/oauth2/applications/@me"),
        ("GET", "/gateway/bot"),
    ]
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == fake.gateway_url
    assert fake.violations == []


async def test_filmbot_run_answers_discord_and_stops_cleanly(tmp_path: Path) -> None:
    catalog = tmp_path / "club.jsonl"
    catalog.write_text(
        "\n".join(
            json.dumps({"title": f.title, "year": f.year, "original_title": f.original_title,
                        "votes": f.votes, "country": f.country, "genres": f.genres})
            for f in sample_films()
        ),
        encoding="utf-8",
    )  # fmt: skip
    db = tmp_path / "filmbot.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM__", "DISCORD__", "DATABASE_URL"))}
    env |= {"DATABASE_URL": f"sqlite+aiosqlite:///{db}", "STARTER_CATALOG": "false", "NO_PROXY": "127.0.0.1"}
    load = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "import", "--quiet", str(catalog), env=env)
    assert await asyncio.wait_for(load.wait(), 60) == 0

    fake = new_fake()
    await fake.start()
    env |= {"DISCORD__TOKEN": TOKEN, "DISCORD__API_BASE_URL": fake.api_base_url}
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    # Drain the pipes while the bot runs, so a chatty log can never fill one and block the bot.
    output = asyncio.ensure_future(bot.communicate())
    try:
        identify = await fake.wait_for_identify(within=30)
        assert identify["d"]["token"] == TOKEN
        token = await fake.slash("film", title="7번방의 선물")
        answered = await fake.wait_for_answer(token, within=30)
        assert answered.original is not None
        embed = answered.original["embeds"][0]
        assert embed["title"] == "Miracle in Cell No. 7 (2013)"
        assert "7번방의 선물" in embed["description"]
        assert fake.violations == []
        assert fake.unknown == []
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.wait(), 30) == 0
    finally:
        if bot.returncode is None:
            bot.kill()
            await bot.wait()
        await fake.stop()
    _, stderr = await asyncio.wait_for(output, 30)
    assert b"Traceback" not in stderr, stderr.decode()
