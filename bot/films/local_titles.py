"""The film's title in the member's language, when the catalog knows one.

A title's language comes from the catalog when a source said it (an alternative title with a language), else
from its script: Hangul is Korean, kana is Japanese. Han characters alone say nothing (Chinese and Japanese
share them), and Latin letters are left to the display title. The display title is kept beside the local one
on every card, so nobody loses the title they searched for.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from bot.films.model import Film
from bot.i18n import DEFAULT_LANGUAGE, normalize_language


def script_language(text: str) -> str | None:
    """ "ko" for a title written in Hangul, "ja" for one with kana, None otherwise."""
    hangul = kana = False
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        if name.startswith(("HANGUL", "HALFWIDTH HANGUL")):
            hangul = True
        elif name.startswith(("HIRAGANA", "KATAKANA", "HALFWIDTH KATAKANA")):
            kana = True
    if kana:
        return "ja"
    return "ko" if hangul else None


def local_title(titles: Iterable[tuple[str, str | None]], display: str, language: str) -> str | None:
    """The first of `titles` (title, language when known) in `language`, unless it is the display title
    already; None for English (the display titles are English) and when none fits."""
    if language == DEFAULT_LANGUAGE:
        return None
    candidates = [(title.strip(), known) for title, known in titles if title.strip() and title.strip() != display]
    said = next((title for title, known in candidates if known == language), None)  # a source said so
    return said or next((t for t, known in candidates if known is None and script_language(t) == language), None)


def film_titles(film: Film) -> list[tuple[str, str | None]]:
    """The film's other titles with their language where the catalog knows it (the native title first): a
    source's word on an alternative title's language is kept in `Film.alt_title_locales`."""
    titles: list[tuple[str, str | None]] = [(film.original_title, None)] if film.original_title else []
    return titles + [
        (title, normalize_language(locale.language if (locale := film.alt_title_locale(title)) else None))
        for title in film.alt_titles
    ]


def film_local_title(film: Film, language: str) -> str | None:
    """The film's title in `language` (cards and pickers show the same one); None when there is none."""
    return local_title(film_titles(film), film.title, language)
