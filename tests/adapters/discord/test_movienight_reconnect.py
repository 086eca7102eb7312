"""Votes cast while the bot was down, and a close right after it comes back (issue 10 §2).

Discord does not replay poll votes cast while a bot is offline; the fake holds them as answer voters, as
Discord does. The bot must count them: the catch-up starts as soon as the gateway session is up (not at
on_ready, ~2 s later, while commands already run), `/movienight close` waits for it (deferring first), and
every close of a native poll ends it and re-reads its voters first, so the announced counts are Discord's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.testing import ALICE, BOB, CHANNEL_ID, FakeDiscord, Interaction, user
from bot.films.model import Film
from bot.polls import movienight_service
from bot.services import Services
from tests.support.catalog import make_services, sample_films

CAROL = user(100000000000000003, "carol")
FILMS = [
    Film(title="Jaws", year=1975, genres=["Thriller"]),
    Film(title="Jaws 2", year=1978, genres=["Thriller"]),
    Film(title="Toy Story", year=1995, genres=["Animation"]),
    Film(title="Toy Story 3", year=2010, genres=["Animation"]),
]
MEMBERS_WHILE_DOWN = 120  # more than one page (100) of an answer's voters


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    built = await make_services(tmp_path, [*sample_films(), *FILMS])
    try:
        yield built
    finally:
        await built.db.dispose()


def film_id(services: Services, title: str, year: int) -> int:
    return next(m.film_id for m in services.films.index.search(title, limit=10) if m.doc.year == year)


async def open_jaws_vs_toy_story(fake: FakeDiscord, services: Services) -> tuple[dict[str, Any], list[int]]:
    """First run: a native poll Jaws 2 vs Toy Story 3, Alice and Bob vote Jaws 2 live; then the bot stops."""
    ids = [film_id(services, "Jaws 2", 1978), film_id(services, "Toy Story 3", 2010)]
    async with fake.running(services) as bot:
        for fid in ids:
            await fake.slash(bot, "movienight", sub="nominate", film=f"#{fid}")
        await fake.slash(bot, "movienight", sub="poll", who=ALICE)
        poll = next(m for m in reversed(fake.messages.values()) if m.get("poll"))
        await fake.vote(bot, poll, ALICE, 1)
        await fake.vote(bot, poll, BOB, 1)
    return poll, ids


async def restarted(services: Services) -> Services:
    from bot.app import build_services
    from bot.store.db import Database

    return await build_services(services.settings, db=Database(str(services.settings.database_url)))


def discord_counts(fake: FakeDiscord, poll: dict[str, Any]) -> dict[int, int]:
    return {c["id"]: c["count"] for c in fake.messages[poll["id"]]["poll"]["results"]["answer_counts"]}


def callbacks(done: Interaction) -> list[int]:
    return [int(r.body["type"]) for r in done.requests if r.path.endswith("/callback")]


async def test_a_close_right_after_a_reconnect_counts_the_votes_cast_while_down(
    fake: FakeDiscord, services: Services
) -> None:
    poll, _ = await open_jaws_vs_toy_story(fake, services)
    await fake.vote(None, poll, BOB, 2)  # the bot is down: Bob switches, 120 members vote Toy Story 3
    for n in range(MEMBERS_WHILE_DOWN):
        await fake.vote(None, poll, user(200000000000000000 + n, f"member{n}"), 2)

    again = await restarted(services)
    try:
        # discord.py's own 2 s wait for guilds before on_ready; interactions arrive meanwhile.
        async with fake.running(again, wait_ready=False, guild_ready_timeout=2.0) as bot:
            await asyncio.sleep(0.3)
            closed = await fake.slash(bot, "movienight", sub="close", who=ALICE)
    finally:
        await again.db.dispose()
    assert closed.message is not None and not closed.ephemeral
    assert closed.message["embeds"][0]["title"] == "Toy Story 3 (2010)", closed.text
    assert "Toy Story 3 (2010) — 121 votes" in closed.text and "Jaws 2 (1978) — 1 vote" in closed.text
    assert "122 members voted" in closed.text
    assert discord_counts(fake, poll) == {1: 1, 2: 121}, "the announced counts are Discord's own"
    assert fake.messages[poll["id"]]["poll"]["results"]["is_finalized"]
    assert len([r for r in fake.requests if r.path.endswith("/expire")]) == 1


async def test_the_catch_up_starts_when_the_gateway_connects_not_at_on_ready(
    fake: FakeDiscord, services: Services
) -> None:
    poll, ids = await open_jaws_vs_toy_story(fake, services)
    await fake.vote(None, poll, BOB, 2)
    await fake.vote(None, poll, CAROL, 2)
    again = await restarted(services)
    try:
        async with fake.running(again, wait_ready=False, guild_ready_timeout=30) as bot:  # on_ready: not yet
            await asyncio.wait_for(bot.movienights.caught_up.wait(), 10)
            assert not bot.is_ready()
            svc = movienight_service(again)
            info = await svc.open_poll_for_chat("discord", str(CHANNEL_ID))
            assert info is not None
            assert await svc.ballot_of(info.id, str(BOB["id"])) == (ids[1],)
            assert await svc.ballot_of(info.id, str(CAROL["id"])) == (ids[1],)
            assert await svc.ballot_of(info.id, str(ALICE["id"])) == (ids[0],)
    finally:
        await again.db.dispose()


async def test_close_waits_for_the_catch_up_and_defers_meanwhile(
    fake: FakeDiscord, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    poll, _ = await open_jaws_vs_toy_story(fake, services)
    await fake.vote(None, poll, BOB, 2)
    await fake.vote(None, poll, CAROL, 2)
    # Discord is slow to list the voters: hold every GET .../answers/{a} until the test lets it go.
    gate, acknowledged = asyncio.Event(), asyncio.Event()
    handle = fake.handle

    async def slow_voters(seam: str, route: Any, body: Any, query: Any) -> Any:
        if "/answers/" in route.path:
            await gate.wait()
        answer = await handle(seam, route, body, query)
        if route.path.endswith("/callback"):
            acknowledged.set()
        return answer

    monkeypatch.setattr(fake, "handle", slow_voters)
    again = await restarted(services)
    try:
        async with fake.running(again, wait_ready=False, guild_ready_timeout=30) as bot:
            before = asyncio.all_tasks()
            closed = await fake.send(bot, fake.interaction(2, close_data(bot), who=ALICE), settle=False)
            await asyncio.wait_for(acknowledged.wait(), 10)
            assert callbacks(closed) == [5], "deferred while the catch-up runs"
            svc = movienight_service(again)
            assert await svc.open_poll_for_chat("discord", str(CHANNEL_ID)) is not None, "not closed yet"
            gate.set()
            await fake.settle(before)
    finally:
        await again.db.dispose()
    assert closed.message is not None and closed.message["embeds"][0]["title"] == "Toy Story 3 (2010)"
    assert "Toy Story 3 (2010) — 2 votes" in closed.text and "Jaws 2 (1978) — 1 vote" in closed.text


def close_data(bot: Any) -> dict[str, Any]:
    from adapters.discord.testing import command_data

    return command_data(bot, "movienight", "close", {})


async def test_a_vote_looked_up_while_the_poll_was_being_attached_is_not_lost(
    fake: FakeDiscord, bot: Any, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the `filmbot run` test: a vote whose poll lookup ran before the attach committed, and came
    back after the early votes were replayed, was dropped."""
    ids = [film_id(services, "Jaws 2", 1978), film_id(services, "Toy Story 3", 2010)]
    for fid in ids:
        await fake.slash(bot, "movienight", sub="nominate", film=f"#{fid}")
    svc = movienight_service(services)
    attach, lookup, replay = svc.attach_native_poll, svc._native_poll_id, bot.movienights._replay_early_votes
    looked_up, replayed = asyncio.Event(), asyncio.Event()

    async def slow_lookup(platform: str, platform_poll_id: str) -> int | None:
        found = await lookup(platform, platform_poll_id)  # before the attach: unknown
        looked_up.set()
        await replayed.wait()  # ...and back only after the early votes were replayed
        return found

    async def vote_during_attach(poll_id: int, platform_poll_id: str, message_id: str | None) -> bool:
        event = {"user_id": str(BOB["id"]), "channel_id": str(CHANNEL_ID), "message_id": platform_poll_id,
                 "answer_id": 2, "guild_id": str(fake.messages[platform_poll_id]["guild_id"])}  # fmt: skip
        bot._connection.parsers["MESSAGE_POLL_VOTE_ADD"](event)
        await looked_up.wait()
        return await attach(poll_id, platform_poll_id, message_id)

    async def replay_then_release(message_id: str) -> None:
        await replay(message_id)
        replayed.set()

    monkeypatch.setattr(svc, "_native_poll_id", slow_lookup)
    monkeypatch.setattr(svc, "attach_native_poll", vote_during_attach)
    monkeypatch.setattr(bot.movienights, "_replay_early_votes", replay_then_release)
    await fake.slash(bot, "movienight", sub="poll", who=ALICE)
    info = await svc.open_poll_for_chat("discord", str(CHANNEL_ID))
    assert info is not None and await svc.ballot_of(info.id, str(BOB["id"])) == (ids[1],)
