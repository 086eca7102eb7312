"""Movie nights on Telegram end to end: the real Application long-polling the fake Bot API, every call
checked against the Bot API spec. Users nominate, open a vote, vote in the native poll (poll_answer
updates) or on a button ballot, and see the winner announced; restarts keep votes and late answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.telegram.fake_server import FakeBotApi, SentMessage
from bot.commands import Actor
from bot.films.model import Film
from bot.polls import movienight_service
from bot.polls.announce import announcements
from bot.polls.scheduler import ManualClock
from bot.services import Services
from tests.adapters.telegram.harness import GROUP, USER, BotHarness, bot_settings, eventually, new_api, running_bot
from tests.support.catalog import make_services, sample_films

ANN, BEN, CAT = USER, 2002, 3003
OTHER_GROUP = -100777
NOMINEES = ("Parasite", "Spirited Away", "Amélie")


def film_id(services: Services, title: str) -> int:
    return next(c.film_id for c in services.films.autocomplete(title) if c.title == title)


async def nominate(services: Services, titles: tuple[str, ...], chat: int = GROUP, user: int = ANN) -> None:
    """Set up a slate through the core (the Telegram path of nominating is tested once, below)."""
    actor = Actor("telegram", str(user), str(chat), is_group_admin=False)
    svc = movienight_service(services)
    for title in titles:
        await svc.slate.nominate(actor, f"#{film_id(services, title)}")


async def open_poll(bot: BotHarness, text: str = "/movienight poll", *, chat: int = GROUP, user: int = ANN) -> Any:
    """Type `/movienight poll`; return the sendPoll call (or the ballot's sendMessage when not native)."""
    mark = len(bot.api.calls)
    bot.api.send_text(text, user_id=user, chat_id=chat, chat_type="supergroup")
    return await bot.api.wait_for(
        "sendPoll" if "ranked" not in text else "sendMessage",
        lambda c: c.method == "sendPoll" or ("reply_markup" in c.params and "mn:" in str(c.params["reply_markup"])),
        since=mark,
    )


async def ballots(services: Services, poll_id: int, voters: tuple[int, ...]) -> dict[int, tuple[int, ...]]:
    svc = movienight_service(services)
    return {v: await svc.ballot_of(poll_id, str(v)) for v in voters}


async def settle(bot: BotHarness, poll_id: int, expected: dict[int, tuple[int, ...]]) -> None:
    voters = tuple(expected)

    async def done() -> bool:
        return await ballots(bot.services, poll_id, voters) == expected

    await eventually(done, what=f"ballots {expected}")


async def press(bot: BotHarness, sent: SentMessage, label: str, *, user: int = ANN) -> dict[str, Any]:
    """Press a ballot button; return the callback answer (ballot buttons never edit the message)."""
    mark = len(bot.api.calls)
    _, query_id = bot.api.press(sent, sent.button(label)["callback_data"], user_id=user)
    call = await bot.api.wait_for(
        "answerCallbackQuery", lambda c: c.params.get("callback_query_id") == query_id, since=mark
    )
    return call.params


async def press_data(api: FakeBotApi, sent: SentMessage, data: str, *, user: int = ANN) -> dict[str, Any]:
    mark = len(api.calls)
    _, query_id = api.press(sent, data, user_id=user)
    call = await api.wait_for(
        "answerCallbackQuery", lambda c: c.params.get("callback_query_id") == query_id, since=mark
    )
    return call.params


async def ballot_message(bot: BotHarness, call: Any, chat: int = GROUP) -> SentMessage:
    """The ballot message of `open_poll`'s call, once the adapter has stored it with the poll."""
    message_id = call.result["message_id"]
    svc = movienight_service(bot.services)

    async def attached() -> bool:
        info = await svc.open_poll_for_chat("telegram", str(chat))
        return info is not None and info.message_id == str(message_id) and not info.native

    await eventually(attached, what="the ballot message attached to the movie night")
    return bot.api.messages[(chat, message_id)]


def assert_ballot_closed(api: FakeBotApi, ballot: SentMessage, chat: int = GROUP) -> None:
    """The ballot message was edited once: no buttons left, it says voting closed, the films still listed."""
    message_id = ballot.message["message_id"]
    edits = [c for c in api.calls_of("editMessageText") if c.params.get("message_id") == message_id]
    assert len(edits) == 1 and edits[0].params["chat_id"] == chat
    assert "reply_markup" not in edits[0].params  # an edit without a keyboard removes it
    assert ballot.buttons == [] and ballot.edits == 1
    assert "Voting is closed — see the result below." in ballot.text
    assert "1. Parasite" in ballot.text


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with running_bot(tmp_path) as harness:
        yield harness


async def test_cards_then_a_native_non_anonymous_poll(bot: BotHarness) -> None:
    for title in NOMINEES:
        reply = await bot.say(f"/movienight nominate {title}", chat_id=GROUP, chat_type="supergroup")
        assert title in reply.text
    mark = len(bot.api.calls)
    sent = await open_poll(bot)
    cards = [c for c in bot.api.calls[mark:] if c.method == "sendMessage"]
    assert [str(c.params["text"]).split("\n")[0] for c in cards] == [
        "<b>Parasite (2019)</b>", "<b>Spirited Away (2001)</b>", "<b>Amélie (2001)</b>"
    ]  # fmt: skip
    assert all(bot.api.calls.index(c) < bot.api.calls.index(sent) for c in cards), "cards come first"
    p = sent.params
    assert p["is_anonymous"] is False and p["allows_multiple_answers"] is False
    assert "open_period" not in p and "close_date" not in p
    assert p["question"] == "Movie night: which film shall we watch?"
    labels = [o["text"] for o in p["options"]]
    assert labels == list(NOMINEES)
    assert 2 <= len(labels) <= 12 and all(1 <= len(label) <= 100 for label in labels)
    assert "Closes at" in p["description"]
    poll_message = bot.api.poll_message(GROUP)
    svc = movienight_service(bot.services)

    async def attached() -> bool:
        info = await svc.open_poll_for_chat("telegram", str(GROUP))
        assert info is not None
        return (info.platform_poll_id, info.message_id) == (
            poll_message.message["poll"]["id"], str(poll_message.message["message_id"])
        )  # fmt: skip

    await eventually(attached, what="the Telegram poll attached to the movie night")


async def test_poll_answers_are_recorded_and_close_stops_the_poll(bot: BotHarness) -> None:
    await nominate(bot.services, NOMINEES)
    await open_poll(bot)
    poll = bot.api.poll_message(GROUP)
    info = await movienight_service(bot.services).open_poll_for_chat("telegram", str(GROUP))
    assert info is not None
    parasite, spirited, amelie = info.film_ids
    bot.api.vote(poll, [0], user_id=ANN)
    bot.api.vote(poll, [1], user_id=BEN, name="Ben")
    bot.api.vote(poll, [2], user_id=CAT, name="Cat")
    await settle(bot, info.id, {ANN: (parasite,), BEN: (spirited,), CAT: (amelie,)})
    bot.api.vote(poll, [1], user_id=ANN)  # a changed vote replaces the old one
    bot.api.vote(poll, [], user_id=CAT)  # a retraction removes the ballot
    bot.api.vote(poll, [1], user_id=BEN, name="Ben")  # the same voter twice counts once
    await settle(bot, info.id, {ANN: (spirited,), BEN: (spirited,), CAT: ()})

    announcement = await bot.say("/movienight close", chat_id=GROUP, chat_type="supergroup")
    stop = bot.calls("stopPoll")
    assert [(c.params["chat_id"], c.params["message_id"]) for c in stop] == [(GROUP, poll.message["message_id"])]
    assert poll.message["poll"]["is_closed"] is True
    assert announcement.text.startswith("Spirited Away (2001)")
    assert "Tonight's film!" in announcement.text
    assert "2 members voted (one vote each)." in announcement.text
    assert "🏆 Spirited Away (2001) — 2 votes" in announcement.text
    assert "Parasite (2019) — 0 votes" in announcement.text
    assert len([m for m in bot.api.chat_messages(GROUP) if "Tonight's film!" in m.text]) == 1, "posted once"
    with pytest.raises(AssertionError, match="closed poll"):
        bot.api.vote(poll, [0], user_id=CAT)


async def test_only_the_opener_or_an_admin_closes(bot: BotHarness) -> None:
    await nominate(bot.services, NOMINEES[:2])
    await open_poll(bot, user=ANN)
    refused = await bot.say("/movienight close", chat_id=GROUP, chat_type="supergroup", user_id=BEN)
    assert refused.text == "Only the member who opened the poll or an admin can close it."
    assert bot.calls("stopPoll") == []
    bot.api.members[(GROUP, CAT)] = "administrator"
    closed = await bot.say("/movienight close", chat_id=GROUP, chat_type="supergroup", user_id=CAT)
    assert "No votes were cast." in closed.text
    assert len(bot.calls("stopPoll")) == 1


async def test_scheduled_close_is_announced_in_its_own_chat(bot: BotHarness) -> None:
    await nominate(bot.services, NOMINEES[:2])
    await nominate(bot.services, NOMINEES[1:], chat=OTHER_GROUP)
    await open_poll(bot)
    await open_poll(bot, "/movienight poll 48", chat=OTHER_GROUP)
    first = bot.api.poll_message(GROUP)
    bot.api.vote(first, [1], user_id=BEN, name="Ben")
    info = await movienight_service(bot.services).open_poll_for_chat("telegram", str(GROUP))
    assert info is not None
    await settle(bot, info.id, {BEN: (info.film_ids[1],)})

    mark = len(bot.api.calls)
    closed = await announcements(bot.services).run_due(bot.services.clock() + timedelta(hours=25))
    assert [c.chat_id for c in closed] == [str(GROUP)]  # the 48-hour poll stays open
    sent = await bot.api.wait_for("sendMessage", lambda c: c.params["chat_id"] == GROUP, since=mark)
    assert str(sent.params["text"]).startswith("<b>Spirited Away (2001)</b>")
    assert "1 member voted" in str(sent.params["text"])
    assert [c.params["chat_id"] for c in bot.calls("stopPoll")] == [GROUP]
    assert bot.api.poll_message(OTHER_GROUP).message["poll"]["is_closed"] is False
    assert not [c for c in bot.api.calls[mark:] if c.params.get("chat_id") == OTHER_GROUP]


async def test_votes_survive_a_restart_and_late_answers_count(tmp_path: Path) -> None:
    api = new_api()
    await api.start()
    try:
        services = await make_services(tmp_path, sample_films(), telegram=bot_settings(api))
        async with running_bot(tmp_path, api=api, services=services) as first:
            await nominate(services, NOMINEES)
            await open_poll(first)
            poll = api.poll_message(GROUP)
            info = await movienight_service(services).open_poll_for_chat("telegram", str(GROUP))
            assert info is not None
            api.vote(poll, [0], user_id=ANN)
            await settle(first, info.id, {ANN: (info.film_ids[0],)})
        await services.db.dispose()
        api.vote(poll, [2], user_id=BEN, name="Ben")  # cast while the bot is down: Telegram keeps it

        # A new process: new services on the same SQLite file, a new Application, the same Telegram.
        later = await make_services(tmp_path, [], telegram=bot_settings(api))
        try:
            async with running_bot(tmp_path, api=api, services=later) as second:
                await settle(second, info.id, {ANN: (info.film_ids[0],), BEN: (info.film_ids[2],)})
                api.vote(poll, [2], user_id=CAT, name="Cat")  # and one after the restart
                await settle(second, info.id, {CAT: (info.film_ids[2],)})
                announcement = await second.say("/movienight close", chat_id=GROUP, chat_type="supergroup")
                assert announcement.text.startswith("Amélie (2001)")
                assert "3 members voted" in announcement.text and "🏆 Amélie (2001) — 2 votes" in announcement.text
        finally:
            await later.db.dispose()
    finally:
        await api.stop()


async def test_a_poll_due_while_down_is_announced_when_telegram_connects(tmp_path: Path) -> None:
    api = new_api()
    await api.start()
    try:
        services = await make_services(tmp_path, sample_films(), telegram=bot_settings(api))
        async with running_bot(tmp_path, api=api, services=services) as first:
            await nominate(services, NOMINEES[:2])
            await open_poll(first)
            poll = api.poll_message(GROUP)
            api.vote(poll, [0], user_id=BEN, name="Ben")
            info = await movienight_service(services).open_poll_for_chat("telegram", str(GROUP))
            assert info is not None
            await settle(first, info.id, {BEN: (info.film_ids[0],)})
        await services.db.dispose()

        later = await make_services(tmp_path, [], telegram=bot_settings(api))
        # The restarted process's scheduler wakes a day later: the poll came due while we were down.
        announcements(later, ManualClock(later.clock() + timedelta(hours=30)))
        mark = len(api.calls)
        try:
            async with running_bot(tmp_path, api=api, services=later) as second:
                sent = await api.wait_for("sendMessage", lambda c: c.params["chat_id"] == GROUP, since=mark)
                assert str(sent.params["text"]).startswith("<b>Parasite (2019)</b>")
                assert "1 member voted" in str(sent.params["text"])
                assert poll.message["poll"]["is_closed"] is True
                assert len([c for c in api.calls[mark:] if c.method == "stopPoll"]) == 1
                closed = await movienight_service(second.services).poll(info.id)
                assert closed is not None and not closed.is_open
        finally:
            await later.db.dispose()
        announced = [c for c in api.calls[mark:] if c.method == "sendMessage" and "Tonight" in str(c.params)]
        assert len(announced) == 1, "announced once"
    finally:
        await api.stop()


async def test_ranked_vote_uses_a_button_ballot(bot: BotHarness) -> None:
    await nominate(bot.services, NOMINEES)
    call = await open_poll(bot, "/movienight poll 24 ranked")
    assert bot.calls("sendPoll") == []
    ballot = await ballot_message(bot, call)
    assert ballot.text.startswith("Movie night: rank up to 3 films, your favourite first.")
    assert "your first tap is your 1st choice" in ballot.text
    data = [b["callback_data"] for b in ballot.buttons]
    assert all(len(d.encode()) <= 64 for d in data)
    assert sum(d.startswith("mn:") for d in data) == 3

    first = await press(bot, ballot, "Amélie")
    assert first["text"] == "Vote recorded. Your ranking: 1. Amélie"
    second = await press(bot, ballot, "Parasite")
    assert second["text"].endswith("Your ranking: 1. Amélie · 2. Parasite")
    mine = await press(bot, ballot, "My ballot")
    assert mine["show_alert"] is True and "1. Amélie · 2. Parasite" in mine["text"]
    unranked = await press(bot, ballot, "Amélie")
    assert unranked["text"].endswith("Your ranking: 1. Parasite")
    await press(bot, ballot, "Spirited", user=BEN)
    cleared = await press(bot, ballot, "Clear", user=BEN)
    assert cleared["text"] == "Vote retracted. Your ballot is empty."
    await press(bot, ballot, "Spirited", user=CAT)
    await press(bot, ballot, "Parasite", user=CAT)
    assert ballot.edits == 0
    amelie = ballot.button("Amélie")["callback_data"]

    announcement = await bot.say("/movienight close", chat_id=GROUP, chat_type="supergroup")
    assert "ranked, Borda count" in announcement.text
    assert announcement.text.startswith("Parasite (2019)")  # 3 (Ann's 1st) + 2 (Cat's 2nd) points
    assert_ballot_closed(bot.api, ballot)
    edit = bot.calls("editMessageText")[0]
    said = bot.calls("sendMessage")[-1]
    assert bot.api.calls.index(edit) < bot.api.calls.index(said), "the ballot closes, then the result below it"
    late = await press_data(bot.api, ballot, amelie, user=BEN)  # a stale client still shows the old buttons
    assert late["show_alert"] is True and "closed" in late["text"]
    assert bot.calls("stopPoll") == []


async def test_a_slate_too_big_for_a_native_poll(tmp_path: Path) -> None:
    films = [*sample_films(), *(Film(title=f"Night Film {i}", year=2000 + i) for i in range(13))]
    async with running_bot(tmp_path, films=films) as bot:
        await nominate(bot.services, tuple(f"Night Film {i}" for i in range(13)), chat=USER)
        mark = len(bot.api.calls)
        bot.api.send_text("/movienight poll", user_id=USER)
        ballot_call = await bot.api.wait_for("sendMessage", lambda c: "mn:" in str(c.params), since=mark)
        sent = [c for c in bot.api.calls[mark:] if c.method == "sendMessage"]
        assert len(sent) == 2, "one nominee list, then the ballot (not 13 cards)"
        assert str(sent[0].params["text"]).startswith("<b>The nominees</b>")
        assert bot.calls("sendPoll") == []
        ballot = bot.api.messages[(USER, ballot_call.result["message_id"])]  # type: ignore[index]
        assert "Tap a film to vote for it" in ballot.text
        answer = await press(bot, ballot, "Night Film 12")
        assert answer["text"] == "Vote recorded. Your pick: Night Film 12"
        moved = await press(bot, ballot, "Night Film 3")
        assert moved["text"] == "Vote recorded. Your pick: Night Film 3"


def test_fake_refuses_votes_telegram_would_not_send(tmp_path: Path) -> None:
    api = FakeBotApi()
    api.chat(GROUP, "supergroup")
    anonymous = SentMessage("", {"poll": {"id": "P1", "is_anonymous": True, "is_closed": False, "options": []}})
    with pytest.raises(AssertionError, match="anonymous"):
        api.vote_update(anonymous, api.user(ANN), [0])


async def test_a_scheduled_close_takes_the_buttons_off_the_ballot(tmp_path: Path) -> None:
    api = new_api()
    await api.start()
    services = await make_services(tmp_path, sample_films(), telegram=bot_settings(api))
    clock = ManualClock(services.clock())
    services.clock = clock.now
    announcements(services, clock)
    try:
        async with running_bot(tmp_path, api=api, services=services) as bot:
            await nominate(services, NOMINEES)
            call = await open_poll(bot, "/movienight poll 2 ranked")
            ballot = await ballot_message(bot, call)
            await press(bot, ballot, "Amélie", user=BEN)
            mark = len(bot.api.calls)
            clock.advance(timedelta(hours=2))
            said = await bot.api.wait_for("sendMessage", lambda c: "Tonight" in str(c.params), since=mark)
            assert str(said.params["text"]).startswith("<b>Amélie (2001)</b>")
            assert_ballot_closed(bot.api, ballot)
            edit = bot.calls("editMessageText")[0]
            assert bot.api.calls.index(edit) < bot.api.calls.index(said)
    finally:
        await services.db.dispose()
        await api.stop()


async def test_the_announcer_closes_the_ballot_when_the_listener_could_not(bot: BotHarness) -> None:
    await nominate(bot.services, NOMINEES)
    call = await open_poll(bot, "/movienight poll 24 ranked")
    ballot = await ballot_message(bot, call)
    bot.api.fail("editMessageText", 500, "Internal Server Error")  # the close listener's edit fails once
    mark = len(bot.api.calls)
    closed = await announcements(bot.services).run_due(bot.services.clock() + timedelta(hours=25))
    assert len(closed) == 1 and not closed[0].native
    await bot.api.wait_for("sendMessage", lambda c: "No votes" in str(c.params), since=mark)
    assert len(bot.calls("editMessageText")) == 2  # the listener's (failed), then the announcer's
    assert ballot.buttons == [] and "Voting is closed" in ballot.text


async def test_after_a_restart_a_close_still_takes_the_buttons_off_the_old_ballot(tmp_path: Path) -> None:
    api = new_api()
    await api.start()
    try:
        services = await make_services(tmp_path, sample_films(), telegram=bot_settings(api))
        async with running_bot(tmp_path, api=api, services=services) as first:
            await nominate(services, NOMINEES)
            call = await open_poll(first, "/movienight poll 24 ranked")
            ballot = await ballot_message(first, call)
            await press(first, ballot, "Spirited")
        await services.db.dispose()

        later = await make_services(tmp_path, [], telegram=bot_settings(api))
        try:
            async with running_bot(tmp_path, api=api, services=later) as second:
                announcement = await second.say("/movienight close", chat_id=GROUP, chat_type="supergroup")
                assert announcement.text.startswith("Spirited Away (2001)")
                assert_ballot_closed(api, ballot)
        finally:
            await later.db.dispose()
    finally:
        await api.stop()


async def test_a_poll_duration_that_is_not_whole_hours_is_explained(bot: BotHarness) -> None:
    await nominate(bot.services, NOMINEES[:2])
    answer = await bot.say("/movienight poll 0.01", chat_id=GROUP, chat_type="supergroup")
    assert "hours: a whole number from 1 to 768" in answer.text, answer.text
    assert bot.calls("sendPoll") == []
