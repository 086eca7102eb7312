"""`filmbot run` as a real process on Discord: settings from the environment, the composition root, discord.py
logging in over REST and connecting a real websocket to a loopback fake Discord (`DISCORD__API_BASE_URL`), a
user's /film answered with the card, and a clean stop on SIGTERM. Also: the setting moves every request."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.client import build_client, use_gateway_of_api
from bot.config import DiscordSettings
from tests.fakes.discord.gateway import FakeDiscordServer
from tests.fakes.discord.payloads import ALICE, BOB, user
from tests.specs.discord_spec import SPEC_PATH, DiscordSpec
from tests.support.catalog import make_services, sample_films
from tests.support.process import BotProcess, query_rows, sample_catalog_env

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


async def test_filmbot_run_counts_votes_cast_while_it_was_down_in_a_close_right_after_restart(tmp_path: Path) -> None:
    """Issue 10 §2 end to end: Parasite leads before a stop, Spirited Away wins on votes cast while the bot was
    down (more than a page of voters), and `/movienight close` 0.3 s after the restart announces Discord's
    counts. Before the fix the bot announced Parasite, 2-0."""
    env = await sample_catalog_env(tmp_path)
    fake = new_fake()
    await fake.start()
    env |= {"DISCORD__TOKEN": TOKEN, "DISCORD__API_BASE_URL": fake.api_base_url}
    bot = await BotProcess.start(env, tmp_path)
    again: BotProcess | None = None
    try:
        await fake.wait_for_identify(within=30)
        for title in ("parasite", "spirited away"):
            nominated = await fake.wait_for_answer(await fake.slash("movienight", sub="nominate", film=title))
            assert "Nominated" in json.dumps(nominated.original), nominated.original
        opened = await fake.wait_for_answer(await fake.slash("movienight", sub="poll"))
        poll = await fake.wait_until(lambda: next((m for m in opened.followups if m.get("poll")), None))
        answers = {a["poll_media"]["text"].split(" (")[0]: a["answer_id"] for a in poll["poll"]["answers"]}
        parasite, spirited = answers["Parasite"], answers["Spirited Away"]
        await fake.vote(poll["id"], ALICE, parasite)
        await fake.vote(poll["id"], BOB, parasite)
        await wait_for_ballots(env, 2)
        assert await bot.terminate() == 0

        await fake.vote(poll["id"], BOB, spirited, online=False)  # Discord never replays these
        for n in range(MEMBERS_WHILE_DOWN):
            await fake.vote(poll["id"], user(200000000000000000 + n, f"member{n}"), spirited, online=False)
        again = await BotProcess.start(env, tmp_path)
        await fake.wait_for_identify(within=30, nth=2)
        await asyncio.sleep(0.3)
        closed = await fake.wait_for_answer(await fake.slash("movienight", sub="close"), within=30)
        assert closed.original is not None
        text = json.dumps(closed.original, ensure_ascii=False)
        assert closed.original["embeds"][0]["title"] == "Spirited Away (2001)", text
        assert "Spirited Away (2001) — 121 votes" in text and "Parasite (2019) — 1 vote" in text
        counts = {c["id"]: c["count"] for c in fake.messages[poll["id"]]["poll"]["results"]["answer_counts"]}
        assert counts == {parasite: 1, spirited: MEMBERS_WHILE_DOWN + 1}
        assert fake.violations == [] and fake.unknown == []
        assert await again.terminate() == 0
    finally:
        for process in (bot, again):
            if process is not None:
                await process.kill_if_running()
        await fake.stop()
    for process in (bot, again):
        assert process is not None
        stderr = await process.stderr()
        assert "Traceback" not in stderr, stderr


MEMBERS_WHILE_DOWN = 120


async def wait_for_ballots(env: dict[str, str], count: int, within: float = 30) -> None:
    """Wait until the bot has stored `count` ballots (its effect of the live vote events)."""

    async def stored() -> int:
        return int((await query_rows(env, "SELECT count(*) FROM movie_night_ballots"))[0][0])

    deadline = asyncio.get_running_loop().time() + within
    while await stored() < count:
        assert asyncio.get_running_loop().time() < deadline, "the bot did not record the live votes"
        await asyncio.sleep(0.05)
