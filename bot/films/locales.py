"""Language and region codes of alternative titles, as every source writes them, into one form.

Language: ISO 639-1 lower case ("ko"), or the 2-3 letter code a source gives for a language without a
639-1 code ("cmn"). Region: ISO 3166-1 alpha-2 upper case ("KR"); IMDb's own 3-4 letter pseudo-regions
("XWW" worldwide, "SUHH" Soviet Union) are kept as written. Anything else is not a code and becomes None,
so a source's odd value never blocks a film.
"""

from __future__ import annotations

import re

from bot.films.model import TitleLocale

_LANGUAGE = re.compile(r"[a-z]{2,3}")
_REGION = re.compile(r"[A-Z]{2}|[A-Z]{3,4}")


def language_code(raw: object) -> str | None:
    if not isinstance(raw, str):
        return None
    code = raw.strip().lower()
    return code if _LANGUAGE.fullmatch(code) else None


def region_code(raw: object) -> str | None:
    if not isinstance(raw, str):
        return None
    code = raw.strip().upper()
    return code if _REGION.fullmatch(code) else None


def locale_of(language: object = None, region: object = None) -> TitleLocale | None:
    """A locale from a language and a region code (None when neither is a code)."""
    lang, reg = language_code(language), region_code(region)
    return TitleLocale(lang, reg) if lang or reg else None


def locale_of_tag(tag: object) -> TitleLocale | None:
    """A locale from a language tag as Wikidata writes labels: "ko", "pt-br", "zh-hans", "en-gb"
    (a script subtag such as "hans" is not a region and is dropped)."""
    if not isinstance(tag, str):
        return None
    parts = tag.split("-")
    region = parts[1] if len(parts) > 1 and len(parts[1]) == 2 else None
    return locale_of(parts[0], region)
