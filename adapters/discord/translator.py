"""Localized slash commands: discord.py's `app_commands.Translator` backed by our `commands` catalogs.

`filmbot discord sync` sets it on the tree before syncing, so every command, group, option and fixed choice
goes up with `name_localizations` / `description_localizations` for each language we ship (Discord shows a
member the ones of their client's language). Discord's rules hold by construction: a translated name that is
not lowercase, 1-32 characters of letters, digits, `-` and `_` (Devanagari and Thai marks too) is left out, so
Discord shows the English name rather than rejecting the whole sync; descriptions and choice labels are cut to
100 characters. A locale we have no catalog for gets no localization at all.
"""

from __future__ import annotations

import unicodedata

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from adapters.discord.text import plain
from bot.i18n import DEFAULT_LANGUAGE, normalize_language
from bot.i18n.command_text import choice_label, command_name, option_name, summary

NAME_MAX = 32
TEXT_MAX = 100  # descriptions and choice names
_NAME_PUNCTUATION = frozenset("-_")
_INDIC_THAI_RANGES = ((0x0900, 0x097F), (0xA8E0, 0xA8FF), (0x0E00, 0x0E7F))  # \p{sc=Deva}, \p{sc=Thai}


def language_of(locale: discord.Locale) -> str | None:
    """Our language for a Discord locale (`ko` → "ko", `ja` → "ja"); None for English and unsupported ones."""
    language = normalize_language(str(locale.value))
    return None if language in (None, DEFAULT_LANGUAGE) else language


def valid_name(name: str | None) -> bool:
    """Whether Discord accepts `name` as a command or option name: `^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`,
    in its lowercase form."""
    if not name or len(name) > NAME_MAX or name != name.lower():
        return False
    return all(
        c in _NAME_PUNCTUATION
        or unicodedata.category(c)[0] in "LN"
        or any(low <= ord(c) <= high for low, high in _INDIC_THAI_RANGES)
        for c in name
    )


def _name(translated: str | None) -> str | None:
    return translated if translated is not None and valid_name(translated) else None


class CatalogTranslator(app_commands.Translator):
    """Translates what discord.py asks about at sync time (names, descriptions, choice names)."""

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        language = language_of(locale)
        if language is None:
            return None
        message = string.message
        where = context.location
        if where in (Where.command_name, Where.group_name):
            return _name(command_name(message, language))
        if where is Where.parameter_name:
            return _name(option_name(message, language))
        if where is Where.choice_name:
            label = choice_label(message, language)
            return plain(label, TEXT_MAX) or None if label != message else None
        text = summary(message, language)
        return plain(text, TEXT_MAX) or None if text != message else None
