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


@dataclass(frozen=True, slots=True)
class TitleLocale:
    """Where an alternative title is used: `language` ISO 639-1 ("ko"; a 639-2/3 code where a language has
    no 639-1 one, as IMDb writes "cmn"), `region` ISO 3166-1 alpha-2 ("KR"; IMDb also has "XWW" for
    worldwide). Either may be unknown."""

    language: str | None = None
    region: str | None = None


# Film's plain values: each is a `films` column and an import record's field of the same name, kept as it is.
SCALAR_FIELDS = (
    "title",
    "original_title",
    "year",
    "release_date",
    "runtime_minutes",
    "country",
    "content_rating",
    "synopsis",
    "votes",
    "rating",
    "trailer_url",
    "poster_url",
    "info_url",
    "source",
)


@dataclass(slots=True)
class Film:
    """A film record.

    `id` is the store's key (None before the film is stored). `external_ids` maps a source to its key
    (``{"ml": "105340", "imdb": "tt2659414"}``) and makes re-imports idempotent.
    `original_title` is the native title (7번방의 선물); `alt_titles` are other known titles,
    `aliases` are titles admins added so that a query finds this film. `alt_title_locales` says, for
    the alternative titles where a source knew it, their language and region (a title listed under
    several locales keeps the first one); entries for titles not in `alt_titles` mean nothing.
    """

    title: str
    id: int | None = None
    year: int | None = None
    original_title: str | None = None
    alt_titles: list[str] = field(default_factory=list)
    alt_title_locales: dict[str, TitleLocale] = field(default_factory=dict)
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

    def alt_title_locale(self, title: str) -> TitleLocale | None:
        """The language/region of one alternative title, if a source said."""
        locale = self.alt_title_locales.get(title)
        return locale if locale is not None and (locale.language or locale.region) else None

    def replace(self, **changes: object) -> Film:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
