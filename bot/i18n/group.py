"""`/settings language <en|ko|ja|auto>`: the language a group's bot speaks when a member's own is not known.

Admins only (the registry checks). `auto` clears the setting: each member's platform language, else the chat's
platform default, else English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands import CommandContext, CommandSpec, Param, Permission
from bot.i18n import N_, SUPPORTED_LANGUAGES, _, normalize_language
from bot.replies import Problem, Reply, Text

AUTO = "auto"
# Each language named in itself: a member who reads only that language finds it.
NATIVE_NAMES = {"en": "English", "ko": "한국어", "ja": "日本語"}
_WORDS = {
    "english": "en",
    "korean": "ko",
    "japanese": "ja",
    "한국어": "ko",
    "한국말": "ko",
    "日本語": "ja",
    "영어": "en",
    "英語": "en",
    "auto": AUTO,
    "default": AUTO,
    "none": AUTO,
}


def parse_language(text: str) -> str | None:
    """`ko`, `ko-KR`, `korean`, `한국어` → "ko"; `auto`/`default`/`none` → "auto"; anything else None."""
    word = text.strip().casefold()
    return _WORDS.get(word) or normalize_language(word)


def language_name(language: str | None) -> str:
    if language is None:
        return _(AUTO_NAME)
    return f"{NATIVE_NAMES.get(language, language)} ({language})"


AUTO_NAME = N_("auto (each member's own language)")


def choices_text() -> str:
    return ", ".join([*(language_name(code) for code in SUPPORTED_LANGUAGES), language_name(None)])


async def language(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    actor = ctx.actor
    languages = ctx.services.languages
    value: str | None = args.get("language")
    if value is None:
        found = await languages.of(actor.platform, actor.chat_id)
        return Text(
            body=_("This group's language: {language}.", language=language_name(found.setting)),
            title=None,
        )
    chosen = parse_language(value)
    if chosen is None:
        return Problem(
            _("I don't speak {value} yet.", value=value[:40]),
            hint=_("Choose one of: {choices}.", choices=choices_text()),
        )
    setting = None if chosen == AUTO else chosen
    await languages.set(actor.platform, actor.chat_id, setting, by=actor.user_id)
    if setting is None:
        return Text(body=_("Done: I answer each member in their own language, else in this chat's default."))
    return Text(
        body=_(
            "Done: this group's language is now {language}. Members whose own language I speak still get theirs.",
            language=language_name(setting),
        )
    )


SPECS = (
    CommandSpec(
        group="settings",
        name="language",
        summary="Set the language I speak in this group: en, ko, ja or auto (admins)",
        handler=language,
        permission=Permission.GROUP_ADMIN,
        params=(Param("language", "en, ko, ja or auto; empty shows the current one", required=False, max_length=40),),
        examples=("/settings language ko", "/settings language auto"),
    ),
)
