"""`filmbot discord sync` uploads every command in Korean and Japanese too, within Discord's rules.

The fake Discord records the bulk-overwrite request and (with ../shared) checks it against Discord's OpenAPI
spec; these tests read what it received, the way Discord would show it to a member whose client speaks ko/ja.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import discord
import pytest
from pydantic import SecretStr

from adapters.discord.sync import sync_commands
from adapters.discord.translator import CatalogTranslator, valid_name
from bot.services import Services
from tests.fakes.discord.harness import FakeDiscord

LOCALES = ("ko", "ja")
NO_DATA: Any = None  # what a context carries does not matter to our translator
SUBCOMMAND, GROUP = 1, 2
# Discord's rule, `^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$`, without Devanagari/Thai (we ship neither).
NAME_CHARS = re.compile(r"^[-_\w]{1,32}$")


def discord_name_ok(name: str) -> bool:
    """An independent reading of the rule: word characters that are letters, digits, - or _; lowercase."""
    return (
        bool(NAME_CHARS.match(name))
        and name == name.lower()
        and all(c in "-_" or unicodedata.category(c)[0] in "LN" for c in name)
    )


def walk(items: list[dict[str, Any]], path: str = "") -> Iterator[tuple[str, dict[str, Any], list[dict[str, Any]]]]:
    """Every command, subcommand and option with its path and its siblings (names must differ among them)."""
    for item in items:
        here = f"{path} {item['name']}".strip()
        yield here, item, items
        yield from walk(item.get("options") or [], here)


async def synced(fake: FakeDiscord, services: Services) -> list[dict[str, Any]]:
    services.settings.discord.token = SecretStr("fake-token")
    await sync_commands(services)
    put = [r for r in fake.requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert len(put) == 1
    body: list[dict[str, Any]] = put[0].body
    return body


async def test_every_command_and_option_goes_up_in_korean_and_japanese(fake: FakeDiscord, services: Services) -> None:
    commands = await synced(fake, services)
    seen = 0
    for path, item, siblings in walk(commands):
        seen += 1
        names = item.get("name_localizations") or {}
        descriptions = item.get("description_localizations") or {}
        assert set(LOCALES) <= set(names), f"{path}: no ko/ja name"
        assert set(LOCALES) <= set(descriptions), f"{path}: no ko/ja description"
        for locale in LOCALES:
            assert discord_name_ok(names[locale]), f"{path}: {names[locale]!r} breaks Discord's name rule"
            assert 1 <= len(descriptions[locale]) <= 100, f"{path}: {locale} description too long"
            others = [(s.get("name_localizations") or {}).get(locale, s["name"]) for s in siblings if s is not item]
            assert names[locale] not in others, f"{path}: {names[locale]!r} twice among its siblings in {locale}"
        for choice in item.get("choices") or []:
            labels = choice.get("name_localizations") or {}
            assert set(LOCALES) <= set(labels), f"{path}: choice {choice['value']!r} not localized"
            assert all(1 <= len(labels[loc]) <= 100 for loc in LOCALES)
    assert seen > 60  # commands, subcommands and options all walked
    assert fake.violations == []


async def test_a_member_sees_korean_and_japanese_words(fake: FakeDiscord, services: Services) -> None:
    commands = {c["name"]: c for c in await synced(fake, services)}
    film = commands["film"]
    assert film["name_localizations"]["ko"] == "영화"
    assert film["name_localizations"]["ja"] == "映画"
    assert film["description_localizations"]["ja"].startswith("映画のカード")
    assert film["options"][0]["name_localizations"] == {"ko": "제목", "ja": "タイトル"}
    night = commands["movienight"]
    assert night["name_localizations"] == {"ko": "영화모임", "ja": "映画会"}
    poll = next(o for o in night["options"] if o["name"] == "poll")
    mode = next(o for o in poll["options"] if o["name"] == "mode")
    ranked = next(c for c in mode["choices"] if c["value"] == "ranked")
    assert ranked["name"] == "ranked"  # the English label stays the default; the value never changes
    assert ranked["name_localizations"]["ko"] == "순위 투표 (보르다 방식)"
    # English and the locales we have no catalog for get nothing: Discord shows the default names there.
    assert not {"en-US", "en-GB", "fr", "de"} & set(film["name_localizations"])


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("영화", True),
        ("映画会", True),
        ("タイトル", True),  # ー is a letter (Lm)
        ("film-admin", True),
        ("Film", False),  # not lowercase
        ("영화 모임", False),  # a space
        ("映画・会", False),  # ・ is punctuation
        ("x" * 33, False),
        ("", False),
    ],
)
def test_the_name_rule(name: str, ok: bool) -> None:
    assert valid_name(name) is ok
    assert discord_name_ok(name) is ok


async def test_a_translation_breaking_the_rules_is_left_out_not_sent() -> None:
    """A catalog mistake (a space in a name) costs that name its localization, never the whole sync."""
    from discord.app_commands import TranslationContext, TranslationContextLocation, locale_str

    translator = CatalogTranslator()
    context: Any = TranslationContext(TranslationContextLocation.other, None)
    assert await translator.translate(locale_str("List the commands"), discord.Locale.korean, context) == "명령어 목록"
    assert await translator.translate(locale_str("List the commands"), discord.Locale.french, context) is None
    name: Any = TranslationContext(TranslationContextLocation.parameter_name, NO_DATA)
    assert await translator.translate(locale_str("max_minutes"), discord.Locale.japanese, name) == "最長上映時間"
    assert await translator.translate(locale_str("no such option"), discord.Locale.japanese, name) is None
