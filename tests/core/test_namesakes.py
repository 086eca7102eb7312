"""Namesakes without votes: the original the newest film of a name names in its synopsis is "the" film."""

from __future__ import annotations

import pytest

from bot.films.model import Film
from bot.films.namesakes import ORIGINAL, originals
from bot.replies import FilmList
from bot.services import Services

RECALL_2012 = (
    "Total Recall is a 2012 American science fiction action film directed by Len Wiseman. The screenplay is a "
    "remake of the 1990 film of the same name, which is inspired by the 1966 short story by Philip K. Dick."
)
BEN_HUR_2016 = (
    "Ben-Hur is a 2016 epic historical drama film. It is the fifth film adaptation of the 1880 novel following "
    "the 1907 silent short film, the 1925 silent film and the Academy Award-winning 1959 film."
)
MUMMY_1999 = "The Mummy is a 1999 American action-adventure film. It is a remake of the 1932 film of the same name."
MUMMY_2017 = "The Mummy is a 2017 American action-adventure film directed by Alex Kurtzman, a reboot of the franchise."


def test_the_film_the_newest_namesake_names_is_the_original() -> None:
    rows = [
        (1, "Total Recall", 1990, "Total Recall is a 1990 American science fiction film."),
        (2, "Total Recall", 2012, RECALL_2012),
        (3, "Ben-Hur", 1959, "Ben-Hur is a 1959 film, a remake of the 1925 silent film."),
        (4, "Ben-Hur", 2016, BEN_HUR_2016),
        (5, "Ben Hur", 1907, "Ben Hur is a 1907 silent film."),
    ]
    assert originals(rows) == {1: ORIGINAL, 3: ORIGINAL, 5: ORIGINAL}


def test_an_older_namesake_naming_another_says_nothing_and_no_film_names_itself() -> None:
    rows = [
        (1, "The Mummy", 1932, "The Mummy is a 1932 horror film."),
        (2, "The Mummy", 1999, MUMMY_1999),
        (3, "The Mummy", 2017, MUMMY_2017 + " Released in 2017."),
        (4, "Solo", 2001, "Solo is a film; a 1990 novel."),  # no namesake: nothing to order
        (5, "Undated", None, "An undated film."),
        (6, "Undated", 1990, "Undated is a 1990 film."),
    ]
    assert originals(rows) == {}


FILMS = [
    Film(title="Total Recall", year=1990, synopsis="Total Recall is a 1990 American science fiction action film."),
    Film(title="Total Recall", year=2012, synopsis=RECALL_2012),
    Film(title="The Mummy", year=1932, synopsis="The Mummy is a 1932 American horror film."),
    Film(title="The Mummy", year=1999, synopsis=MUMMY_1999),
    Film(title="The Mummy", year=2017, synopsis=MUMMY_2017),
]


@pytest.fixture
def catalog_films() -> list[Film]:
    return FILMS


async def test_a_remake_that_names_its_original_puts_the_original_first(services: Services) -> None:
    picker = await services.films.lookup("total recall")
    assert isinstance(picker, FilmList), picker  # still a picker: a guess is never a card
    assert [item.heading for item in picker.items][:2] == ["Total Recall (1990)", "Total Recall (2012)"]


async def test_without_such_a_mention_the_most_recent_namesake_comes_first(services: Services) -> None:
    picker = await services.films.lookup("the mummy")
    assert isinstance(picker, FilmList), picker
    assert [item.heading for item in picker.items][:3] == ["The Mummy (2017)", "The Mummy (1999)", "The Mummy (1932)"]
