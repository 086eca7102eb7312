"""Movie nights end to end through the registry and the service, on a real temporary SQLite database."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.commands import Actor, CommandContext
from bot.films.model import Film
from bot.polls import movienight_service
from bot.polls.rules import break_tie, tie_seed
from bot.polls.service import ClosedPoll, MovieNightService
from bot.replies import FilmCard, FilmList, PollCard, Problem, Reply, Text
from bot.services import Services
from bot.store.films import FilmRepository
from tests.support.catalog import sample_films

NOW = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)
ALICE = Actor("telegram", "1", "-100", display_name="Alice")
BOB = Actor("telegram", "2", "-100", display_name="Bob")
ADMIN = Actor("telegram", "9", "-100", is_group_admin=True, display_name="Ada")


@pytest.fixture
def catalog_films() -> list[Film]:
    # Two equally obscure films of one title: a lookup can't choose, so it must offer a picker.
    twins = [Film("Solaris", year=1972, genres=["Drama"]), Film("Solaris", year=2002, genres=["Drama"])]
    return [*sample_films(), *twins]


@pytest.fixture
def services(services: Services) -> Services:
    services.clock = lambda: NOW
    return services


async def run(services: Services, actor: Actor, line: str, **args: Any) -> Reply:
    if args:
        spec = services.registry.get(line.split()[1], group="movienight")
        assert spec is not None
        raw: Mapping[str, Any] = args
    else:
        parsed = services.registry.resolve_text(line)
        assert not isinstance(parsed, Problem), parsed
        spec, raw = parsed
    return await services.registry.run(spec, CommandContext(actor, services), raw)


async def film_id(services: Services, title: str, year: int | None = None) -> int:
    async with services.db.session() as s:
        films = await FilmRepository(s).get_many(list(range(1, 100)))
    return next(f.id for f in films.values() if f.title == title and (year is None or f.year == year) and f.id)


async def slate(services: Services, *titles: str) -> None:
    for title in titles:
        reply = await run(services, ALICE, f"/movienight nominate {title}")
        assert isinstance(reply, Text), reply


async def test_nominate_shows_who_and_refuses_duplicates(services: Services) -> None:
    reply = await run(services, ALICE, "/movienight nominate parasite")
    assert isinstance(reply, Text) and "Parasite (2019) is on the slate, nominated by Alice" in reply.body
    again = await run(services, BOB, "/movienight nominate parasite")
    assert isinstance(again, Problem) and again.kind == "conflict"
    assert "already on the slate (nominated by Alice)" in again.message
    listing = await run(services, BOB, "/movienight list")
    assert isinstance(listing, Text) and "1. Parasite (2019) — nominated by Alice" in listing.body


async def test_ambiguous_title_returns_the_picker_and_id_nominates(services: Services) -> None:
    reply = await run(services, ALICE, "/movienight nominate solaris")
    assert isinstance(reply, FilmList) and reply.kind == "did_you_mean"
    picked = reply.items[1]
    done = await run(services, ALICE, f"/movienight nominate #{picked.film_id}")
    assert isinstance(done, Text) and f"({picked.year})" in done.body


async def test_removed_film_cannot_be_nominated(services: Services) -> None:
    fid = await film_id(services, "Amélie")
    async with services.db.session() as s, s.begin():
        await FilmRepository(s).set_removed(fid, True)
    reply = await run(services, ALICE, f"/movienight nominate #{fid}")
    assert isinstance(reply, Problem) and "was removed from the catalog" in reply.message


async def test_remove_only_by_nominator_or_admin(services: Services) -> None:
    await slate(services, "parasite", "spirited away")
    refused = await run(services, BOB, "/movienight remove parasite")
    assert isinstance(refused, Problem) and refused.kind == "forbidden" and "Alice" in refused.message
    assert isinstance(await run(services, ADMIN, "/movienight remove parasite"), Text)
    assert isinstance(await run(services, ALICE, "/movienight remove spirited away"), Text)
    missing = await run(services, ALICE, "/movienight remove spirited away")
    assert isinstance(missing, Problem) and "isn't on the slate" in missing.message


async def test_poll_needs_two_films_and_only_one_is_open(services: Services) -> None:
    await slate(services, "parasite")
    few = await run(services, ALICE, "/movienight poll")
    assert isinstance(few, Problem) and "at least 2 nominated films; the slate has 1" in few.message
    await slate(services, "spirited away", f"#{await film_id(services, 'Miracle in Cell No. 7', 2019)}",
                f"#{await film_id(services, 'Miracle in Cell No. 7', 2013)}")  # fmt: skip
    card = await run(services, ALICE, "/movienight poll 48")
    assert isinstance(card, PollCard) and card.native and card.mode == "single"
    assert [o.label for o in card.options] == [
        "Parasite", "Spirited Away", "Miracle in Cell No. 7 (2019)", "Miracle in Cell No. 7 (2013)",
    ]  # fmt: skip
    assert len(card.cards) == 4 and card.duration_hours == 48
    assert card.closes_at_iso == (NOW + timedelta(hours=48)).isoformat(timespec="minutes")
    second = await run(services, BOB, "/movienight poll")
    assert isinstance(second, Problem) and second.kind == "conflict"


async def test_ranked_polls_are_button_ballots_scored_by_borda(services: Services) -> None:
    await slate(services, "parasite", "spirited away", "amelie")
    card = await run(services, ALICE, "/movienight poll 24 ranked")
    assert isinstance(card, PollCard) and not card.native and card.ranked and card.max_choices == 3
    mn = movienight_service(services)
    p, s, a = (o.film_id for o in card.options)
    for voter, ranking in {"1": [p, s, a], "2": [p, s, a], "3": [s, a, p], "4": [s, p, a], "5": [a, s, p]}.items():
        assert (await mn.record_ballot(card.night_id, voter, ranking)).ok
    bad = await mn.record_ballot(card.night_id, "6", [p, p])
    assert not bad.ok and "only once" in bad.message
    closed = await mn.close(card.night_id, ALICE)
    assert isinstance(closed, ClosedPoll) and closed.winner_film_id == s
    assert isinstance(closed.announcement, FilmCard) and closed.announcement.title == "Spirited Away"
    assert "ranked, Borda count" in (closed.announcement.notice or "")
    assert "Spirited Away (2001) — 12 points" in (closed.announcement.notice or "")


async def native_poll(services: Services, *titles: str) -> tuple[MovieNightService, PollCard]:
    await slate(services, *titles)
    card = await run(services, ALICE, "/movienight poll")
    assert isinstance(card, PollCard)
    mn = movienight_service(services)
    assert await mn.attach_native_poll(card.night_id, "tg-poll-1", "555")
    return mn, card


async def test_native_votes_replace_retract_and_close_announces_counts(services: Services) -> None:
    mn, card = await native_poll(services, "parasite", "spirited away", "1917")
    vote = await mn.record_native_vote("telegram", "tg-poll-1", "1", [0])
    assert vote.ok and vote.choices == (card.options[0].film_id,)
    assert (await mn.record_native_vote("telegram", "tg-poll-1", "1", [0])).ok  # same vote twice: counts once
    await mn.record_native_vote("telegram", "tg-poll-1", "2", [0])
    await mn.record_native_vote("telegram", "tg-poll-1", "2", [1])  # changed: replaces
    await mn.record_native_vote("telegram", "tg-poll-1", "3", [2])
    retract = await mn.record_native_vote("telegram", "tg-poll-1", "3", [])
    assert retract.ok and retract.choices == ()
    two = await mn.record_native_vote("telegram", "tg-poll-1", "4", [0, 1])
    assert not two.ok and "one film" in two.message
    unknown = await mn.record_native_vote("telegram", "nope", "4", [0])
    assert not unknown.ok
    refused = await run(services, BOB, "/movienight close")
    assert isinstance(refused, Problem) and refused.kind == "forbidden"
    reply = await run(services, ALICE, "/movienight close")
    tied = [card.options[0].film_id, card.options[1].film_id]
    assert isinstance(reply, FilmCard) and reply.film_id == break_tie(tied, tie_seed(card.night_id))
    assert reply.notice is not None
    assert "2 members voted" in reply.notice and "Parasite (2019) — 1 vote" in reply.notice
    assert "Spirited Away (2001) — 1 vote" in reply.notice and "1917 (2019) — 0 votes" in reply.notice
    assert f"seed {tie_seed(card.night_id)}" in reply.notice
    late = await mn.record_native_vote("telegram", "tg-poll-1", "5", [1])
    assert not late.ok and "closed" in late.message
    none_open = await run(services, ALICE, "/movienight close")
    assert isinstance(none_open, Problem) and "no open movie-night poll" in none_open.message
    # The next night starts from a fresh slate (the default; see the carry-over test).
    listing = await run(services, ALICE, "/movienight list")
    assert isinstance(listing, Problem) or "1917" not in getattr(listing, "body", ""), listing


async def test_discord_answer_events(services: Services) -> None:
    discord = Actor("discord", "10", "chan", display_name="D")
    for title in ("parasite", "spirited away"):
        await run(services, discord, f"/movienight nominate {title}")
    card = await run(services, discord, "/movienight poll 2 multiple")
    assert isinstance(card, PollCard) and card.native and card.multiple
    mn = movienight_service(services)
    await mn.attach_native_poll(card.night_id, "msg-1", "msg-1")
    await mn.add_native_answer("discord", "msg-1", "u", 0)
    await mn.add_native_answer("discord", "msg-1", "u", 1)
    await mn.add_native_answer("discord", "msg-1", "u", 1)
    receipt = await mn.remove_native_answer("discord", "msg-1", "u", 0)
    assert receipt.choices == (card.options[1].film_id,)
    bad = await mn.add_native_answer("discord", "msg-1", "u", 7)
    assert not bad.ok


async def test_no_votes_gives_a_text(services: Services) -> None:
    mn, _ = await native_poll(services, "parasite", "spirited away")
    closed = await mn.close(("telegram", "-100"), None)
    assert isinstance(closed, ClosedPoll) and closed.winner_film_id is None
    assert isinstance(closed.announcement, Text) and "No votes were cast" in closed.announcement.body


async def test_watched_history_and_flag_on_renomination(services: Services) -> None:
    mn, _ = await native_poll(services, "parasite", "spirited away")
    await mn.record_native_vote("telegram", "tg-poll-1", "1", [1])
    await run(services, ALICE, "/movienight close")
    watched = await run(services, BOB, "/movienight watched")
    assert isinstance(watched, Text) and "Spirited Away (2001)" in watched.body
    again = await run(services, BOB, "/movienight watched")
    assert isinstance(again, Text) and "already marked" in again.body
    renominated = await run(services, BOB, "/movienight nominate spirited away")
    assert isinstance(renominated, Text) and "already watched it (2025-03-01)" in renominated.body
    history = await run(services, BOB, "/movienight history")
    assert isinstance(history, Text)
    assert "2025-03-01 — Spirited Away (2001) ✓ watched · 1 voter (single: Spirited Away 1, Parasite 0)" in (
        history.body
    )


async def test_suggest_fits_genre_runtime_and_rating_cap(services: Services) -> None:
    reply = await run(services, ALICE, "/movienight suggest drama 130")
    assert isinstance(reply, FilmList)
    titles = [i.title for i in reply.items]
    assert "1917" in titles and "Miracle in Cell No. 7" in titles and "Parasite" not in titles
    refused = await run(services, ALICE, "/movienight settings max_rating 12")
    assert isinstance(refused, Problem) and refused.kind == "forbidden"
    assert isinstance(await run(services, ADMIN, "/movienight settings max_rating 15+"), Text)
    capped = await run(services, ALICE, "/movienight suggest drama")
    assert isinstance(capped, FilmList) and [i.title for i in capped.items] == ["Miracle in Cell No. 7"]
    assert await run(services, ADMIN, "/movienight settings max_rating 12") is not None
    none = await run(services, ALICE, "/movienight suggest drama")
    assert isinstance(none, Problem) and "rated ≤ 12" in none.message


async def test_poll_hours_bounds_and_group_setting(services: Services) -> None:
    await slate(services, "parasite", "spirited away")
    too_long = await run(services, ALICE, "/movienight poll 769")
    assert isinstance(too_long, Problem) and "from 1 to 768" in too_long.message
    await run(services, ADMIN, "/movienight settings poll_hours 6")
    card = await run(services, ALICE, "/movienight poll")
    assert isinstance(card, PollCard) and card.duration_hours == 6


async def test_film_fixture_helper_is_exact(services: Services) -> None:
    assert await film_id(services, "Miracle in Cell No. 7", 2013) != await film_id(
        services, "Miracle in Cell No. 7", 2019
    )


def test_film_param_kind() -> None:
    from bot.polls.commands import SPECS

    assert {s.name for s in SPECS if any(p.kind == "film" for p in s.params)} == {"nominate", "remove"}


async def test_resync_makes_the_platform_the_truth(services: Services) -> None:
    mn, card = await native_poll(services, "parasite", "spirited away", "1917")
    await mn.record_native_vote("telegram", "tg-poll-1", "gone", [0])
    await mn.record_native_vote("telegram", "tg-poll-1", "same", [1])
    changed = await mn.resync_native_votes(card.night_id, {"same": [1], "new": [2], "junk": [9]})
    assert changed == 2  # "gone" retracted while we were down, "new" voted; "junk" ignored
    assert await mn.ballot_of(card.night_id, "gone") == ()
    assert await mn.ballot_of(card.night_id, "new") == (card.options[2].film_id,)
    assert await mn.ballot_of(card.night_id, "same") == (card.options[1].film_id,)


async def test_ballot_buttons_toggle_and_card_can_be_reposted(services: Services) -> None:
    await slate(services, "parasite", "spirited away", "1917")
    card = await run(services, ALICE, "/movienight poll 24 ranked")
    assert isinstance(card, PollCard)
    mn = movienight_service(services)
    p, s, f = (o.film_id for o in card.options)
    await mn.toggle_ballot_choice(card.night_id, "u", s)
    await mn.toggle_ballot_choice(card.night_id, "u", p)
    receipt = await mn.toggle_ballot_choice(card.night_id, "u", f)
    assert receipt.choices == (s, p, f)
    receipt = await mn.toggle_ballot_choice(card.night_id, "u", p)  # un-rank: the rest move up
    assert receipt.choices == (s, f)
    again = await mn.card_for(card.night_id)
    assert isinstance(again, PollCard) and again.options == card.options and again.ranked


async def test_discord_slate_beyond_ten_films_becomes_a_button_ballot(services: Services) -> None:
    discord = Actor("discord", "10", "chan", display_name="D")
    for fid in range(1, 14):
        await run(services, discord, f"/movienight nominate #{fid}")
    card = await run(services, discord, "/movienight poll")
    assert isinstance(card, PollCard) and len(card.options) == 13 and not card.native
    assert all(len(o.label) <= 55 for o in card.options)
    assert len({o.label for o in card.options}) == 13
    assert "Solaris (1972)" in {o.label for o in card.options}


async def test_a_button_ballot_message_is_stored_and_carried_by_the_close(services: Services) -> None:
    await slate(services, "parasite", "spirited away", "1917")
    card = await run(services, ALICE, "/movienight poll 24 ranked")
    assert isinstance(card, PollCard) and not card.native
    mn = movienight_service(services)
    assert await mn.attach_ballot_message(card.night_id, "4242")
    assert not await mn.attach_ballot_message(card.night_id + 99, "1")  # unknown poll
    heard: list[ClosedPoll] = []

    async def listener(closed: ClosedPoll) -> None:
        heard.append(closed)

    mn.add_close_listener(listener)
    info = await mn.open_poll_for_chat("telegram", "-100")
    assert info is not None and info.message_id == "4242" and not info.native and info.platform_poll_id is None
    closed = await mn.close(card.night_id, None)
    assert isinstance(closed, ClosedPoll) and not closed.native and closed.message_id == "4242"
    assert heard == [closed]


async def test_a_refused_native_poll_becomes_a_ballot_and_native_polls_are_not_overwritten(
    services: Services,
) -> None:
    mn, card = await native_poll(services, "parasite", "spirited away")
    assert not await mn.attach_ballot_message(card.night_id, "777"), "a native poll is attached"
    info = await mn.poll(card.night_id)
    assert info is not None and info.native and info.message_id == "555"
    closed = await mn.close(card.night_id, None)
    assert isinstance(closed, ClosedPoll) and closed.native and closed.message_id == "555"

    again = await run(services, ALICE, "/movienight poll")
    assert isinstance(again, PollCard) and again.native
    assert await mn.attach_ballot_message(again.night_id, "778")  # the platform refused the native poll
    closed = await mn.close(again.night_id, None)
    assert isinstance(closed, ClosedPoll) and not closed.native and closed.message_id == "778"


async def test_the_next_night_starts_fresh_unless_the_group_carries_the_losers_over(services: Services) -> None:
    """By default a decided night clears its nominees (nominations made during the vote stay for the next
    one); with `/movienight settings carryover on` the losers stay on the slate; an undecided night (no
    votes) leaves the slate alone either way."""
    mn, card = await native_poll(services, "parasite", "spirited away", "1917")
    await mn.record_native_vote("telegram", "tg-poll-1", "1", [0])
    await slate(services, "amelie")  # nominated while the vote runs: for the next night
    winner = await run(services, ALICE, "/movienight close")
    assert isinstance(winner, FilmCard) and winner.film_id == card.options[0].film_id
    fresh = await run(services, ALICE, "/movienight list")
    assert isinstance(fresh, Text) and "Amélie" in fresh.body
    assert "Spirited Away" not in fresh.body and "1917" not in fresh.body and "Parasite" not in fresh.body

    shown = await run(services, ADMIN, "/movienight settings carryover")
    assert isinstance(shown, Text) and "carryover is off" in shown.body
    refused = await run(services, ALICE, "/movienight settings carryover on")
    assert isinstance(refused, Problem) and refused.kind == "forbidden"
    bad = await run(services, ADMIN, "/movienight settings carryover maybe")
    assert isinstance(bad, Problem) and "on or off" in bad.message
    on = await run(services, ADMIN, "/movienight settings carryover on")
    assert isinstance(on, Text) and "carryover set to on" in on.body
    await slate(services, "spirited away", "1917")
    second = await run(services, ALICE, "/movienight poll")
    assert isinstance(second, PollCard)
    assert await mn.attach_native_poll(second.night_id, "tg-poll-2", "556")
    await mn.record_native_vote("telegram", "tg-poll-2", "1", [0])
    won = await run(services, ALICE, "/movienight close")
    assert isinstance(won, FilmCard)
    kept = await run(services, ALICE, "/movienight list")
    assert isinstance(kept, Text) and won.title not in kept.body
    assert sum(t in kept.body for t in ("Amélie", "Spirited Away", "1917")) == 2

    await run(services, ADMIN, "/movienight settings carryover off")
    third = await run(services, ALICE, "/movienight poll")
    assert isinstance(third, PollCard)
    undecided = await run(services, ALICE, "/movienight close")
    assert isinstance(undecided, Text) and "No votes" in undecided.body
    still = await run(services, ALICE, "/movienight list")
    assert isinstance(still, Text) and sum(t in still.body for t in ("Amélie", "Spirited Away", "1917")) == 2
