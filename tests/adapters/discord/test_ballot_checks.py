"""Button ballots on the real discord.py client: a custom_id naming a poll counts only in that poll's channel
(issue 16 §3), and one member's clicks count in the order Discord created them (issue 10 §1).
"""

from __future__ import annotations

from typing import Any

from adapters.discord.testing import ALICE, BOB, CHANNEL_ID, FakeDiscord
from bot.polls import movienight_service
from bot.polls.voting import NOT_HERE
from bot.services import Services
from tests.adapters.discord.test_movienight import SLATE, nominate


async def open_ballot(fake: FakeDiscord, bot: Any, services: Services) -> tuple[dict[str, Any], int, list[int]]:
    ids = await nominate(fake, bot, services, SLATE)
    opened = await fake.slash(bot, "movienight", sub="poll", mode="ranked", who=ALICE)
    info = await movienight_service(services).open_poll_for_chat("discord", str(CHANNEL_ID))
    assert info is not None
    return opened.visible[-1], info.id, ids


def crafted(fake: FakeDiscord, custom_id: str, message: dict[str, Any], where: str) -> dict[str, Any]:
    payload = fake.interaction(3, {"custom_id": custom_id, "component_type": 2}, who=BOB, where="guild",
                               message=message)  # fmt: skip
    if where == "dm":
        return fake.interaction(3, {"custom_id": custom_id, "component_type": 2}, who=BOB, where="dm",
                                message=message)  # fmt: skip
    other = fake.snowflake()  # another channel of a server: a custom_id typed by a modified client
    payload["channel_id"] = other
    payload["channel"] = {**payload["channel"], "id": other, "name": "elsewhere", "position": 1,
                          "permission_overwrites": []}  # fmt: skip
    return payload


async def test_a_crafted_ballot_id_from_another_channel_changes_nothing(
    fake: FakeDiscord, bot: Any, services: Services
) -> None:
    ballot, poll_id, ids = await open_ballot(fake, bot, services)
    svc = movienight_service(services)
    mine = await fake.click(bot, ballot, f"mn:{poll_id}:{ids[0]}", who=ALICE)
    assert "1. Parasite" in mine.text
    for where in ("channel", "dm"):
        for what in (ids[1], "clear", "me"):
            answer = await fake.send(bot, crafted(fake, f"mn:{poll_id}:{what}", ballot, where))
            assert answer.ephemeral and NOT_HERE in answer.text, answer.text
    assert await svc.ballot_of(poll_id, str(BOB["id"])) == ()
    assert await svc.ballot_of(poll_id, str(ALICE["id"])) == (ids[0],)


async def test_an_older_click_arriving_late_is_ignored(fake: FakeDiscord, bot: Any, services: Services) -> None:
    ballot, poll_id, ids = await open_ballot(fake, bot, services)
    data = {"component_type": 2}
    first = fake.interaction(3, {**data, "custom_id": f"mn:{poll_id}:{ids[0]}"}, who=BOB, message=ballot)
    second = fake.interaction(3, {**data, "custom_id": f"mn:{poll_id}:{ids[1]}"}, who=BOB, message=ballot)
    clear = fake.interaction(3, {**data, "custom_id": f"mn:{poll_id}:clear"}, who=BOB, message=ballot)
    # Created first, clear last; delivered out of order (another shard, a retry): the clear still wins.
    for payload in (second, clear, first):
        await fake.send(bot, payload)
    assert await movienight_service(services).ballot_of(poll_id, str(BOB["id"])) == ()
