"""Recognise a film reference typed by an admin: an IMDb/TMDB/Wikidata id or link. Pure, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

RefKind = Literal["imdb", "tmdb", "wikidata"]

_PATTERNS: tuple[tuple[RefKind, re.Pattern[str]], ...] = (
    ("imdb", re.compile(r"^(?:imdb:)?(tt\d{7,10})$", re.I)),
    (
        "imdb",
        re.compile(r"^(?:https?://)?(?:www\.|m\.)?imdb\.com/(?:[a-z]{2}/)?title/(tt\d{7,10})/?(?:[?#].*)?$", re.I),
    ),
    ("tmdb", re.compile(r"^tmdb:(\d{1,9})$", re.I)),
    ("tmdb", re.compile(r"^(?:https?://)?(?:www\.)?themoviedb\.org/movie/(\d{1,9})(?:-[^/?#]*)?/?(?:[?#].*)?$", re.I)),
    ("wikidata", re.compile(r"^(?:wikidata:)?(Q[1-9]\d{0,11})$", re.I)),
    (
        "wikidata",
        re.compile(r"^(?:https?://)?(?:www\.|m\.)?wikidata\.org/(?:wiki|entity)/(Q[1-9]\d{0,11})/?(?:[?#].*)?$", re.I),
    ),
)


@dataclass(frozen=True, slots=True)
class FilmRef:
    kind: RefKind
    key: str  # tt0000000, a TMDB number, Q123

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


def parse_ref(text: str) -> FilmRef | None:
    """`tt6751668`, `imdb:tt…`, an IMDb title link, `tmdb:496243`, a TMDB movie link, `Q…`, a Wikidata link."""
    value = text.strip()
    if len(value) > 300:
        return None
    for kind, pattern in _PATTERNS:
        m = pattern.match(value)
        if m:
            key = m.group(1)
            return FilmRef(kind, key.lower() if kind == "imdb" else key.upper() if kind == "wikidata" else key)
    return None
