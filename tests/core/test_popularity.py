"""Learned popularity, the pure rules: decay, when a picker's answer becomes a card, how a report demotes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.films.popularity import Book, Decaying, LearnRules, decayed, lift, report_penalty

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)
RULES = LearnRules(half_life=timedelta(days=30), lift_choices=3, lift_share=0.8)


def test_a_score_halves_every_half_life_and_never_grows_backwards() -> None:
    assert decayed(8.0, T0, T0 + 30 * DAY, RULES.half_life) == 4.0
    assert decayed(8.0, T0, T0 + 90 * DAY, RULES.half_life) == 1.0
    assert decayed(8.0, T0, T0 - DAY, RULES.half_life) == 8.0  # a clock step back is no boost
    later = Decaying(4.0, T0).plus(1.0, T0 + 30 * DAY, RULES.half_life)
    assert later == Decaying(3.0, T0 + 30 * DAY)


def test_three_consistent_choices_lift_a_film_and_two_or_a_split_do_not() -> None:
    assert lift({7: 3.0}, RULES) == 7
    assert lift({7: 2.0}, RULES) is None
    assert lift({7: 3.0, 8: 1.0}, RULES) is None  # 75% < 80%
    assert lift({7: 4.0, 8: 1.0}, RULES) == 7  # 80%
    assert lift({}, RULES) is None


def test_choices_spread_over_weeks_still_count_but_old_ones_fade() -> None:
    book = Book(RULES, epoch=T0)
    for day in (0, 3, 6):
        book.record("choice", 7, T0 + day * DAY, key="top gun")
    assert book.lifted("top gun", T0 + 6 * DAY) == 7
    assert book.lifted("top gun", T0 + 40 * DAY) is None  # a month later, about 1.6 choices are left


def test_a_report_demotes_the_film_and_undoes_a_lift() -> None:
    book = Book(RULES, epoch=T0)
    for _ in range(3):
        book.record("choice", 7, T0, key="top gun")
    assert book.lifted("top gun", T0) == 7
    before = book.film_value(7, T0)
    book.record("report", 7, T0, key="top gun")
    assert book.lifted("top gun", T0) is None
    assert book.film_value(7, T0) == before - 5.0
    assert book.choices("top gun", T0) == {7: 0.0}  # never below zero
    assert report_penalty(10.0) == 5.0 and report_penalty(4.0) == 3.0 and report_penalty(1.0) == 1.0


def test_a_report_without_the_query_undoes_every_lift_of_that_film_only() -> None:
    book = Book(RULES, epoch=T0)
    for _ in range(3):
        book.record("choice", 7, T0, key="top gun")
        book.record("choice", 9, T0, key="batman")
    book.record("report", 7, T0)
    assert book.lifted("top gun", T0) is None
    assert book.lifted("batman", T0) == 9


def test_rank_orders_films_like_their_decayed_scores_at_any_time() -> None:
    book = Book(RULES, epoch=T0)
    book.record("card", 1, T0)  # 1 point long ago ...
    book.record("card", 1, T0)
    book.record("card", 2, T0 + 45 * DAY)  # ... against 1 fresh point
    now = T0 + 100 * DAY
    assert book.film_value(1, now) < book.film_value(2, now)
    assert book.rank[1] < book.rank[2]
    book.record("report", 3, now)
    assert book.rank[3] < 0 < book.rank[1]  # a reported film ranks under one never seen


def test_the_store_s_scores_replace_memory_but_pending_signals_survive() -> None:
    book = Book(RULES, epoch=T0)
    rank = book.rank
    book.record("choice", 7, T0, key="top gun")
    book.replace_all([(5, Decaying(2.0, T0))], [("batman", 5, Decaying(3.0, T0))])
    assert book.rank is rank  # the search index keeps reading the same mapping
    assert set(book.rank) == {5, 7} and book.film_value(7, T0) == 3.0
    assert book.choices("top gun", T0) == {7: 1.0} and book.lifted("batman", T0) == 5
    pending = book.take_pending()
    assert pending.films[7].score == 3.0 and pending.pairs[("top gun", 7)].score == 1.0
    assert not book.pending
