"""A card in the member's language: the local title with the display title beside it, genres, runtime, date
and vote counts as Korean and Japanese write them; English cards stay as they were."""

from __future__ import annotations

import pytest

from bot.films.cards import film_card
from bot.films.genre_names import GENRES, genre_label
from bot.films.local_titles import local_title, script_language
from bot.films.model import Film, TitleLocale
from bot.i18n import speaking, translator
from bot.i18n.formats import date_text, runtime_text
from tests.support.catalog import seed_film


def stored(film: Film, film_id: int = 1) -> Film:
    film.id = film_id
    return film


def japanese_remake() -> Film:
    return stored(
        Film(
            title="Miracle in Cell No. 7",
            year=2013,
            original_title="7번방의 선물",
            alt_titles=["Gift From Room 7", "7番房の奇跡"],
            genres=["Comedy", "Drama", "Family"],
            runtime_minutes=127,
            release_date=None,
            votes=12345,
            rating=8.2,
        )
    )


def test_a_korean_member_sees_the_korean_title_first_and_the_english_beside_it() -> None:
    with speaking("ko"):
        card = film_card(stored(seed_film()))
        assert card.heading == "7번방의 선물 (2013)"
        assert card.subtitle == "Miracle in Cell No. 7"
        assert card.runtime_text == "2시간 7분"
        assert card.release_text == "2013년 1월 23일"


def test_a_japanese_member_sees_the_japanese_alternative_title_and_both_others() -> None:
    with speaking("ja"):
        card = film_card(japanese_remake())
        assert card.heading == "7番房の奇跡 (2013)"
        assert card.subtitle == "Miracle in Cell No. 7 · 7번방의 선물"
        assert card.runtime_text == "2 時間 7 分"
        assert card.rating_text() == "★ 8.2/10 （12,345票）"


def test_english_cards_are_unchanged() -> None:
    card = film_card(stored(seed_film()))
    assert card.heading == "Miracle in Cell No. 7 (2013)"
    assert card.subtitle == "7번방의 선물"
    assert card.runtime_text == "2 h 7 min"
    assert card.release_text == "2013-01-23"


def test_no_title_in_the_language_keeps_the_display_title() -> None:
    film = stored(Film(title="Parasite", year=2019, original_title="기생충"))
    with speaking("ja"):
        card = film_card(film)
    assert card.heading == "Parasite (2019)" and card.subtitle == "기생충"


@pytest.mark.parametrize(
    ("title", "language"),
    [("7번방의 선물", "ko"), ("7番房の奇跡", "ja"), ("千と千尋の神隠し", "ja"), ("霸王别姬", None), ("Parasite", None)],
)
def test_script_detection(title: str, language: str | None) -> None:
    assert script_language(title) == language


def test_a_language_the_source_gave_wins_over_the_script() -> None:
    titles = [("霸王别姬", None), ("さらば、わが愛", None), ("覇王別姫", "ja")]
    assert local_title(titles, "Farewell My Concubine", "ja") == "覇王別姫"


def test_genres_are_translated_and_unknown_ones_kept() -> None:
    with speaking("ko"):
        assert genre_label("drama") == "드라마"
        assert genre_label("Science Fiction") == "SF"
        assert genre_label("Mumblecore") == "Mumblecore"
    with speaking("ja"):
        assert genre_label("Western") == "西部劇"


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_every_genre_is_translated(language: str) -> None:
    speak = translator(language)
    missing = [g for g in GENRES if speak.gettext(g) == g and g not in {"IMAX"}]
    assert missing == []


def test_formats_without_a_runtime_or_a_full_date() -> None:
    assert runtime_text(None, "ko") is None
    assert runtime_text(45, "ja") == "45 分"
    assert date_text("2013", "ko") == "2013"  # a year alone is shown as it is


def test_a_titles_language_from_the_catalog_finds_a_title_without_kana() -> None:
    """覇王別姫 has no kana: only the catalog's word says it is the Japanese title."""
    film = Film(
        title="Farewell My Concubine",
        year=1993,
        original_title="霸王别姬",
        alt_titles=["覇王別姫", "Ba wang bie ji"],
        alt_title_locales={"覇王別姫": TitleLocale("ja"), "Ba wang bie ji": TitleLocale(None)},
    )
    with speaking("ja"):
        card = film_card(stored(film))
    assert card.heading == "覇王別姫 (1993)"
    assert card.subtitle == "Farewell My Concubine · 霸王别姬"
    with speaking("ko"):
        assert film_card(stored(film)).heading == "Farewell My Concubine (1993)"
