"""The movie-night jobs both adapters used to do themselves, now once in the core: a ballot press and its
answer, finishing a poll's platform messages exactly once, and native votes that arrive before their poll."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.commands import Actor
from bot.polls.ballots import EMPTY_BALLOT, ballot_summary
from bot.polls.delivery import NativeVote
from bot.polls.service import ClosedPoll
from bot.polls.voting import NOT_HERE, Where
from bot.replies import PollCard
from bot.services import Services
from tests.support.movienight import open_movie_night

NOW = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)
ALICE = Actor("telegram", "1", "-100", display_name="Alice")
HERE = Where("telegram", "-100")


@pytest.fixture
def services(services: Services) -> Services:
    services.clock = lambda: NOW
    return services


async def open_poll(services: Services, mode: str, *titles: str) -> PollCard:
    return await open_movie_night(services, ALICE, *titles, mode=mode)


class Transport:
    """A platform that records what the core asked of it; `answers` says whether each step is done."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, int, str, str]] = []
        self.cards: list[PollCard | None] = []

    def _answer(self) -> bool:
        return self.answers.pop(0) if self.answers else True

    async def end_native_poll(self, poll_id: int, chat_id: str, message_id: str) -> bool:
        self.calls.append(("end", poll_id, chat_id, message_id))
        return self._answer()

    async def disarm_ballot(self, poll_id: int, chat_id: str, message_id: str, card: PollCard | None) -> bool:
        self.calls.append(("disarm", poll_id, chat_id, message_id))
        self.cards.append(card)
        return self._answer()


def test_the_ballot_summary_is_one_string_for_every_platform() -> None:
    assert ballot_summary("ranked", ["A", "B"]) == "Your ranking: 1. A · 2. B"
    assert ballot_summary("multiple", ["A", "B"]) == "Your picks: A, B"
    assert ballot_summary("single", ["A"]) == "Your pick: A"
    assert ballot_summary("single", []) == EMPTY_BALLOT == "Your ballot is empty."
    assert ballot_summary("ranked", ["Amélie", "x" * 50], lambda s: s[:5]) == "Your ranking: 1. Améli · 2. xxxxx"


async def test_a_ballot_press_changes_the_ballot_and_answers_with_it(services: Services) -> None:
    card = await open_poll(services, "ranked", "parasite", "spirited away")
    mn = services.movienights
    p, s = (o.film_id for o in card.options)
    lp, ls = (o.label for o in card.options)
    first = await mn.click(card.night_id, "u", s, where=HERE, seq=1)
    assert first.ok and first.text() == f"Vote recorded. Your ranking: 1. {ls}"
    second = await mn.click(card.night_id, "u", p, where=HERE, seq=2)
    assert second.labels == (ls, lp)
    assert (await mn.click(card.night_id, "u", p, where=HERE, seq=1)).labels == second.labels  # stale: ignored
    mine = await mn.click(card.night_id, "u", "me", where=HERE, seq=None)
    assert mine.ok and mine.text() == f"Your ranking: 1. {ls} · 2. {lp}"
    cleared = await mn.click(card.night_id, "u", "clear", where=HERE, seq=3)
    assert cleared.text() == "Vote retracted. Your ballot is empty."
    elsewhere = await mn.click(card.night_id, "u", p, where=Where("telegram", "-200"), seq=4)
    assert not elsewhere.ok and elsewhere.text() == NOT_HERE
    assert await mn.ballot_of(card.night_id, "u") == ()
    assert isinstance(await mn.close(card.night_id, None), ClosedPoll)
    closed = await mn.click(card.night_id, "u", "me", where=HERE, seq=None)
    assert closed.ok and closed.text() == "This poll is closed. Your ballot is empty."
    late = await mn.click(card.night_id, "u", p, where=HERE, seq=5)
    assert not late.ok and "closed" in late.message


async def test_a_closed_poll_is_finished_once_and_retried_while_the_platform_fails(services: Services) -> None:
    card = await open_poll(services, "ranked", "parasite", "spirited away")
    mn = services.movienights
    transport = Transport(False)  # the first edit fails (e.g. a 5xx): the announcer's try must still run
    mn.connect_platform("telegram", transport)
    assert await mn.ballot_posted(card.night_id, "77")
    closed = await mn.close(card.night_id, None)
    assert isinstance(closed, ClosedPoll)
    await mn.finish(closed)  # the scheduler's announcer
    await mn.finish(closed)  # and once more: nothing left to do
    assert transport.calls == [("disarm", card.night_id, "-100", "77")] * 2
    assert isinstance(transport.cards[-1], PollCard) and transport.cards[-1].night_id == card.night_id


async def test_a_ballot_posted_after_its_poll_closed_is_disarmed_at_once(services: Services) -> None:
    card = await open_poll(services, "ranked", "parasite", "spirited away")
    mn = services.movienights
    transport = Transport()
    mn.connect_platform("telegram", transport)
    assert isinstance(await mn.close(card.night_id, None), ClosedPoll)  # no message known yet: nothing to do
    assert transport.calls == []
    assert await mn.ballot_posted(card.night_id, "78")
    assert transport.calls == [("disarm", card.night_id, "-100", "78")]
    other = Transport()
    mn.connect_platform("telegram", other)  # a reconnected client replaces the old transport
    mn.disconnect_platform("telegram", transport)  # ...and the old one leaving does not remove it
    assert not await mn.ballot_posted(card.night_id + 99, "79")  # unknown poll: nothing attached
    assert other.calls == []


async def test_a_native_vote_before_its_poll_is_attached_is_held_and_replayed(services: Services) -> None:
    card = await open_poll(services, "single", "parasite", "spirited away")
    mn = services.movienights
    vote = NativeVote("telegram", "tg-poll", "u", "set", (1,), seq=10)
    unknown = await mn.native_vote(NativeVote("telegram", "nobody", "u", "set", (0,)))
    assert not unknown.ok and unknown.poll_id is None  # nothing being posted: refused, not held
    with mn.posting("telegram"):
        early = await mn.native_vote(vote)
        assert not early.ok
        assert await mn.attach_native_poll(card.night_id, "tg-poll", "5")
    assert await mn.ballot_of(card.night_id, "u") == (card.options[1].film_id,)
    assert (await mn.native_vote(NativeVote("telegram", "tg-poll", "u", "set", (0,), seq=9))).ok  # older: ignored
    assert await mn.ballot_of(card.night_id, "u") == (card.options[1].film_id,)


async def test_a_native_vote_that_lost_the_race_with_the_attach_is_retried(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = await open_poll(services, "multiple", "parasite", "spirited away")
    mn = services.movienights
    lookup = mn._native_poll_id
    looked_up, attached = asyncio.Event(), asyncio.Event()

    async def slow_lookup(platform: str, platform_poll_id: str) -> int | None:
        found = await lookup(platform, platform_poll_id)
        looked_up.set()
        await attached.wait()  # back only after the attach committed and replayed what it held
        return found

    monkeypatch.setattr(mn, "_native_poll_id", slow_lookup)
    with mn.posting("telegram"):
        voting = asyncio.create_task(mn.native_vote(NativeVote("telegram", "m1", "u", "add", (0,))))
        await looked_up.wait()
        monkeypatch.setattr(mn, "_native_poll_id", lookup)
        assert await mn.attach_native_poll(card.night_id, "m1", "m1")
        attached.set()
        assert (await voting).ok
    assert await mn.ballot_of(card.night_id, "u") == (card.options[0].film_id,)
