"""The pure movie-night rules: tallies, Borda, tie-break draw, labels, content ratings."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.polls.rules import (
    Ballot,
    BallotError,
    break_tie,
    check_choices,
    decide,
    latest_ballots,
    native_fits,
    poll_labels,
    ranked_depth,
    rating_age,
    result_text,
    tally,
    text_width,
    tie_seed,
)

OPTIONS = [11, 12, 13, 14, 15, 16, 17]
modes = st.sampled_from(["single", "multiple", "ranked"])
voters = st.sampled_from([f"u{i}" for i in range(12)])
choices = st.lists(st.sampled_from(OPTIONS), max_size=5, unique=True)
ballots = st.lists(st.builds(Ballot, voters, choices.map(tuple)), max_size=40)


@given(modes, ballots)
def test_each_voter_counts_once_and_latest_ballot_wins(mode: str, events: list[Ballot]) -> None:
    result = tally(mode, OPTIONS, events)  # type: ignore[arg-type]
    latest = latest_ballots(events)
    assert result.voters == len(latest)
    # Counting only the latest ballots gives exactly the same tally: earlier ballots left no trace.
    assert tally(mode, OPTIONS, latest.values()) == result  # type: ignore[arg-type]
    if mode != "ranked":
        for film, points in result.scores:
            assert points <= result.voters
            assert points == sum(
                1 for b in latest.values() if film in (b.choices[:1] if mode == "single" else b.choices)
            )


@given(modes, ballots, st.randoms())
def test_tally_is_independent_of_ballot_order(mode: str, events: list[Ballot], rnd: random.Random) -> None:
    distinct = list(latest_ballots(events).values())
    shuffled = distinct[:]
    rnd.shuffle(shuffled)
    assert tally(mode, OPTIONS, distinct) == tally(mode, OPTIONS, shuffled)  # type: ignore[arg-type]


@given(ballots)
def test_borda_total_is_the_sum_over_ballots(events: list[Ballot]) -> None:
    depth = ranked_depth(len(OPTIONS))
    result = tally("ranked", OPTIONS, events)
    expected = sum(sum(depth - r for r in range(min(len(b.choices), depth))) for b in latest_ballots(events).values())
    assert result.total == expected


def test_borda_prefers_the_broadly_liked_film() -> None:
    events = [
        Ballot("a", (11, 12, 13)),
        Ballot("b", (11, 12, 13)),
        Ballot("c", (12, 13, 11)),
        Ballot("d", (12, 11, 13)),
        Ballot("e", (13, 12, 11)),
    ]
    result = tally("ranked", [11, 12, 13], events)
    assert dict(result.scores) == {11: 3 + 3 + 1 + 2 + 1, 12: 2 + 2 + 3 + 3 + 2, 13: 1 + 1 + 2 + 1 + 3}
    assert decide(result, poll_id=1).winner == 12


def test_vote_change_and_retraction() -> None:
    events = [Ballot("a", (11,)), Ballot("a", (12,)), Ballot("b", (11,)), Ballot("b", ())]
    result = tally("single", OPTIONS, events)
    assert result.score(12) == 1 and result.score(11) == 0 and result.voters == 1


@given(st.lists(st.integers(1, 10_000), min_size=1, max_size=8, unique=True), st.integers(0, 9999))
def test_tie_break_is_deterministic_and_picks_a_tied_film(tied: list[int], seed: int) -> None:
    pick = break_tie(tied, seed)
    assert pick in tied
    assert break_tie(list(reversed(tied)), seed) == pick
    assert break_tie(tied, seed) == pick


def test_tie_is_drawn_with_the_poll_seed_and_announced() -> None:
    result = tally("single", [11, 12, 13], [Ballot("a", (11,)), Ballot("b", (12,))])
    outcome = decide(result, poll_id=42)
    assert outcome.tied == (11, 12)
    assert outcome.seed == tie_seed(42)
    assert outcome.winner == break_tie([11, 12], tie_seed(42))
    assert decide(result, poll_id=42) == outcome
    text = result_text(outcome, {11: "Parasite", 12: "Amélie", 13: "1917"})
    assert f"Tie between Parasite and Amélie broken by a draw, seed {tie_seed(42)}." in text
    assert "2 members voted" in text


def test_no_votes_no_winner() -> None:
    outcome = decide(tally("single", [11, 12], []), poll_id=1)
    assert outcome.winner is None and outcome.seed is None


def test_check_choices_messages() -> None:
    with pytest.raises(BallotError, match="one film"):
        check_choices("single", OPTIONS, [11, 12])
    with pytest.raises(BallotError, match="slate"):
        check_choices("multiple", OPTIONS, [99])
    with pytest.raises(BallotError, match="only once"):
        check_choices("ranked", OPTIONS, [11, 11])
    with pytest.raises(BallotError, match="at most 5"):
        check_choices("ranked", OPTIONS, [11, 12, 13, 14, 15, 16])
    assert check_choices("multiple", OPTIONS, [12, 11, 12]) == (12, 11)


@dataclass
class F:
    title: str
    year: int | None


titles = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=0, max_size=140)


@settings(max_examples=300)
@given(
    st.lists(st.builds(F, titles, st.one_of(st.none(), st.integers(1900, 2030))), max_size=12),
    st.sampled_from([55, 100]),
)
def test_labels_fit_and_are_distinguishable(films: list[F], max_len: int) -> None:
    labels = poll_labels(films, max_len)
    assert len(labels) == len(films)
    assert all(0 < text_width(label) <= max_len for label in labels)
    assert len({label.casefold() for label in labels}) == len(labels)


def test_labels_add_year_only_where_titles_collide() -> None:
    films = [F("Miracle in Cell No. 7", 2013), F("Miracle in Cell No. 7", 2019), F("Parasite", 2019)]
    assert poll_labels(films, 55) == [
        "Miracle in Cell No. 7 (2013)",
        "Miracle in Cell No. 7 (2019)",
        "Parasite",
    ]


def test_long_titles_are_cut_at_words_keeping_the_year() -> None:
    long = "The Assassination of Jesse James by the Coward Robert Ford and Other Stories"
    labels = poll_labels([F(long, 2007), F(long, 2008)], 55)
    assert labels[0].endswith("… (2007)") and labels[1].endswith("… (2008)")
    assert all(len(label) <= 55 for label in labels)
    same = poll_labels([F("Twin", 2000), F("Twin", 2000)], 55)
    assert same == ["Twin (2000) #1", "Twin (2000) #2"]


def test_native_fits_platform_limits() -> None:
    assert native_fits("discord", 10, "single") and not native_fits("discord", 11, "single")
    assert native_fits("telegram", 12, "multiple") and not native_fits("telegram", 13, "multiple")
    assert not native_fits("telegram", 3, "ranked")
    assert not native_fits("console", 3, "single")


@pytest.mark.parametrize(
    ("value", "age"),
    [
        ("15+ – Teens 15 or older", 15),
        ("PG-13", 13),
        ("R", 17),
        ("G", 0),
        ("TV-MA", 17),
        ("12A", 12),
        ("18+ Restricted", 18),
        (None, None),
        ("Not Rated", None),
    ],
)
def test_rating_age(value: str | None, age: int | None) -> None:
    assert rating_age(value) == age
