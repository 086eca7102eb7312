"""The language of a reply: member's locale, else the group's setting, else the chat's default, else English;
`/settings language`; movie-night announcements in the group's language, whoever closed the vote."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli_commands import terminal_language
from bot.commands import Actor, CommandContext, CommandRegistry, CommandSpec
from bot.i18n import current_language
from bot.polls import movienight_service
from bot.polls.scheduler import ManualClock, PollScheduler
from bot.polls.service import ClosedPoll
from bot.replies import FilmCard, PollCard, Problem, Reply, Text
from bot.services import Services

NOW = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)
CHAT = "-100"
ADMIN = Actor("telegram", "9", CHAT, is_group_admin=True, display_name="Ada")


@pytest.fixture
def services(services: Services) -> Services:
    services.clock = lambda: NOW
    return services


async def _which(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return Text(current_language())


WHICH = CommandSpec(name="which", summary="Say the language the reply is in", handler=_which)


async def spoken(services: Services, actor: Actor) -> str:
    reply = await CommandRegistry([WHICH]).run(WHICH, CommandContext(actor, services), {})
    assert isinstance(reply, Text)
    return reply.body


async def run(services: Services, actor: Actor, line: str) -> Reply:
    return await services.registry.handle(line, services, actor)


async def test_language_choice_order(services: Services) -> None:
    member = Actor("discord", "1", CHAT)
    assert await spoken(services, member) == "en"  # nothing known: English
    assert await spoken(services, Actor("discord", "1", CHAT, chat_language="ja")) == "ja"  # the server's default
    assert await spoken(services, Actor("discord", "1", CHAT, language="fr", chat_language="ja")) == "ja"
    await services.languages.set("discord", CHAT, "ko", by="9")
    # The group's setting goes before the server's default, the member's own language before both.
    assert await spoken(services, Actor("discord", "1", CHAT, language="fr", chat_language="ja")) == "ko"
    assert await spoken(services, Actor("discord", "1", CHAT, language="ja-JP", chat_language="en-US")) == "ja"
    assert await spoken(services, Actor("discord", "1", CHAT, language="en-US")) == "en"
    assert await spoken(services, Actor("discord", "1", "another chat")) == "en"  # a setting is per chat


async def test_settings_language_is_for_admins_and_lists_choices(services: Services) -> None:
    member = Actor("telegram", "1", CHAT)
    refused = await run(services, member, "/settings language ko")
    assert isinstance(refused, Problem) and refused.kind == "forbidden"
    assert (await services.languages.of("telegram", CHAT)).setting is None  # nothing changed

    unknown = await run(services, ADMIN, "/settings language klingon")
    assert isinstance(unknown, Problem) and "klingon" in unknown.message
    assert unknown.hint is not None
    for choice in ("English (en)", "한국어 (ko)", "日本語 (ja)", "auto"):
        assert choice in unknown.hint
    assert (await services.languages.of("telegram", CHAT)).setting is None

    done = await run(services, ADMIN, "/settings language ko")
    assert isinstance(done, Text) and "한국어 (ko)" in done.body
    assert (await services.languages.of("telegram", CHAT)).setting == "ko"
    assert await spoken(services, member) == "ko"  # a member with no language of theirs hears the group's
    shown = await run(services, ADMIN, "/settings language")
    assert isinstance(shown, Text) and "(ko)" in shown.body

    await run(services, ADMIN, "/settings language auto")
    assert (await services.languages.of("telegram", CHAT)).setting is None
    assert await spoken(services, member) == "en"


async def test_the_setting_is_stored_in_the_database(services: Services, tmp_path: Path) -> None:
    await run(services, ADMIN, "/settings language 日本語")
    fresh = type(services.languages)(services.db)  # another process: no cache
    assert (await fresh.of("telegram", CHAT)).setting == "ja"


async def _open(services: Services, opener: Actor) -> PollCard:
    for title in ("parasite", "spirited away"):
        await run(services, opener, f"/movienight nominate {title}")
    card = await run(services, opener, "/movienight poll 2")
    assert isinstance(card, PollCard), card
    return card


async def test_announcements_speak_the_groups_language_not_the_voters(services: Services) -> None:
    await run(services, ADMIN, "/settings language ko")
    english = Actor("telegram", "1", CHAT, language="en")
    card = await _open(services, english)
    assert (await movienight_service(services).record_ballot(card.night_id, "1", [card.options[0].film_id])).ok
    closed = await movienight_service(services).close(card.night_id, english)  # an English member closes it
    assert isinstance(closed, ClosedPoll) and isinstance(closed.announcement, FilmCard)
    assert "오늘 밤의 영화" in (closed.announcement.notice or "")


async def test_the_poll_question_is_in_the_groups_language_not_the_openers(services: Services) -> None:
    await run(services, ADMIN, "/settings language ja")
    korean = Actor("telegram", "2", CHAT, language="ko")
    card = await _open(services, korean)  # a Korean member opens it: the group reads the question
    assert card.question == "ムービーナイト: どの作品を観ましょうか?"


async def test_scheduled_close_speaks_the_chats_default(services: Services) -> None:
    japanese_server = Actor("discord", "1", CHAT, language="en-US", chat_language="ja")
    card = await _open(services, japanese_server)  # the server's default is noted on the way
    announced: list[ClosedPoll] = []

    async def on_due(closed: ClosedPoll) -> None:
        announced.append(closed)

    clock = ManualClock(NOW)
    scheduler = PollScheduler(movienight_service(services), on_due, clock)
    closed = await scheduler.run_due(NOW + timedelta(hours=3))
    assert [c.poll_id for c in closed] == [card.night_id]
    assert isinstance(announced[0].announcement, Text)
    assert "投票" in announced[0].announcement.body  # no votes were cast: said in Japanese
    assert announced[0].announcement.title == "ムービーナイト: 決定作品なし"


def test_the_console_follows_lang_then_the_terminal_locale() -> None:
    assert terminal_language("ja", {"LANG": "ko_KR.UTF-8"}) == "ja"
    assert terminal_language(None, {"LANG": "ko_KR.UTF-8"}) == "ko_KR.UTF-8"
    assert terminal_language(None, {"LC_ALL": "ja_JP.UTF-8", "LANG": "ko_KR.UTF-8"}) == "ja_JP.UTF-8"
    assert terminal_language(None, {}) is None


async def test_the_console_speaks_its_language(services: Services) -> None:
    from adapters.console.chat import ConsoleChat

    korean = ConsoleChat(services, language="ko_KR.UTF-8")
    answer = await korean.handle("/nonsense")
    assert answer == "! /nonsense은(는) 모르는 명령어예요. /help로 할 수 있는 일을 확인해 보세요."
    english = ConsoleChat(services)
    assert "I don't know /nonsense" in await english.handle("/nonsense")
