"""The same scenario in Korean and Japanese through the real discord.py: a /film card, a picker, /help.

The member's client language arrives as the interaction's `locale`; the fake checks every request against
Discord's OpenAPI spec (the `fake` fixture fails the test on any violation), and each test checks Discord's
limits on the localized payloads itself too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.films.model import Credit, Film
from bot.services import Services
from tests.adapters.discord.conftest import EXTRA_FILMS
from tests.fakes.discord.harness import ALICE, FakeDiscord, iter_components
from tests.support.catalog import make_services, sample_films

SPIRITED_AWAY = Film(
    title="Spirited Away",
    year=2001,
    original_title="千と千尋の神隠し",
    genres=["Animation", "Fantasy"],
    runtime_minutes=125,
    release_date=dt.date(2001, 7, 20),
    credits=[Credit("Hayao Miyazaki", "director")],
)

# What a member sees, per language: the card of the seed film (a Korean title) and of a Japanese film.
SEEN: dict[str, dict[str, Any]] = {
    "ko": {
        "locale": "ko",
        "query": "miracle in cell",
        "title": "7번방의 선물 (2013)",
        "beside": "Miracle in Cell No. 7",
        "fields": {
            "장르": "코미디, 드라마, 가족",
            "상영 시간": "2시간 7분",
            "개봉": "2013년 1월 23일",
            "감독": "Lee Hwan Kyung",
        },
        "buttons": {"예고편", "다른 영화인가요?"},
        "help": "/film <title> — 영화 카드 보기",
        "genre": "드라마",
    },
    "ja": {
        "locale": "ja",
        "query": "spirited away",
        "title": "千と千尋の神隠し (2001)",
        "beside": "Spirited Away",
        "fields": {
            "ジャンル": "アニメーション、ファンタジー",
            "上映時間": "2 時間 5 分",
            "公開": "2001年7月20日",
            "監督": "Hayao Miyazaki",
        },
        "buttons": {"予告編", "違う作品ですか?"},
        "help": "/film <title> — 映画のカードを表示",
        "genre": "ドラマ",
    },
}


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    built = await make_services(tmp_path, [*sample_films(), *EXTRA_FILMS, SPIRITED_AWAY])
    try:
        yield built
    finally:
        await built.db.dispose()


def within_discord_limits(message: dict[str, Any]) -> None:
    for embed in message.get("embeds") or []:
        assert len(embed.get("title") or "") <= 256
        assert len(embed.get("description") or "") <= 4096
        fields = embed.get("fields") or []
        assert len(fields) <= 25
        assert all(len(f["name"]) <= 256 and 1 <= len(f["value"]) <= 1024 for f in fields)
        total = len(embed.get("title") or "") + len(embed.get("description") or "")
        total += sum(len(f["name"]) + len(f["value"]) for f in fields)
        assert total <= 6000
    for component in iter_components(message.get("components") or []):
        if component["type"] == 2:
            assert 1 <= len(component.get("label") or "") <= 80
        if component["type"] == 3:
            assert len(component.get("placeholder") or "") <= 150
            assert all(len(o["label"]) <= 100 for o in component["options"])


def fields_of(message: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message["embeds"][0]["fields"]}


def buttons_of(message: dict[str, Any]) -> set[str]:
    return {c["label"] for c in iter_components(message["components"]) if c["type"] == 2}


@pytest.mark.parametrize("language", ["ko", "ja"])
async def test_a_film_card_in_the_members_language(fake: FakeDiscord, bot: Any, language: str) -> None:
    seen = SEEN[language]
    result = await fake.slash(bot, "film", title=seen["query"], locale=seen["locale"])
    message = result.message
    assert message is not None, result.text
    embed = message["embeds"][0]
    assert embed["title"] == seen["title"]
    assert seen["beside"] in embed["description"]  # the display title is kept beside the local one
    assert seen["fields"].items() <= fields_of(message).items()
    assert seen["buttons"] <= buttons_of(message)
    within_discord_limits(message)


@pytest.mark.parametrize("language", ["ko", "ja"])
async def test_a_picker_then_the_chosen_card_in_the_members_language(
    fake: FakeDiscord, bot: Any, language: str
) -> None:
    seen = SEEN[language]
    result = await fake.slash(bot, "film", title="solaris", who=ALICE, locale=seen["locale"])
    assert result.message is not None
    within_discord_limits(result.message)
    select = next(c for c in iter_components(result.message["components"]) if c["type"] == 3)
    chosen = next(o["value"] for o in select["options"] if o["label"].startswith("Solaris (1972)"))
    click = await fake.click(bot, result.message, select["custom_id"], values=[chosen], who=ALICE, locale=language)
    assert click.callback is not None
    card = fake.messages[result.message["id"]]
    assert card["embeds"][0]["title"] == "Solaris (1972)"  # no Korean or Japanese title known: the display one
    assert fields_of(card)[next(iter(seen["fields"]))] == seen["genre"]
    assert seen["buttons"] <= buttons_of(card)
    within_discord_limits(card)


@pytest.mark.parametrize("language", ["ko", "ja"])
async def test_help_lists_the_commands_in_the_members_language(fake: FakeDiscord, bot: Any, language: str) -> None:
    result = await fake.slash(bot, "help", locale=SEEN[language]["locale"])
    assert SEEN[language]["help"] in result.text
    assert result.message is not None
    within_discord_limits(result.message)


async def test_english_members_see_the_english_card(fake: FakeDiscord, bot: Any) -> None:
    result = await fake.slash(bot, "film", title="spirited away", locale="en-GB")
    assert result.message is not None
    assert result.message["embeds"][0]["title"] == "Spirited Away (2001)"
    assert fields_of(result.message)["Runtime"] == "2 h 5 min"


async def test_genre_autocomplete_speaks_the_members_language(fake: FakeDiscord, bot: Any) -> None:
    """Typed in Korean or English, shown in Korean, sent as the stored genre."""
    korean = await fake.autocomplete(bot, "random", "genre", genre="드라", locale="ko")
    assert {"name": "드라마", "value": "Drama"} in korean.choices
    typed_english = await fake.autocomplete(bot, "random", "genre", genre="dra", locale="ko")
    assert {"name": "드라마", "value": "Drama"} in typed_english.choices
    japanese = await fake.autocomplete(bot, "random", "genre", genre="", locale="ja")
    assert all(1 <= len(c["name"]) <= 100 for c in japanese.choices) and len(japanese.choices) <= 25
    assert {"name": "ファンタジー", "value": "Fantasy"} in japanese.choices


PICKED: dict[str, tuple[str, str, str]] = {  # language: (typed, the film's heading, its label in a list)
    "ko": ("miracle in cell", "7번방의 선물 (2013)", "7번방의 선물 (2013) · Miracle in Cell No. 7"),
    "ja": ("spirited away", "千と千尋の神隠し (2001)", "千と千尋の神隠し (2001) · Spirited Away"),
}


@pytest.mark.parametrize("language", ["ko", "ja"])
async def test_film_autocomplete_names_films_as_their_cards_do(fake: FakeDiscord, bot: Any, language: str) -> None:
    typed, _heading, label = PICKED[language]
    result = await fake.autocomplete(bot, "film", "title", title=typed[:6], locale=language)
    assert label in [c["name"] for c in result.choices]
    assert len(result.choices) <= 25 and all(1 <= len(c["name"]) <= 100 for c in result.choices)


@pytest.mark.parametrize("language", ["ko", "ja"])
async def test_search_results_and_their_pickers_name_films_in_the_members_language(
    fake: FakeDiscord, bot: Any, language: str
) -> None:
    typed, heading, _label = PICKED[language]
    result = await fake.slash(bot, "search", words=typed, locale=language)
    message = result.message
    assert message is not None, result.text
    assert heading in message["embeds"][0]["description"]
    pickers = [c for c in iter_components(message["components"]) if c["type"] in (2, 3)]
    labels = [c.get("label", "") for c in pickers] + [o["label"] for c in pickers for o in c.get("options", [])]
    assert any(label.startswith(heading) for label in labels), labels
    within_discord_limits(message)
