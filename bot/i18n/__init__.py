"""One translation layer for every word the bot says (gettext catalogs managed with Babel).

Catalogs live in `bot/i18n/locale/<language>/LC_MESSAGES/<domain>.po` (edited, reviewed) and `.mo` (compiled by
`pybabel compile`, shipped, loaded with the standard library's `gettext` so start-up never imports Babel).
Two domains:

- `messages`: replies, cards, buttons, pickers, poll questions, announcements — everything said in a chat;
- `commands`: command and option names and descriptions (Discord's localized slash commands, Telegram's
  per-language `/` menu, `/help`).

Messages are written in English in the code with named placeholders, `_("No film called {title}.", title=q)`,
and plurals through `ngettext("{n} film", "{n} films", n)`. The language of a reply is chosen once per request
(the member's platform locale, else the group's setting, else the chat's default, else English) and held in a
context variable for the request's task, so the core never threads a language through every call:
`with speaking("ko"): ...`. Strings defined at import time are marked with `N_()` and translated where used.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

Domain = Literal["messages", "commands"]

DEFAULT_LANGUAGE = "en"
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "ko", "ja")
LOCALE_DIR = Path(__file__).with_name("locale")


def normalize_language(code: str | None) -> str | None:
    """A supported language from a platform locale or a typed code: "ko", "ko-KR", "ja_JP.UTF-8", "en-GB" → "ko",
    "ko", "ja", "en"; anything else (None, "", "fr", "C", garbage) → None."""
    if not code:
        return None
    base = code.strip().replace("_", "-").split(".", 1)[0].split("-", 1)[0].lower()
    return base if base in SUPPORTED_LANGUAGES else None


def choose_language(*candidates: str | None) -> str:
    """The first candidate that is a supported language, in order of preference; English when none is."""
    for candidate in candidates:
        language = normalize_language(candidate)
        if language is not None:
            return language
    return DEFAULT_LANGUAGE


@cache
def _catalog(language: str, domain: Domain) -> _gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()  # the code's own English is the source text
    return _gettext.translation(domain, localedir=str(LOCALE_DIR), languages=[language], fallback=True)


@dataclass(frozen=True, slots=True)
class Translator:
    """Translates in one language and one domain; placeholders are filled after translation."""

    language: str
    domain: Domain = "messages"

    def gettext(self, message: str, /, **params: object) -> str:
        text = _catalog(self.language, self.domain).gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        text = _catalog(self.language, self.domain).ngettext(singular, plural, n)
        return text.format(n=n, **params)


def translator(language: str | None, domain: Domain = "messages") -> Translator:
    return Translator(choose_language(language), domain)


_ENGLISH = Translator(DEFAULT_LANGUAGE)
_current: ContextVar[Translator | None] = ContextVar("filmbot_translator", default=None)


def current() -> Translator:
    """The current request's translator (English outside any `speaking` block)."""
    return _current.get() or _ENGLISH


def current_language() -> str:
    return current().language


@contextmanager
def speaking(language: str | None) -> Iterator[Translator]:
    """Say everything inside the block in `language` (normalized; English when unsupported)."""
    chosen = translator(language)
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def use_language(language: str | None) -> Translator:
    """Speak `language` for the rest of the current context: for an adapter whose library runs each event in a
    task of its own (discord.py's interaction checks run in the task of the command or component), where no
    `with` block can wrap the whole handling."""
    chosen = translator(language)
    _current.set(chosen)
    return chosen


def _(message: str, /, **params: object) -> str:
    """Translate `message` into the current request's language and fill its named placeholders."""
    return current().gettext(message, **params)


def ngettext(singular: str, plural: str, n: int, /, **params: object) -> str:
    """The plural form for `n` in the current language; `{n}` is always available as a placeholder."""
    return current().ngettext(singular, plural, n, **params)


def N_(message: str, /) -> str:
    """Mark a string for extraction without translating it (module-level constants); translate it with `_()`
    where it is shown."""
    return message
