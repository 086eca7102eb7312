"""What use-cases return: plain data. Adapters render it within their platform's limits.

No reply holds markup: every string is the user's or the catalog's own text, and each adapter escapes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ActionKind = Literal["undo_remove", "wrong_film"]


@dataclass(frozen=True, slots=True)
class Action:
    """A button an adapter may show under a reply. `kind` names the core call it makes with `film_id`:
    ``undo_remove`` -> ``Curation.undo_remove(actor, film_id)``, ``wrong_film`` ->
    ``Curation.report_wrong_film(actor, film_id, query, note)``. Put the kind and id in callback data."""

    kind: ActionKind
    film_id: int
    label: str


@dataclass(frozen=True, slots=True)
class Text:
    """A plain message. `title` is an optional heading the adapter may make bold; `actions` are buttons."""

    body: str
    title: str | None = None
    actions: tuple[Action, ...] = ()


ProblemKind = Literal["bad_input", "not_found", "forbidden", "conflict", "error", "rate_limited"]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the user can fix (or our apology). Nothing changed when a Problem is returned."""

    message: str
    kind: ProblemKind = "bad_input"
    hint: str | None = None
    # Nothing needs saying (a rate-limited member already told to slow down): adapters that can stay silent
    # do; Discord must answer an interaction, and does so ephemerally, to that member alone.
    silent: bool = False


@dataclass(frozen=True, slots=True)
class CastMember:
    name: str
    character: str | None = None


@dataclass(frozen=True, slots=True)
class FilmCard:
    """Everything a card shows. `trailer_url` is always set (stored URL or a search link)."""

    film_id: int
    title: str
    year: int | None
    trailer_url: str
    original_title: str | None = None
    alt_titles: tuple[str, ...] = ()
    genres: tuple[str, ...] = ()
    runtime_minutes: int | None = None
    country: str | None = None
    content_rating: str | None = None
    rating: float | None = None
    votes: int | None = None
    release_date: str | None = None
    directors: tuple[str, ...] = ()
    writers: tuple[str, ...] = ()
    cast: tuple[CastMember, ...] = ()
    synopsis: str | None = None
    synopsis_credit: str | None = None  # where the synopsis comes from, when its licence asks for credit
    poster_url: str | None = None
    info_url: str | None = None
    matched_title: str | None = None
    score: float | None = None
    notice: str | None = None
    others: tuple[FilmChoice, ...] = ()

    @property
    def runtime_text(self) -> str | None:
        if not self.runtime_minutes:
            return None
        hours, minutes = divmod(self.runtime_minutes, 60)
        if hours and minutes:
            return f"{hours} h {minutes} min"
        return f"{hours} h" if hours else f"{minutes} min"

    @property
    def heading(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


@dataclass(frozen=True, slots=True)
class FilmChoice:
    """One line of a picker or list: enough to tell films apart, and the id to act on."""

    film_id: int
    title: str
    year: int | None = None
    country: str | None = None
    original_title: str | None = None
    matched_title: str | None = None
    score: float | None = None

    @property
    def label(self) -> str:
        """`Title (Year) · native title` — adapters trim it to their own limits."""
        text = f"{self.title} ({self.year})" if self.year else self.title
        if self.original_title and self.original_title != self.title:
            text += f" · {self.original_title}"
        return text


FilmListKind = Literal["did_you_mean", "results", "miss"]


@dataclass(frozen=True, slots=True)
class FilmList:
    """A list of films: search results (paged), a "did you mean" picker, or the close misses of a miss.

    `page` is 0-based; `pages` is the total. `query` is what the user typed, so an adapter can page on.
    """

    kind: FilmListKind
    query: str
    items: tuple[FilmChoice, ...]
    heading: str
    page: int = 0
    pages: int = 1
    total: int = 0
    hint: str | None = None
    # A "did you mean" picker raised by a command about one film (`/movienight nominate <film>`): choosing a
    # film should re-run that command with it (`CommandRegistry.run_with_film(then, ...)`), not open its card.
    then: str | None = None


@dataclass(frozen=True, slots=True)
class PollOption:
    film_id: int
    label: str


@dataclass(frozen=True, slots=True)
class PollCard:
    """A movie-night vote to open on the platform (native poll or button ballot).

    `night_id` is the poll id every later call uses. Option i is native answer i (0-based) and its
    `label` already fits the platform (Discord 55, Telegram 100 characters). `native` False means a
    button ballot (too many films, ranked mode, or a platform without polls). Post `cards` first and the
    poll last: Discord polls can't be edited. See bot/polls/__init__.py for the whole adapter contract.
    """

    night_id: int
    question: str
    options: tuple[PollOption, ...]
    multiple: bool = False
    ranked: bool = False
    closes_at_iso: str | None = None
    native: bool = True
    cards: tuple[FilmCard, ...] = field(default=())
    mode: str = "single"  # single | multiple | ranked
    max_choices: int = 1  # how many films a member may pick (ranked: rank)
    duration_hours: int | None = None  # Discord poll duration
    platform: str | None = None  # the group the poll belongs to
    chat_id: str | None = None
    notice: str | None = None

    @property
    def poll_id(self) -> int:
        return self.night_id


@dataclass(frozen=True, slots=True)
class FileReply:
    """A file to attach (e.g. the catalog export): the adapter uploads `data` as `filename` with `caption`.

    Platforms without attachments (the console) never get one: the core writes the file and answers Text.
    """

    filename: str
    data: bytes = b""
    caption: str | None = None
    # A large file is written to disk instead (the catalog export): the adapter uploads it from there and
    # deletes it afterwards, so the whole file is never held in memory.
    path: Path | None = None

    @property
    def size(self) -> int:
        return self.path.stat().st_size if self.path is not None else len(self.data)


Reply = Text | Problem | FilmCard | FilmList | PollCard | FileReply
