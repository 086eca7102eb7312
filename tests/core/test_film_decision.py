"""`/film` on a real store: what a new user typing the way people talk gets back (card, picker, miss)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.films.model import Film
from bot.replies import FilmCard, FilmList
from bot.services import Services
from tests.support.catalog import make_services

FILMS = [
    Film(title="Back to the Future", year=1985),
    Film(title="Back to the Future Part II", year=1989),
    Film(title="My Neighbor Totoro", year=1988, original_title="となりのトトロ", alt_titles=["Tonari no Totoro"]),
    Film(
        title="Spirited Away",
        year=2001,
        original_title="千と千尋の神隠し",
        alt_titles=["Sen to Chihiro no kamikakushi"],
    ),
    Film(title="Totally Awesome", year=2006),
    Film(title="Parasite", year=1982),
    Film(title="Parasites", year=1999),
    Film(title="Death Race 2000", year=1975),
    Film(title="Star Wars: Episode V - The Empire Strikes Back", year=1980),
    Film(title="The Empire of Corpses", year=2015),
]


@pytest.fixture
def catalog_films() -> list[Film]:
    return FILMS


async def test_back_to_the_future_2_shows_part_ii(services: Services) -> None:
    card = await services.films.lookup("back to the future 2")
    assert isinstance(card, FilmCard), card
    assert card.heading == "Back to the Future Part II (1989)"


@pytest.mark.parametrize(
    ("query", "expected"),
    [("totoro", "My Neighbor Totoro (1988)"), ("chihiro", "Spirited Away (2001)")],
)
async def test_a_distinctive_word_of_a_title_finds_the_film(services: Services, query: str, expected: str) -> None:
    card = await services.films.lookup(query)
    assert isinstance(card, FilmCard), card
    assert card.heading == expected


async def test_a_subtitle_alone_gives_its_card(services: Services) -> None:
    card = await services.films.lookup("the empire strikes back")
    assert isinstance(card, FilmCard), card
    assert card.title == "Star Wars: Episode V - The Empire Strikes Back"


async def test_a_year_no_film_has_is_said_not_ignored(services: Services) -> None:
    card = await services.films.lookup("parasite 2019")
    assert isinstance(card, FilmCard), card
    assert card.heading == "Parasite (1982)"
    assert card.notice == "No “Parasite” from 2019 in the catalog; closest: 1982."


async def test_a_year_that_matches_says_nothing_and_a_number_in_a_title_is_no_year(services: Services) -> None:
    card = await services.films.lookup("parasite 1982")
    assert isinstance(card, FilmCard) and card.notice is None
    card = await services.films.lookup("death race 2000")
    assert isinstance(card, FilmCard), card
    assert (card.heading, card.notice) == ("Death Race 2000 (1975)", None)


async def test_a_word_in_several_films_is_a_picker_not_a_guess(services: Services) -> None:
    reply = await services.films.lookup("tota")
    assert not isinstance(reply, FilmCard) or reply.title == "Totally Awesome"
    reply = await services.films.lookup("empire")
    assert isinstance(reply, FilmList), reply
    assert {item.title for item in reply.items[:2]} == {
        "Star Wars: Episode V - The Empire Strikes Back",
        "The Empire of Corpses",
    }


async def test_a_word_of_a_native_titles_reading_finds_the_film(tmp_path: Path) -> None:
    """The starter catalog holds 千と千尋の神隠し but no romanized title: "chihiro", a word of its reading
    (Sen to Chihiro no Kamikakushi), still names the film; its native title is what matched."""
    films = [
        Film(title="Spirited Away", year=2001, original_title="千と千尋の神隠し"),
        Film(title="Chicago", year=2002),
        Film(title="Charro!", year=1969),
    ]
    services = await make_services(tmp_path, films)
    try:
        card = await services.films.lookup("chihiro")
        assert isinstance(card, FilmCard), card
        assert card.heading == "Spirited Away (2001)"
        listed = await services.films.search("kamikakushi")
        assert isinstance(listed, FilmList)
        assert [i.text for i in listed.items] == ["Spirited Away (2001) · 千と千尋の神隠し"]
    finally:
        await services.db.dispose()
