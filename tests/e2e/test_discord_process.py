"""`filmbot run` as a real process on Discord: settings from the environment, the composition root, discord.py
logging in over REST and connecting a real websocket to a loopback fake Discord (`DISCORD__API_BASE_URL`), a
user's /film answered with the card, and a clean stop on SIGTERM. Also: the setting moves every request."""

from __future__ import annotations

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
from tests.support.process import BotProcess, sample_catalog_env

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
    env = await sample_catalog_env(tmp_path)
    fake = new_fake()
    await fake.start()
    env |= {"DISCORD__TOKEN": TOKEN, "DISCORD__API_BASE_URL": fake.api_base_url}
    bot = await BotProcess.start(env, tmp_path)
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
        assert await bot.terminate() == 0
    finally:
        await bot.kill_if_running()
        await fake.stop()
    stderr = await bot.stderr()
    assert "Traceback" not in stderr, stderr
