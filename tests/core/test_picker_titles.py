"""Pickers name a film as its card does: the title in the member's language first (Korean, Japanese), the display
title beside it; English lists are unchanged. Search results, did-you-mean pickers, a card's other matches and
autocomplete, on a real store and index."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.commands import Actor, CommandContext
from bot.films.model import Film, TitleLocale
from bot.i18n import speaking
from bot.replies import FilmCard, FilmChoice, FilmList
from bot.services import Services
from tests.support.catalog import make_services, sample_films


def rashomon() -> Film:
    """A Japanese film whose only Japanese title is in Han characters: only the source says it is Japanese."""
    return Film(
        title="Rashomon",
        year=1950,
        country="Japan",
        alt_titles=["羅生門", "라쇼몽"],
        alt_title_locales={"羅生門": TitleLocale("ja", "JP"), "라쇼몽": TitleLocale("ko", "KR")},
        genres=["Drama"],
        votes=180000,
    )


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    svc = await make_services(tmp_path, [*sample_films(), rashomon()])
    yield svc
    await svc.db.dispose()


def test_a_choice_with_a_local_title_shows_it_first_and_keeps_the_others_beside_it() -> None:
    choice = FilmChoice(1, "Miracle in Cell No. 7", 2013, "South Korea", "7번방의 선물", local_title="7번방의 선물")
    assert choice.heading == "7번방의 선물 (2013)"
    assert choice.label == "7번방의 선물 (2013) · Miracle in Cell No. 7"
    assert choice.detail == "Miracle in Cell No. 7 · South Korea"
    japanese = FilmChoice(2, "Miracle in Cell No. 7", 2013, None, "7번방의 선물", local_title="7番房の奇跡")
    assert japanese.label == "7番房の奇跡 (2013) · Miracle in Cell No. 7 · 7번방의 선물"
    english = FilmChoice(1, "Miracle in Cell No. 7", 2013, "South Korea", "7번방의 선물")
    assert english.label == "Miracle in Cell No. 7 (2013) · 7번방의 선물"
    assert english.detail == "7번방의 선물 · South Korea"


@pytest.mark.parametrize(
    ("language", "query", "label"),
    [
        ("ko", "miracle in cell", "7번방의 선물 (2013) · Miracle in Cell No. 7"),
        ("ja", "spirited away", "千と千尋の神隠し (2001) · Spirited Away"),
        ("ja", "rashomon", "羅生門 (1950) · Rashomon"),
        ("ko", "rashomon", "라쇼몽 (1950) · Rashomon"),
        ("en", "miracle in cell", "Miracle in Cell No. 7 (2013) · 7번방의 선물"),
    ],
)
async def test_search_results_name_films_in_the_members_language(
    services: Services, language: str, query: str, label: str
) -> None:
    with speaking(language):
        results = await services.films.search(query)
        assert isinstance(results, FilmList)
        labels = [item.label for item in results.items]
        card = await services.films.card(results.items[labels.index(label)].film_id)
    assert label in labels
    assert isinstance(card, FilmCard) and label.startswith(card.heading)  # the same title as the card's


@pytest.mark.parametrize("language", ["ko", "ja"])
async def test_a_commands_card_names_its_other_matches_in_the_members_language(
    services: Services, language: str
) -> None:
    actor = Actor(platform="console", user_id="u", chat_id="c", language=language)
    ctx = CommandContext(actor, services)
    spec = services.registry.get("film")
    assert spec is not None
    card = await services.registry.run(spec, ctx, {"title": "miracle in cell no 7 2019"})
    assert isinstance(card, FilmCard) and card.year == 2019
    seed = next(c for c in card.others if c.year == 2013)
    expected = "7번방의 선물 (2013)" if language == "ko" else "Miracle in Cell No. 7 (2013)"  # no Japanese title
    assert seed.heading == expected


@pytest.mark.parametrize(
    ("language", "typed", "name"),
    [
        ("ko", "7번방", "7번방의 선물 (2013) · Miracle in Cell No. 7"),
        ("ja", "千と千尋", "千と千尋の神隠し (2001) · Spirited Away"),
        ("en", "7번방", "Miracle in Cell No. 7 (2013) · 7번방의 선물"),
    ],
)
async def test_autocomplete_names_films_in_the_members_language_without_the_database(
    services: Services, monkeypatch: pytest.MonkeyPatch, language: str, typed: str, name: str
) -> None:
    def no_database() -> None:
        raise AssertionError("autocomplete opened a database session")

    monkeypatch.setattr(services.db, "session", no_database)
    monkeypatch.setattr(services.db, "read_one", no_database)
    with speaking(language):
        choices = services.films.autocomplete(typed)
    assert choices[0].label == name


async def test_autocomplete_knows_a_source_given_language_once_the_film_was_shown(services: Services) -> None:
    with speaking("ja"):
        assert services.films.autocomplete("rashomon")[0].label == "Rashomon (1950)"  # Han only: not yet known
        results = await services.films.search("rashomon")
        assert isinstance(results, FilmList)
        await services.films.card(results.items[0].film_id)
        assert services.films.autocomplete("rashomon")[0].label == "羅生門 (1950) · Rashomon"


async def test_an_admins_alias_is_never_shown_as_a_films_title(services: Services) -> None:
    """Aliases are search shortcuts (`/film alias`), not titles: autocomplete names the film as its card does."""
    from bot.films.search import SearchDoc

    seed = next(m for m in services.films.index.search("miracle in cell", limit=5) if m.doc.year == 2013)
    doc = seed.doc
    aliased = SearchDoc(
        film_id=doc.film_id, title=doc.title, titles=("7번방", *doc.titles), year=doc.year, votes=doc.votes,
        original_title=None, country=doc.country, aliases=("7번방",),
    )  # fmt: skip
    services.catalog.index.upsert(aliased)
    services.catalog.cache.clear()
    with speaking("ko"):
        named = [c for c in services.films.autocomplete("7번방") if c.film_id == doc.film_id]
    assert named and named[0].local_title != "7번방"
