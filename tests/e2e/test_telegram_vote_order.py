"""Votes count in the order Telegram sent them (issue 10 §1), and ballot buttons only work in their own chat
(issue 16 §3): the real Application long-polling the fake Bot API, many updates in one getUpdates batch.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from adapters.telegram.fake_server import FakeBotApi, SentMessage
from bot.films.model import Film
from bot.polls import movienight_service
from bot.polls.models import BallotRow
from bot.polls.voting import NOT_HERE
from bot.services import Services
from tests.adapters.telegram.harness import GROUP, bot_settings, eventually, new_api, running_bot
from tests.e2e.test_telegram_movienight import ballot_message, nominate, open_poll, press_data, settle
from tests.support.catalog import make_services, sample_films

FILMS = [*sample_films(), Film(title="Interstellar", year=2014), Film(title="The Godfather", year=1972)]
DUEL = ("Interstellar", "The Godfather")
MEMBERS = tuple(5000 + i for i in range(10))
ROUNDS = 4


def answer_twice(api: FakeBotApi, poll: SentMessage) -> dict[int, int]:
    """Ten members answer twice, all in one batch (pushed with no await in between): eight move from
    Interstellar to The Godfather, two take their vote back. Returns each member's last update id."""
    last: dict[int, int] = {}
    for n, member in enumerate(MEMBERS):
        api.vote(poll, [0], user_id=member, name=f"M{n}")
        last[member] = api.vote(poll, [1] if n < 8 else [], user_id=member, name=f"M{n}")
    return last


async def handled(services: Services, poll_id: int, last: dict[int, int]) -> None:
    """Wait until each member's ballot holds their last update (a retraction too, which looks like "no vote
    yet" from outside): only then is a close sure to come after every answer."""

    async def done() -> bool:
        async with services.db.session() as session:
            query = select(BallotRow.voter_id, BallotRow.seq).where(BallotRow.night_id == poll_id)
            held = {voter: seq for voter, seq in (await session.execute(query)).all()}
        return all(held.get(str(member)) == update_id for member, update_id in last.items())

    await eventually(done, what="every member's last answer handled")


async def test_a_batch_of_changed_answers_counts_each_members_last(tmp_path: Path) -> None:
    async with running_bot(tmp_path, films=FILMS) as bot:
        for round_no in range(ROUNDS):
            group = GROUP - round_no
            await nominate(bot.services, DUEL, chat=group)
            await open_poll(bot, chat=group)
            info = await movienight_service(bot.services).open_poll_for_chat("telegram", str(group))
            assert info is not None
            godfather = info.film_ids[1]
            await handled(bot.services, info.id, answer_twice(bot.api, bot.api.poll_message(group)))
            await settle(bot, info.id, {m: (godfather,) if n < 8 else () for n, m in enumerate(MEMBERS)})
            said = await bot.say("/movienight close", chat_id=group, chat_type="supergroup")
            assert "8 members voted" in said.text, said.text
            assert "🏆 The Godfather (1972) — 8 votes" in said.text
            assert "Interstellar (2014) — 0 votes" in said.text


async def test_answers_queued_during_a_restart_count_in_order(tmp_path: Path) -> None:
    api = new_api()
    await api.start()
    try:
        services = await make_services(tmp_path, FILMS, telegram=bot_settings(api))
        async with running_bot(tmp_path, api=api, services=services) as first:
            await nominate(services, DUEL)
            await open_poll(first)
            poll = api.poll_message(GROUP)
            info = await movienight_service(services).open_poll_for_chat("telegram", str(GROUP))
            assert info is not None
        await services.db.dispose()
        # While the bot is down each member votes and changes the vote: both wait at Telegram.
        last = answer_twice(api, poll)
        later = await make_services(tmp_path, [], telegram=bot_settings(api))
        try:
            async with running_bot(tmp_path, api=api, services=later) as second:
                godfather = info.film_ids[1]
                await handled(later, info.id, last)
                await settle(second, info.id, {m: (godfather,) if n < 8 else () for n, m in enumerate(MEMBERS)})
                said = await second.say("/movienight close", chat_id=GROUP, chat_type="supergroup")
                assert "🏆 The Godfather (1972) — 8 votes" in said.text and "Interstellar (2014) — 0 votes" in said.text
        finally:
            await later.db.dispose()
    finally:
        await api.stop()


async def test_a_batch_of_ballot_presses_counts_in_order(tmp_path: Path) -> None:
    async with running_bot(tmp_path, films=FILMS) as bot:
        await nominate(bot.services, ("Parasite", "Spirited Away", "Amélie"))
        ballot = await ballot_message(bot, await open_poll(bot, "/movienight poll 24 ranked"))
        info = await movienight_service(bot.services).open_poll_for_chat("telegram", str(GROUP))
        assert info is not None
        parasite, spirited, amelie = info.film_ids
        data = {film: f"mn:{info.id}:{film}" for film in info.film_ids}
        mark = len(bot.api.calls)
        for member in MEMBERS:  # each ranks Amélie, Parasite, Spirited Away; un-ranks Parasite; ranks it again
            for film in (amelie, parasite, spirited, parasite, parasite):
                bot.api.press(ballot, data[film], user_id=member)

        async def answered() -> bool:
            return len([c for c in bot.api.calls[mark:] if c.method == "answerCallbackQuery"]) == 5 * len(MEMBERS)

        await eventually(answered, what="every press answered")
        await settle(bot, info.id, dict.fromkeys(MEMBERS, (amelie, spirited, parasite)))


async def test_a_crafted_ballot_button_from_another_chat_changes_nothing(tmp_path: Path) -> None:
    other = GROUP - 77
    async with running_bot(tmp_path, films=FILMS) as bot:
        await nominate(bot.services, ("Parasite", "Spirited Away", "Amélie"))
        ballot = await ballot_message(bot, await open_poll(bot, "/movienight poll 24 ranked"))
        info = await movienight_service(bot.services).open_poll_for_chat("telegram", str(GROUP))
        assert info is not None
        film = info.film_ids[0]
        ours = await press_data(bot.api, ballot, f"mn:{info.id}:{film}", user=MEMBERS[0])
        assert ours["text"].startswith("Vote recorded.")
        # A stranger's message in another group carries the crafted data (a bot message there, edited by
        # nobody: the data is whatever a modified client sends).
        elsewhere = await bot.say("/help", chat_id=other, chat_type="supergroup", user_id=MEMBERS[1])
        for data in (f"mn:{info.id}:{film}", f"mx:{info.id}", f"mb:{info.id}"):
            for member in MEMBERS[:2]:
                answer = await press_data(bot.api, elsewhere, data, user=member)
                assert answer["text"] == NOT_HERE and answer["show_alert"] is True
        # In the right chat, a film that is not on this poll's slate is refused too.
        off_slate = next(f for f in range(1, 100) if f not in info.film_ids)
        refused = await press_data(bot.api, ballot, f"mn:{info.id}:{off_slate}", user=MEMBERS[1])
        assert refused["show_alert"] is True and "Vote recorded" not in refused["text"]
        ballots = movienight_service(bot.services)
        assert await ballots.ballot_of(info.id, str(MEMBERS[0])) == (film,)
        assert await ballots.ballot_of(info.id, str(MEMBERS[1])) == ()
        assert [c for c in bot.api.calls if c.method == "editMessageText"] == []
