"""In-memory fuzzy title index: every title of every film, normalised once, ranked with rapidfuzz.

INTERFACE CONTRACT (used by bot/films/service.py, the adapters' autocomplete and the benchmark):
- `SearchDoc` is what the index keeps per film: enough to render a picker line with no database access.
- `SearchIndex.build(docs)`, `.upsert(doc)`, `.remove(film_id)`, `.get(film_id)`, `len(index)`.
- `SearchIndex.search(query, limit=10, year=None) -> list[Match]`, best first; a year written in the
  query ("... 2019", "(2019)", "y:2019") is recognised by `parse_query` and used for ranking.
- `Match.score` is 0..100; `Match.matched_title` is the original (un-normalised) title string that matched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SearchDoc:
    film_id: int
    title: str
    titles: tuple[str, ...]
    year: int | None = None
    votes: int | None = None
    original_title: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    doc: SearchDoc
    score: float
    matched_title: str

    @property
    def film_id(self) -> int:
        return self.doc.film_id


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    text: str
    year: int | None


def parse_query(query: str) -> ParsedQuery:
    raise NotImplementedError


class SearchIndex:
    @classmethod
    def build(cls, docs: Iterable[SearchDoc]) -> SearchIndex:
        raise NotImplementedError

    def upsert(self, doc: SearchDoc) -> None:
        raise NotImplementedError

    def remove(self, film_id: int) -> None:
        raise NotImplementedError

    def get(self, film_id: int) -> SearchDoc | None:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def search(self, query: str, *, limit: int = 10, year: int | None = None) -> list[Match]:
        raise NotImplementedError
