"""Telegram in Korean and Japanese, through the real python-telegram-bot against the loopback fake Bot API
(every call checked against the Bot API spec): the `/` menu registered per language at start-up, and the
same scenario as on Discord (a /film card, a picker, /help) for a member whose app speaks ko or ja."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.telegram import callbacks
from tests.adapters.discord.test_localized import SPIRITED_AWAY
from tests.adapters.telegram.harness import USER, BotHarness, running_bot
from tests.fakes.telegram.server import SentMessage
from tests.support.catalog import sample_films

COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with running_bot(tmp_path, films=[*sample_films(), SPIRITED_AWAY]) as harness:
        yield harness


def menus(bot: BotHarness) -> dict[tuple[str | None, str], list[dict[str, Any]]]:
    """(language_code, scope type) → the commands set for it."""
    out: dict[tuple[str | None, str], list[dict[str, Any]]] = {}
    for call in bot.calls("setMyCommands"):
        assert call.error is None, call.error
        out[(call.params.get("language_code"), call.params["scope"]["type"])] = call.params["commands"]
    return out


async def test_the_menu_is_set_once_per_language(bot: BotHarness) -> None:
    published = menus(bot)
    assert {language for language, _ in published} == {None, "ko", "ja"}
    for language in (None, "ko", "ja"):
        assert (language, "default") in published and (language, "all_chat_administrators") in published
    english = {c["command"]: c["description"] for c in published[(None, "default")]}
    for language in ("ko", "ja"):
        menu = {c["command"]: c["description"] for c in published[(language, "default")]}
        assert list(menu) == list(english), "command names are the same ASCII words in every language"
        for name, description in menu.items():
            assert COMMAND_NAME.match(name)
            assert 3 <= len(description) <= 256, f"{language} /{name}: {len(description)} characters"
    korean = {c["command"]: c["description"] for c in published[("ko", "default")]}
    japanese = {c["command"]: c["description"] for c in published[("ja", "default")]}
    assert korean["film"].startswith("영화 카드 보기")
    assert japanese["help"] == "コマンドの一覧"
    # A group lists its subcommands by their typed (English) names with translated summaries.
    assert "nominate — 다음 영화 모임에 볼 영화 추천" in korean["movienight"]
    admins = {c["command"]: c["description"] for c in published[("ja", "all_chat_administrators")]}
    assert "（ほかに：add" in admins["film"]


SEEN: dict[str, dict[str, Any]] = {
    "ko": {
        "query": "miracle in cell",
        "lines": [
            "7번방의 선물 (2013)",
            "Miracle in Cell No. 7",
            "코미디, 드라마, 가족 · 2시간 7분 · South Korea · 15+",
        ],
        "labels": ["개봉: 2013년 1월 23일", "감독: Lee Hwan Kyung", "출연: Ryu Seung-ryong (Lee Yong-gu)"],
        "buttons": ["▶ 예고편", "다른 영화인가요?"],
        "help": "/film <title> — 영화 카드 보기",
    },
    "ja": {
        "query": "spirited away",
        "lines": ["千と千尋の神隠し (2001)", "Spirited Away", "アニメーション、ファンタジー · 2 時間 5 分"],
        "labels": ["公開: 2001年7月20日", "監督: Hayao Miyazaki"],
        "buttons": ["▶ 予告編", "違う作品ですか?"],
        "help": "/film <title> — 映画のカードを表示",
    },
}


def within_telegram_limits(sent: SentMessage) -> None:
    assert len(sent.text.encode("utf-16-le")) // 2 <= 4096
    for button in sent.buttons:
        assert 1 <= len(button["text"]) <= 64  # what a keyboard shows legibly (the bot trims labels to it)
        if "callback_data" in button:
            assert 1 <= len(button["callback_data"].encode()) <= callbacks.MAX_BYTES


@pytest.mark.parametrize("language", ["ko", "ja"])
async def test_a_film_card_in_the_members_language(bot: BotHarness, language: str) -> None:
    bot.api.languages[USER] = language
    seen = SEEN[language]
    card = await bot.say(f"/film {seen['query']}")
    lines = card.text.split("\n")
    assert len(lines) >= len(seen["lines"]), card.text
    assert all(line.startswith(want) for line, want in zip(lines, seen["lines"], strict=False)), card.text
    assert all(label in card.text for label in seen["labels"]), card.text
    assert [b["text"] for b in card.buttons if not b["text"].startswith("↪")] == seen["buttons"]
    within_telegram_limits(card)


@pytest.mark.parametrize("language", ["ko", "ja"])
async def test_a_picker_then_the_chosen_card_in_the_members_language(bot: BotHarness, language: str) -> None:
    bot.api.languages[USER] = language
    picker = await bot.say("/film miracle cell 7")  # the 2013 film and its 2019 and 2022 remakes
    within_telegram_limits(picker)
    assert any("(2019)" in b["text"] for b in picker.buttons), picker.text
    pressed = await bot.press(picker, "(2013)")
    assert pressed.message is not None
    card = pressed.message
    # Korean members get the Korean title; Japanese ones (no Japanese title known) the display one, with the
    # Korean original beside it.
    first = "7번방의 선물 (2013)" if language == "ko" else "Miracle in Cell No. 7 (2013)"
    assert card.text.startswith(first), card.text
    assert SEEN[language]["buttons"][0] in [b["text"] for b in card.buttons]
    within_telegram_limits(card)


@pytest.mark.parametrize("language", ["ko", "ja"])
async def test_help_lists_the_commands_in_the_members_language(bot: BotHarness, language: str) -> None:
    bot.api.languages[USER] = language
    help_ = await bot.say("/help")
    assert SEEN[language]["help"] in help_.text
    within_telegram_limits(help_)


@pytest.mark.parametrize(
    ("language", "asked", "heading"),
    [
        ("ko", "/film miracle cell 7", "7번방의 선물 (2013)"),  # a did-you-mean picker
        ("ko", "/search miracle", "7번방의 선물 (2013)"),  # search results
        ("ja", "/search spirited away", "千と千尋の神隠し (2001)"),
    ],
)
async def test_pickers_name_films_as_their_cards_do(bot: BotHarness, language: str, asked: str, heading: str) -> None:
    bot.api.languages[USER] = language
    listed = await bot.say(asked)
    assert heading in listed.text, listed.text
    assert any(heading in b["text"] for b in listed.buttons), listed.buttons
    within_telegram_limits(listed)
