"""Movie nights on the real discord.py client: native polls, vote events, closing, the scheduler, restarts.

Only the network is fake (tests/fakes/discord/harness.py); every request is checked against Discord's OpenAPI
spec. What is asserted is what members see: the messages in the channel, the poll, the announcement.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.polls import movienight_service
from bot.polls.scheduler import ManualClock
from bot.services import Services
from tests.fakes.discord.harness import ALICE, BOB, CHANNEL_ID, FakeDiscord, message_text, user

CAROL = user(100000000000000003, "carol")
SLATE = [("parasite", 2019), ("spirited away", 2001), ("miracle in cell no. 7", 2013)]


async def film_id(services: Services, title: str, year: int) -> int:
    return next(m.film_id for m in services.films.index.search(title, limit=10) if m.doc.year == year)


async def nominate(fake: FakeDiscord, bot: Any, services: Services, films: list[tuple[str, int]]) -> list[int]:
    ids = [await film_id(services, title, year) for title, year in films]
    for fid in ids:
        done = await fake.slash(bot, "movienight", sub="nominate", film=f"#{fid}")
        assert not done.ephemeral, done.text
    return ids


def poll_message(fake: FakeDiscord) -> dict[str, Any]:
    return next(m for m in reversed(fake.messages.values()) if m.get("poll"))


def channel_posts(fake: FakeDiscord) -> list[Any]:
    return [r for r in fake.requests if r.method == "POST" and r.path == f"/channels/{CHANNEL_ID}/messages"]


def expires(fake: FakeDiscord) -> list[Any]:
    return [r for r in fake.requests if r.path.endswith("/expire")]


def ballot_edits(fake: FakeDiscord, message_id: str) -> list[Any]:
    path = f"/channels/{CHANNEL_ID}/messages/{message_id}"
    return [r for r in fake.requests if r.method == "PATCH" and r.path == path]


def assert_ballot_closed(fake: FakeDiscord, message_id: str) -> None:
    """The ballot was edited once with the bot token: no buttons left, and it says voting closed."""
    edits = ballot_edits(fake, message_id)
    assert len(edits) == 1 and edits[0].seam == "http" and edits[0].body["components"] == []
    shown = fake.messages[message_id]
    assert shown["components"] == [] and shown["edited_timestamp"]
    assert "Voting is closed — see the result below." in shown["embeds"][0]["description"]


async def open_ranked(fake: FakeDiscord, bot: Any, services: Services, **options: Any) -> dict[str, Any]:
    """Open a ranked vote on SLATE; the ballot message (its id is stored with the poll by then)."""
    await nominate(fake, bot, services, SLATE)
    opened = await fake.slash(bot, "movienight", sub="poll", mode="ranked", who=ALICE, **options)
    ballot = opened.visible[-1]
    info = await movienight_service(services).open_poll_for_chat("discord", str(CHANNEL_ID))
    assert info is not None and not info.native and info.message_id == ballot["id"]
    return ballot


async def test_poll_posts_the_cards_first_then_a_native_poll_within_limits(
    fake: FakeDiscord, bot: Any, services: Services
) -> None:
    await nominate(fake, bot, services, SLATE)
    opened = await fake.slash(bot, "movienight", sub="poll", who=ALICE)
    sent = [m for m in opened.visible]
    assert not opened.ephemeral
    cards, poll = sent[0], sent[-1]
    assert {e["title"] for e in cards["embeds"]} == {
        "Parasite (2019)",
        "Spirited Away (2001)",
        "Miracle in Cell No. 7 (2013)",
    }
    assert "poll" not in cards and poll.get("poll")
    answers = [a["poll_media"]["text"] for a in poll["poll"]["answers"]]
    assert len(answers) == 3 and all(len(a) <= 55 for a in answers)
    assert any("Parasite" in a for a in answers)
    assert list(fake.messages).index(cards["id"]) < list(fake.messages).index(poll["id"])
    info = await movienight_service(services).open_poll_for_chat("discord", str(CHANNEL_ID))
    assert info is not None and info.native and info.message_id == poll["id"]


async def test_vote_events_are_recorded_and_a_changed_vote_replaces(
    fake: FakeDiscord, bot: Any, services: Services
) -> None:
    ids = await nominate(fake, bot, services, SLATE)
    await fake.slash(bot, "movienight", sub="poll", who=ALICE)
    poll = poll_message(fake)
    svc = movienight_service(services)
    info = await svc.open_poll_for_chat("discord", str(CHANNEL_ID))
    assert info is not None
    await fake.vote(bot, poll, ALICE, 1)
    await fake.vote(bot, poll, BOB, 2)
    assert await svc.ballot_of(info.id, str(ALICE["id"])) == (ids[0],)
    await fake.vote(bot, poll, ALICE, 3)  # Discord: REMOVE 1 then ADD 3
    assert await svc.ballot_of(info.id, str(ALICE["id"])) == (ids[2],)
    # The same event twice (a gateway resend) counts once.
    event = {"user_id": str(BOB["id"]), "channel_id": str(CHANNEL_ID), "message_id": poll["id"], "answer_id": 2}
    for _ in range(2):
        bot._connection.parsers["MESSAGE_POLL_VOTE_ADD"](event)
        await fake.settle()
    assert await svc.ballot_of(info.id, str(BOB["id"])) == (ids[1],)
    await fake.vote(bot, poll, BOB, 2, remove=True)
    assert await svc.ballot_of(info.id, str(BOB["id"])) == ()


async def test_close_ends_the_poll_and_announces_the_winner_with_counts(
    fake: FakeDiscord, bot: Any, services: Services
) -> None:
    await nominate(fake, bot, services, SLATE)
    await fake.slash(bot, "movienight", sub="poll", who=ALICE)
    poll = poll_message(fake)
    await fake.vote(bot, poll, ALICE, 2)
    await fake.vote(bot, poll, BOB, 2)
    await fake.vote(bot, poll, CAROL, 1)
    refused = await fake.slash(bot, "movienight", sub="close", who=BOB)
    assert refused.ephemeral and "opened the poll" in refused.text
    assert not expires(fake)
    closed = await fake.slash(bot, "movienight", sub="close", who=ALICE)
    assert closed.message is not None and not closed.ephemeral
    assert closed.message["embeds"][0]["title"] == "Spirited Away (2001)"
    text = closed.text
    assert "Tonight's film!" in text and "3 members voted" in text
    assert "Spirited Away (2001) — 2 votes" in text and "Parasite (2019) — 1 vote" in text
    assert [r.path for r in expires(fake)] == [f"/channels/{CHANNEL_ID}/polls/{poll['id']}/expire"]
    assert fake.messages[poll["id"]]["poll"]["results"]["is_finalized"]
    again = await fake.slash(bot, "movienight", sub="close", who=ALICE)
    assert again.ephemeral and len(expires(fake)) == 1


async def test_the_scheduler_closes_on_time_and_announces_in_the_channel(fake: FakeDiscord, services: Services) -> None:
    clock = ManualClock(datetime(2030, 5, 1, 18, 0, tzinfo=UTC))
    services.clock = clock.now
    services.scheduler.use_clock(clock)
    async with fake.running(services) as bot:
        await nominate(fake, bot, services, SLATE)
        await fake.slash(bot, "movienight", sub="poll", hours=2, who=ALICE)
        poll = poll_message(fake)
        await fake.vote(bot, poll, BOB, 3)
        clock.advance(timedelta(hours=1, minutes=59))
        await fake.settle()
        assert not channel_posts(fake) and not expires(fake)
        clock.advance(timedelta(minutes=1))
        await fake.until(lambda: bool(channel_posts(fake)))
        posts = channel_posts(fake)
        assert len(posts) == 1 and len(expires(fake)) == 1
        announcement = message_text(posts[0].body)
        assert "Miracle in Cell No. 7 (2013)" in announcement and "1 member voted" in announcement
        assert await movienight_service(services).open_poll_for_chat("discord", str(CHANNEL_ID)) is None


async def test_a_restart_keeps_votes_catches_up_and_closes_a_poll_due_while_down(
    fake: FakeDiscord, services: Services, tmp_path: Path
) -> None:
    from bot.app import build_services
    from bot.store.db import Database

    start = datetime(2030, 5, 1, 18, 0, tzinfo=UTC)
    clock = ManualClock(start)
    services.clock = clock.now
    services.scheduler.use_clock(clock)
    async with fake.running(services) as bot:
        ids = await nominate(fake, bot, services, SLATE)
        await fake.slash(bot, "movienight", sub="poll", hours=3, who=ALICE)
        poll = poll_message(fake)
        await fake.vote(bot, poll, ALICE, 1)
        await fake.vote(bot, poll, BOB, 1)
    # The bot is down: Bob moves his vote and Carol votes; Discord never replays these.
    await fake.vote(None, poll, BOB, 2)
    await fake.vote(None, poll, CAROL, 2)

    again = await build_services(services.settings, db=Database(str(services.settings.database_url)))
    try:
        again.clock = clock.now
        again.scheduler.use_clock(clock)
        svc = movienight_service(again)
        async with fake.running(again):
            info = await svc.open_poll_for_chat("discord", str(CHANNEL_ID))
            assert info is not None
            assert await svc.ballot_of(info.id, str(ALICE["id"])) == (ids[0],)
            assert await svc.ballot_of(info.id, str(BOB["id"])) == (ids[1],)
            assert await svc.ballot_of(info.id, str(CAROL["id"])) == (ids[1],)
            assert any("/answers/" in r.path for r in fake.requests)
        # Down again, past the close: the next start closes it at once, with the votes re-read first.
        await fake.vote(None, poll, ALICE, 2)
        clock.advance(timedelta(hours=4))
        async with fake.running(again):
            posts = channel_posts(fake)
            assert len(posts) == 1
            assert "Spirited Away (2001)" in message_text(posts[0].body)
            assert "3 members voted" in message_text(posts[0].body)
            assert fake.messages[poll["id"]]["poll"]["results"]["is_finalized"]
    finally:
        await again.db.dispose()


async def test_ranked_polls_use_button_ballots(fake: FakeDiscord, bot: Any, services: Services) -> None:
    ids = await nominate(fake, bot, services, SLATE)
    opened = await fake.slash(bot, "movienight", sub="poll", mode="ranked", who=ALICE)
    ballot = opened.visible[-1]
    assert not any(m.get("poll") for m in opened.visible)
    assert "order of preference" in ballot["embeds"][0]["description"]
    buttons = {c["label"]: c["custom_id"] for row in ballot["components"] for c in row["components"]}
    assert all(len(cid) <= 100 for cid in buttons.values())
    spirited = next(cid for label, cid in buttons.items() if "Spirited Away" in label)
    parasite = next(cid for label, cid in buttons.items() if "Parasite" in label)
    first = await fake.click(bot, ballot, spirited, who=BOB)
    second = await fake.click(bot, ballot, parasite, who=BOB)
    assert first.ephemeral and "1. Spirited Away" in first.text
    assert "1. Spirited Away" in second.text and "2. Parasite" in second.text
    svc = movienight_service(services)
    info = await svc.open_poll_for_chat("discord", str(CHANNEL_ID))
    assert info is not None
    assert await svc.ballot_of(info.id, str(BOB["id"])) == (ids[1], ids[0])
    unranked = await fake.click(bot, ballot, spirited, who=BOB)
    assert "1. Parasite" in unranked.text and "Spirited" not in unranked.text.split("ranking")[-1]
    mine = await fake.click(bot, ballot, buttons["My ballot"], who=ALICE)
    assert "Your ballot is empty." in mine.text
    cleared = await fake.click(bot, ballot, buttons["Clear my vote"], who=BOB)
    assert "retracted" in cleared.text and await svc.ballot_of(info.id, str(BOB["id"])) == ()
    stale = copy.deepcopy(ballot)  # what a member's client still shows until it gets the edit
    closed = await fake.slash(bot, "movienight", sub="close", who=ALICE)
    assert_ballot_closed(fake, ballot["id"])
    assert fake.requests.index(ballot_edits(fake, ballot["id"])[0]) < fake.requests.index(closed.requests[0])
    assert "Miracle" in fake.messages[ballot["id"]]["embeds"][0]["description"], "the films stay listed"
    late = await fake.click(bot, stale, parasite, who=CAROL)
    assert late.ephemeral and "closed" in late.text


async def test_a_slate_too_big_for_a_native_poll_gets_a_ballot(fake: FakeDiscord, bot: Any, services: Services) -> None:
    stars = [(f"Star Story {n}", 1990 + n) for n in range(1, 12)]
    await nominate(fake, bot, services, stars)
    opened = await fake.slash(bot, "movienight", sub="poll", who=ALICE)
    ballot = opened.visible[-1]
    assert not any(m.get("poll") for m in opened.visible)
    labels = [c["label"] for row in ballot["components"] for c in row["components"]]
    assert len(labels) == 13 and labels[-2:] == ["My ballot", "Clear my vote"]
    cards = [e for m in opened.visible[:-1] for e in m["embeds"]]
    assert len(cards) == 11 and all(len(m["embeds"]) <= 10 for m in opened.visible)
    pick = await fake.click(bot, ballot, ballot["components"][0]["components"][0]["custom_id"], who=BOB)
    assert "Vote recorded" in pick.text and "Your pick: Star Story 1" in pick.text


async def test_a_vote_before_the_poll_is_attached_is_not_lost(
    fake: FakeDiscord, bot: Any, services: Services, monkeypatch: Any
) -> None:
    """A member can vote between Discord creating the poll and the bot storing its message id."""
    ids = await nominate(fake, bot, services, SLATE)
    svc = movienight_service(services)
    attach = svc.attach_native_poll

    async def vote_first(poll_id: int, platform_poll_id: str, message_id: str | None) -> bool:
        await fake.vote(bot, fake.messages[platform_poll_id], BOB, 2)
        return await attach(poll_id, platform_poll_id, message_id)

    monkeypatch.setattr(svc, "attach_native_poll", vote_first)
    await fake.slash(bot, "movienight", sub="poll", who=ALICE)
    info = await svc.open_poll_for_chat("discord", str(CHANNEL_ID))
    assert info is not None and await svc.ballot_of(info.id, str(BOB["id"])) == (ids[1],)


async def test_the_scheduler_takes_the_buttons_off_a_ballot(fake: FakeDiscord, services: Services) -> None:
    clock = ManualClock(datetime(2030, 5, 1, 18, 0, tzinfo=UTC))
    services.clock = clock.now
    services.scheduler.use_clock(clock)
    async with fake.running(services) as bot:
        ballot = await open_ranked(fake, bot, services, hours=2)
        button = next(c for row in ballot["components"] for c in row["components"] if "Parasite" in c["label"])
        await fake.click(bot, ballot, button["custom_id"], who=BOB)
        clock.advance(timedelta(hours=2))
        await fake.until(lambda: bool(channel_posts(fake)))
        assert_ballot_closed(fake, ballot["id"])
        posts = channel_posts(fake)
        assert len(posts) == 1 and "Parasite (2019)" in message_text(posts[0].body)
        assert fake.requests.index(ballot_edits(fake, ballot["id"])[0]) < fake.requests.index(posts[0])
        assert not expires(fake)


async def test_after_a_restart_a_close_still_takes_the_buttons_off_the_old_ballot(
    fake: FakeDiscord, services: Services
) -> None:
    from bot.app import build_services
    from bot.store.db import Database

    clock = ManualClock(datetime(2030, 5, 1, 18, 0, tzinfo=UTC))
    services.clock = clock.now
    services.scheduler.use_clock(clock)
    async with fake.running(services) as bot:
        ballot = await open_ranked(fake, bot, services, hours=3)
    assert not ballot_edits(fake, ballot["id"])

    again = await build_services(services.settings, db=Database(str(services.settings.database_url)))
    try:
        again.clock = clock.now
        again.scheduler.use_clock(clock)
        async with fake.running(again) as bot:
            closed = await fake.slash(bot, "movienight", sub="close", who=ALICE)
            assert not closed.ephemeral and "No votes were cast" in closed.text
            assert_ballot_closed(fake, ballot["id"])
    finally:
        await again.db.dispose()


async def test_a_ballot_due_while_down_is_disarmed_when_the_bot_comes_back(
    fake: FakeDiscord, services: Services
) -> None:
    from bot.app import build_services
    from bot.store.db import Database

    clock = ManualClock(datetime(2030, 5, 1, 18, 0, tzinfo=UTC))
    services.clock = clock.now
    services.scheduler.use_clock(clock)
    async with fake.running(services) as bot:
        ballot = await open_ranked(fake, bot, services, hours=3)
    clock.advance(timedelta(hours=4))

    again = await build_services(services.settings, db=Database(str(services.settings.database_url)))
    try:
        again.clock = clock.now
        again.scheduler.use_clock(clock)
        async with fake.running(again):
            assert len(channel_posts(fake)) == 1
            assert_ballot_closed(fake, ballot["id"])
    finally:
        await again.db.dispose()
