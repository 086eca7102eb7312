"""Field rules shared by every format: types, ranges and length bounds, each failure a clear reason.

The bounds keep one bad record from bloating the catalog or breaking a card (a title longer than any
platform shows, a synopsis that is a whole book) and keep out what PostgreSQL cannot store (NUL).
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from bot.films.hygiene import has_surrogate, strip_invisible
from bot.films.importers.errors import BadValue

YEAR_MIN, YEAR_MAX = 1870, 2100
MAX_TITLE = 300
MAX_SYNOPSIS = 20_000
MAX_NAME = 300  # people, characters
MAX_SHORT = 200  # country, content rating, genre, source
MAX_URL = 2_000
MAX_KEY = 200  # external id key
MAX_ITEMS = 1_000  # any list field
MAX_RUNTIME = 100_000  # minutes; real data has 6,017-minute films

_INT_RE = re.compile(r"[+-]?\d[\d,_]*")
_WIKI_CSS = re.compile(r"\s*\.mw-parser-output[^{}]*\{[^{}]*\}\s*")
_FRACTION = re.compile(r"(\d)\+(\d+)⁄(\d+)")  # "33+1⁄3" as the leaked markup renders 33 1⁄3


def text(value: Any, what: str, limit: int, *, required: bool = False) -> str | None:
    """A trimmed string (None when empty, unless required); numbers are not silently stringified."""
    if value is None:
        if required:
            raise BadValue(f"{what} is missing")
        return None
    if not isinstance(value, str):
        raise BadValue(f"{what} must be text, not {_type(value)}")
    result = strip_invisible(value).strip()
    if has_surrogate(result):
        raise BadValue(f"{what} contains an invalid character (a lone UTF-16 surrogate such as \\ud800)")
    if not result:
        if required:
            raise BadValue(f"{what} is empty")
        return None
    if "\x00" in result:
        raise BadValue(f"{what} contains a NUL character")
    if len(result) > limit:
        raise BadValue(f"{what} is {len(result)} characters long (at most {limit})")
    return result


def title(value: Any, what: str = "title") -> str:
    """A required title. Inline CSS that leaks from scraped Wikipedia tables (".mw-parser-output .frac{...}",
    seen in real film lists) is removed first: it is never part of a title and would break every card."""
    if isinstance(value, str) and ".mw-parser-output" in value:
        value = _WIKI_CSS.sub(" ", value)
        value = _FRACTION.sub(r"\1 \2⁄\3", re.sub(r"\s+", " ", value))
    result = text(value, what, MAX_TITLE, required=True)
    assert result is not None
    return result


def integer(value: Any, what: str, lo: int | None = None, hi: int | None = None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadValue(f"{what} {value!r} is not a number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        raw = value.strip()
        if not _INT_RE.fullmatch(raw):
            raise BadValue(f"{what} {raw!r} is not a number")
        value = int(raw.replace(",", "").replace("_", ""))
    if not isinstance(value, int):
        raise BadValue(f"{what} {value!r} is not a whole number")
    if lo is not None and value < lo:
        raise BadValue(f"{what} {value} is below {lo}" if lo else f"{what} {value} is negative")
    if hi is not None and value > hi:
        raise BadValue(f"{what} {value} is above {hi}")
    return value


def year(value: Any) -> int | None:
    result = integer(value, "year")
    if result is not None and not YEAR_MIN <= result <= YEAR_MAX:
        raise BadValue(f"year {result} is outside {YEAR_MIN}..{YEAR_MAX}")
    return result


def runtime(value: Any) -> int | None:
    return integer(value, "runtime_minutes", 0, MAX_RUNTIME)


def votes(value: Any) -> int | None:
    return integer(value, "votes", 0)


def rating(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadValue(f"rating {value!r} is not a number")
    try:
        result = float(value.strip().removesuffix("/10") if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise BadValue(f"rating {value!r} is not a number") from None
    if not math.isfinite(result) or not 0 <= result <= 10:
        raise BadValue(f"rating {value!r} is outside 0..10")
    return result


def url(value: Any, what: str) -> str | None:
    result = text(value, what, MAX_URL)
    if result is None:
        return None
    parts = urlsplit(result)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in result):
        raise BadValue(f"{what} {result[:80]!r} is not an http(s) address")
    return result


def iso_date(value: Any, what: str = "release_date") -> date | None:
    raw = text(value, what, 40)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadValue(f"{what} {raw!r} is not a date (YYYY-MM-DD)") from None


def string_list(value: Any, what: str, limit: int = MAX_SHORT) -> list[str]:
    """A list of non-empty strings, trimmed, exact duplicates dropped (order kept)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadValue(f"{what} must be a list, not {_type(value)}")
    if len(value) > MAX_ITEMS:
        raise BadValue(f"{what} has {len(value)} items (at most {MAX_ITEMS})")
    out: list[str] = []
    for i, item in enumerate(value, 1):
        s = text(item, f"{what} item {i}", limit)
        if s is not None and s not in out:
            out.append(s)
    return out


def external_ids(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadValue(f"external_ids must be an object, not {_type(value)}")
    out: dict[str, str] = {}
    for source, key in value.items():
        src = text(source, "external id source", 40, required=True) or ""
        k = key if not isinstance(key, int) or isinstance(key, bool) else str(key)
        out[src] = text(k, f"external id {src}", MAX_KEY, required=True) or ""
    return out


def split_id(value: Any) -> tuple[str, str] | None:
    """``"ml:105340"`` -> ``("ml", "105340")``."""
    raw = text(value, "id", MAX_KEY + 41)
    if raw is None:
        return None
    source, sep, key = raw.partition(":")
    if not sep or not source.strip() or not key.strip():
        raise BadValue(f"id {raw!r} is not 'source:key'")
    return source.strip(), key.strip()


def _type(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false"}.get(type(value), type(value).__name__)
