"""Telegram in Korean and Japanese: the `/` menu registered per language at start-up, through the real
python-telegram-bot against the loopback fake Bot API (every call checked against the Bot API spec)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.telegram.harness import BotHarness, running_bot
from tests.support.catalog import sample_films

COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with running_bot(tmp_path, films=sample_films()) as harness:
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
