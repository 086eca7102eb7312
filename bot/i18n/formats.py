"""Runtimes, dates and numbers written the way a language writes them (Babel's CLDR data).

English keeps the bot's established compact forms ("2 h 7 min", "2013-01-23", "1,234"); other languages use
Babel: "2시간 7분", "2013년 1월 23일"; "2 時間 7 分", "2013年1月23日". Babel is imported on first use only (it
takes about 0.1 s to import, and start-up time matters), so an English-only bot never loads it. Importing it
and loading a language's data costs ~0.2 s of CPU, too much for the event loop in the middle of a request, so
`warm_up_in_background()` (called once the services are built) does it in a worker thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

from bot.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, current_language

_warming: set[asyncio.Task[None]] = set()  # the warm-up task, referenced until it is done


@cache
def _locale(language: str) -> Any:
    from babel import Locale

    return Locale.parse(language)


def runtime_text(minutes: int | None, language: str | None = None) -> str | None:
    """A running time: "2 h 7 min", "2시간 7분", "2 時間 7 分"; None without one."""
    if not minutes:
        return None
    language = language or current_language()
    hours, rest = divmod(minutes, 60)
    if language == DEFAULT_LANGUAGE:
        if hours and rest:
            return f"{hours} h {rest} min"
        return f"{hours} h" if hours else f"{rest} min"
    return _babel_runtime(hours, rest, language)


@lru_cache(maxsize=4096)
def _babel_runtime(hours: int, minutes: int, language: str) -> str:
    from babel.units import format_unit

    locale = _locale(language)
    parts = []
    if hours:
        parts.append(format_unit(hours, "duration-hour", length="short", locale=locale))
    if minutes:
        parts.append(format_unit(minutes, "duration-minute", length="short", locale=locale))
    return " ".join(parts)


def date_text(iso: str | None, language: str | None = None) -> str | None:
    """An ISO date ("2013-01-23") as the language writes it; the text unchanged when it is not a full date."""
    if not iso:
        return None
    language = language or current_language()
    if language == DEFAULT_LANGUAGE:
        return iso
    return _babel_date(iso, language)


@lru_cache(maxsize=4096)
def _babel_date(iso: str, language: str) -> str:
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    from babel.dates import format_date

    return str(format_date(day, format="long", locale=_locale(language)))


def number_text(number: int, language: str | None = None) -> str:
    """A whole number with the language's grouping ("12,345")."""
    language = language or current_language()
    if language == DEFAULT_LANGUAGE:
        return f"{number:,}"
    from babel.numbers import format_decimal

    return str(format_decimal(number, locale=_locale(language)))


def _load(languages: Iterable[str]) -> None:
    """Import Babel and load each language's data by formatting once (both are lazy and cached)."""
    for language in languages:
        if language != DEFAULT_LANGUAGE:
            runtime_text(61, language)
            date_text("2000-01-01", language)
            number_text(1000, language)


def load_language(language: str) -> None:
    """Import Babel and load one language's data now (blocking: call it from a worker thread)."""
    _load((language,))


def warm_up_in_background(languages: Iterable[str] = SUPPORTED_LANGUAGES) -> None:
    """Load Babel for the shipped languages in a worker thread, without delaying start-up or blocking the loop."""
    task = asyncio.get_running_loop().create_task(asyncio.to_thread(_load, tuple(languages)), name="babel-warm-up")
    _warming.add(task)
    task.add_done_callback(_warming.discard)
