"""How a ranked match list becomes one of the three answers: one card, a picker, or a miss."""

from __future__ import annotations

from bot.films.search import Match, SearchDoc
from bot.films.service import check_query, film_ref, parse_film_ref, resolve
from bot.replies import Problem


def match(film_id: int, score: float, votes: int | None = None, title: str = "T") -> Match:
    doc = SearchDoc(film_id=film_id, title=title, titles=(title,), year=2000 + film_id, votes=votes)
    return Match(doc=doc, score=score, matched_title=title)


def test_a_strong_lone_match_is_clear() -> None:
    found = resolve([match(1, 97), match(2, 70)])
    assert found.clear and found.best is not None and found.best.film_id == 1
    assert [m.film_id for m in found.close] == [1]


def test_near_ties_make_a_picker_best_first() -> None:
    found = resolve([match(1, 100), match(2, 100), match(3, 96), match(4, 60)])
    assert not found.clear
    assert [m.film_id for m in found.close] == [1, 2, 3]


def test_a_far_more_popular_film_among_near_ties_is_clear_and_keeps_its_rivals() -> None:
    found = resolve([match(1, 100, votes=19764), match(2, 100), match(3, 100, votes=12)])
    assert found.clear and found.best is not None and found.best.film_id == 1
    assert [m.film_id for m in found.close] == [1, 2, 3]


def test_popularity_does_not_decide_between_two_popular_films() -> None:
    assert not resolve([match(1, 100, votes=50_000), match(2, 100, votes=45_000)]).clear
    assert not resolve([match(1, 98, votes=50_000), match(2, 97, votes=45_000)]).clear


def test_an_exact_title_wins_over_near_titles_unless_another_film_has_it_too() -> None:
    found = resolve([match(1, 100), match(2, 98, votes=90_000), match(3, 95)])
    assert found.clear and found.best is not None and found.best.film_id == 1
    assert not resolve([match(1, 100), match(2, 100), match(3, 95)]).clear


def test_weak_matches_are_a_miss_with_the_nearest_titles() -> None:
    found = resolve([match(1, 40), match(2, 35)])
    assert found.best is None and not found.clear
    assert [m.film_id for m in found.close] == [1, 2]
    assert resolve([]).best is None


def test_film_refs_are_explicit_so_numeric_titles_stay_titles() -> None:
    assert film_ref(42) == "#42" and parse_film_ref("#42") == 42
    assert parse_film_ref("1917") is None and parse_film_ref("#4x") is None


def test_queries_are_checked_before_search() -> None:
    assert isinstance(check_query(""), Problem)
    assert isinstance(check_query(" \t\x00\u200b "), Problem)
    long = check_query("a" * 5000)
    assert isinstance(long, Problem) and "5000" in long.message
    assert check_query("  Miracle\x07 in   cell ") == "Miracle in cell"
