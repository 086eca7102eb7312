"""The film as the core sees it: plain data, no ORM, safe to hand to any adapter."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

CreditRole = Literal["director", "writer", "cast"]


@dataclass(frozen=True, slots=True)
class Credit:
    """One person's part in a film; cast credits keep their billing order and character name."""

    name: str
    role: CreditRole
    character: str | None = None


@dataclass(slots=True)
class Film:
    """A film record.

    `id` is the store's key (None before the film is stored). `external_ids` maps a source to its key
    (``{"ml": "105340", "imdb": "tt2659414"}``) and makes re-imports idempotent.
    `original_title` is the native title (7번방의 선물); `alt_titles` are other known titles,
    `aliases` are titles admins added so that a query finds this film.
    """

    title: str
    id: int | None = None
    year: int | None = None
    original_title: str | None = None
    alt_titles: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    release_date: date | None = None
    runtime_minutes: int | None = None
    country: str | None = None
    content_rating: str | None = None
    genres: list[str] = field(default_factory=list)
    synopsis: str | None = None
    votes: int | None = None
    rating: float | None = None
    trailer_url: str | None = None
    poster_url: str | None = None
    info_url: str | None = None
    external_ids: dict[str, str] = field(default_factory=dict)
    credits: list[Credit] = field(default_factory=list)
    source: str | None = None
    removed: bool = False

    @property
    def directors(self) -> list[str]:
        return [c.name for c in self.credits if c.role == "director"]

    @property
    def writers(self) -> list[str]:
        return [c.name for c in self.credits if c.role == "writer"]

    @property
    def cast(self) -> list[Credit]:
        return [c for c in self.credits if c.role == "cast"]

    def all_titles(self) -> list[str]:
        """Every title a query may match, display title first, without duplicates."""
        seen: set[str] = set()
        out: list[str] = []
        for t in [self.title, self.original_title, *self.alt_titles, *self.aliases]:
            if t and t.strip() and t not in seen:
                seen.add(t)
                out.append(t)
        return out

    def replace(self, **changes: object) -> Film:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
