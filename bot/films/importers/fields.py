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
from bot.i18n import _

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
            raise BadValue(_("{what} is missing", what=what))
        return None
    if not isinstance(value, str):
        raise BadValue(_("{what} must be text, not {kind}", what=what, kind=_type(value)))
    result = strip_invisible(value).strip()
    if has_surrogate(result):
        raise BadValue(_("{what} contains an invalid character (a lone UTF-16 surrogate such as \\ud800)", what=what))
    if not result:
        if required:
            raise BadValue(_("{what} is empty", what=what))
        return None
    if "\x00" in result:
        raise BadValue(_("{what} contains a NUL character", what=what))
    if len(result) > limit:
        raise BadValue(
            _("{what} is {length} characters long (at most {limit})", what=what, length=len(result), limit=limit)
        )
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
        raise BadValue(_("{what} {value} is not a number", what=what, value=repr(value)))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        raw = value.strip()
        if not _INT_RE.fullmatch(raw):
            raise BadValue(_("{what} {value} is not a number", what=what, value=repr(raw)))
        value = int(raw.replace(",", "").replace("_", ""))
    if not isinstance(value, int):
        raise BadValue(_("{what} {value} is not a whole number", what=what, value=repr(value)))
    if lo is not None and value < lo:
        raise BadValue(
            _("{what} {value} is below {lo}", what=what, value=value, lo=lo)
            if lo
            else _("{what} {value} is negative", what=what, value=value)
        )
    if hi is not None and value > hi:
        raise BadValue(_("{what} {value} is above {hi}", what=what, value=value, hi=hi))
    return value


def year(value: Any) -> int | None:
    result = integer(value, "year")
    if result is not None and not YEAR_MIN <= result <= YEAR_MAX:
        raise BadValue(_("{what} {value} is outside {lo}..{hi}", what="year", value=result, lo=YEAR_MIN, hi=YEAR_MAX))
    return result


def runtime(value: Any) -> int | None:
    return integer(value, "runtime_minutes", 0, MAX_RUNTIME)


def votes(value: Any) -> int | None:
    return integer(value, "votes", 0)


def rating(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadValue(_("{what} {value} is not a number", what="rating", value=repr(value)))
    try:
        result = float(value.strip().removesuffix("/10") if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise BadValue(_("{what} {value} is not a number", what="rating", value=repr(value))) from None
    if not math.isfinite(result) or not 0 <= result <= 10:
        raise BadValue(_("{what} {value} is outside {lo}..{hi}", what="rating", value=repr(value), lo=0, hi=10))
    return result


def url(value: Any, what: str) -> str | None:
    result = text(value, what, MAX_URL)
    if result is None:
        return None
    parts = urlsplit(result)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in result):
        raise BadValue(_("{what} {value} is not an http(s) address", what=what, value=repr(result[:80])))
    return result


def iso_date(value: Any, what: str = "release_date") -> date | None:
    raw = text(value, what, 40)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadValue(_("{what} {value} is not a date (YYYY-MM-DD)", what=what, value=repr(raw))) from None


def string_list(value: Any, what: str, limit: int = MAX_SHORT) -> list[str]:
    """A list of non-empty strings, trimmed, exact duplicates dropped (order kept)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadValue(_("{what} must be a list, not {kind}", what=what, kind=_type(value)))
    if len(value) > MAX_ITEMS:
        raise BadValue(_("{what} has {count} items (at most {limit})", what=what, count=len(value), limit=MAX_ITEMS))
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
        raise BadValue(_("{what} must be an object, not {kind}", what="external_ids", kind=_type(value)))
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
        raise BadValue(_("id {value} is not 'source:key'", value=repr(raw)))
    return source.strip(), key.strip()


def _type(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false"}.get(type(value), type(value).__name__)
