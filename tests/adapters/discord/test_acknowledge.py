"""When the bot acknowledges an interaction: a lone command is answered directly (one request), but a command
that arrives while others are in flight is deferred at once, so a burst never bunches its acknowledgements up
near Discord's 3 s deadline. Asserted on the requests the offline Discord saw, never on timing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.replies import Reply
from bot.services import Services
from tests.fakes.discord.harness import FakeDiscord, Interaction, command_data

TITLES = ["parasite", "spirited away", "amelie", "miracle in cell no. 7"]


def callbacks(done: Interaction) -> list[int]:
    return [int(r.body["type"]) for r in done.requests if r.path.endswith("/callback")]


def edits_after_callback(done: Interaction) -> bool:
    paths = [(r.method, r.path) for r in done.requests]
    callback = next(i for i, (_, p) in enumerate(paths) if p.endswith("/callback"))
    return any(m == "PATCH" and p.endswith("/messages/@original") for m, p in paths[callback + 1 :])


async def test_a_lone_command_on_an_idle_bot_is_answered_directly(fake: FakeDiscord, bot: Any) -> None:
    done = await fake.slash(bot, "film", title="parasite")
    assert callbacks(done) == [4]
    assert done.message is not None and done.message["embeds"][0]["title"] == "Parasite (2019)"


async def test_a_command_arriving_while_others_are_in_flight_is_deferred_at_once(
    fake: FakeDiscord, bot: Any, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The burst's work waits until all of it has arrived: each interaction reads its language from the store
    # before it counts as in flight, and the first one's whole answer could otherwise be done by then.
    everyone_in = asyncio.Event()
    run = services.registry.run

    async def held(*args: Any) -> Reply:
        await everyone_in.wait()
        return await run(*args)

    monkeypatch.setattr(services.registry, "run", held)
    before = asyncio.all_tasks()
    burst = [
        await fake.send(bot, fake.interaction(2, command_data(bot, "film", None, {"title": t})), settle=False)
        for t in TITLES
    ]
    for _ in range(5000):  # until all four wait in `in_time` (settle would wait for the held work itself)
        if bot.controller.in_flight == len(TITLES):
            break
        await asyncio.sleep(0.001)
    assert bot.controller.in_flight == len(TITLES)
    everyone_in.set()
    await fake.settle(before)
    for done in burst:  # the first, on its timer when the others came, too
        assert callbacks(done) == [5], done.requests
        assert edits_after_callback(done)
        assert done.message is not None and done.message["embeds"], done.text
    # The burst is over: the next lone command is answered directly again.
    alone = await fake.slash(bot, "film", title="spirited away")
    assert callbacks(alone) == [4]
