"""Film use-cases on a real store and index: the three answers, paging, random, and bad input."""

from __future__ import annotations

import pytest

from bot.films.service import film_ref
from bot.replies import FilmCard, FilmList, Problem
from bot.services import Services


@pytest.mark.parametrize(
    "query",
    ["miracle in cell", "7번방의 선물", "gift from room 7", "7beonbangui seonmool", "Miracle in Cel No 7"],
)
async def test_every_title_and_typos_find_the_seed_film(services: Services, query: str) -> None:
    card = await services.films.lookup(query)
    assert isinstance(card, FilmCard), card
    assert (card.title, card.year, card.original_title) == ("Miracle in Cell No. 7", 2013, "7번방의 선물")
    assert card.trailer_url == "https://www.youtube.com/watch?v=wTkeln0kc8I"
    assert [c.name for c in card.cast][:2] == ["Ryu Seung-ryong", "Kal So-won"]


async def test_a_non_display_title_says_what_matched(services: Services) -> None:
    card = await services.films.lookup("gift from room 7")
    assert isinstance(card, FilmCard) and card.matched_title == "Gift From Room 7"


async def test_remakes_offer_the_popular_original_first_and_name_the_others(services: Services) -> None:
    card = await services.films.lookup("miracle in cell no 7")
    assert isinstance(card, FilmCard) and card.year == 2013
    assert {c.year for c in card.others} >= {2019, 2022}


async def test_a_year_in_the_query_picks_that_remake(services: Services) -> None:
    card = await services.films.lookup("miracle in cell no 7 2019")
    assert isinstance(card, FilmCard) and (card.year, card.country) == (2019, "Turkey")


async def test_a_miss_answers_with_close_titles_and_a_way_to_ask(services: Services) -> None:
    reply = await services.films.lookup("zzqx wobble")
    assert isinstance(reply, FilmList) and reply.kind == "miss"
    assert "No film called" in reply.heading and reply.hint and "/film add" in reply.hint


async def test_films_without_a_trailer_get_a_search_link(services: Services) -> None:
    card = await services.films.lookup("parasite")
    assert isinstance(card, FilmCard)
    assert card.trailer_url.startswith("https://www.youtube.com/results?search_query=Parasite+2019+trailer")


@pytest.mark.parametrize("query", ["", "   ", "\x00\x01\u200b", "a" * 5000])
async def test_bad_queries_get_a_friendly_problem(services: Services, query: str) -> None:
    assert isinstance(await services.films.lookup(query), Problem)


async def test_sql_looking_text_is_just_text(services: Services) -> None:
    reply = await services.films.lookup("'; DROP TABLE films; --")
    assert isinstance(reply, (FilmList, FilmCard))
    assert isinstance(await services.films.lookup("parasite"), FilmCard)


async def test_search_pages(services: Services) -> None:
    first = await services.films.search("miracle", page_size=2)
    assert isinstance(first, FilmList) and first.kind == "results" and first.pages >= 2
    second = await services.films.search("miracle", page=1, page_size=2)
    assert isinstance(second, FilmList) and second.page == 1
    assert {i.film_id for i in first.items}.isdisjoint(i.film_id for i in second.items)


async def test_random_by_genre_and_unknown_genre(services: Services) -> None:
    card = await services.films.random("western")
    assert isinstance(card, FilmCard) and card.title == "The Good, the Bad and the Ugly"
    assert isinstance(await services.films.random("no-such-genre"), Problem)


async def test_autocomplete_uses_the_index_and_film_refs_resolve(services: Services) -> None:
    choices = services.films.autocomplete("mira")
    assert choices and all(c.title.lower().startswith("mira") for c in choices[:3])
    film = await services.films.resolve_film(film_ref(choices[0].film_id))
    assert not isinstance(film, Problem | FilmList)
    assert isinstance(await services.films.resolve_film("#999999"), Problem)
