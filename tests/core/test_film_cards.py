"""`FilmService.cards`: the cards for a page of choices (Telegram inline results), from one store read."""

from __future__ import annotations

import pytest

from bot.commands import Actor
from bot.curation.service import curation_of
from bot.replies import FilmChoice
from bot.services import Services


async def test_cards_keep_the_page_order_and_what_matched_and_skip_removed_films(services: Services) -> None:
    page = services.films.autocomplete("parasite", limit=3) + services.films.autocomplete("miracle in cell", limit=1)
    assert len(page) >= 2
    cards = await services.films.cards(page)
    assert [c.film_id for c in cards] == [c.film_id for c in page]
    assert [c.matched_title for c in cards] == [c.matched_title for c in page]
    matched = FilmChoice(page[0].film_id, page[0].title, matched_title="Gisaengchung")
    [card] = await services.films.cards([matched])
    assert card.matched_title == "Gisaengchung" and card.trailer_url
    owner = Actor("console", "local", "console", is_owner=True)
    await curation_of(services).remove(owner, f"#{page[0].film_id}")
    assert [c.film_id for c in await services.films.cards(page)] == [c.film_id for c in page[1:]]


@pytest.mark.parametrize(
    ("source", "credit"),
    [
        ("tmdb", "Data: TMDB"),
        ("wikidata", "Data: Wikidata"),
        ("imdb", "Data: IMDb datasets"),
        ("filmbot seed page", "Data: starter catalog"),
        ("wikipedia-movie-data (CC BY-SA 4.0)", "Data: Wikipedia film lists (starter catalog)"),
        ("bangumi-data (CC BY 4.0)", "Data: bangumi-data (starter catalog)"),
        ("  my\nclub   list ", "Data: my club list"),
        ("x" * 200, "Data: " + "x" * 59 + "…"),
        ("admin", None),
        (None, None),
        ("", None),
    ],
)
def test_the_card_names_where_the_films_record_came_from(source: str | None, credit: str | None) -> None:
    from bot.films.cards import film_card
    from bot.films.model import Film

    assert film_card(Film(title="Parasite", id=1, source=source)).data_credit == credit
