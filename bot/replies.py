"""What use-cases return: plain data. Adapters render it within their platform's limits.

No reply holds markup: every string is the user's or the catalog's own text, and each adapter escapes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bot.i18n import _, ngettext
from bot.i18n.formats import date_text, number_text, runtime_text

ActionKind = Literal["undo_remove", "wrong_film"]
CAST_SHOWN = 6  # cast members a card names before "and N more"


@dataclass(frozen=True, slots=True)
class Action:
    """A button an adapter may show under a reply. `kind` names the core call it makes with `film_id`:
    ``undo_remove`` -> ``Curation.undo_remove(actor, film_id)``, ``wrong_film`` ->
    ``Curation.report_wrong_film(actor, film_id, query, note)``. Put the kind and id in callback data."""

    kind: ActionKind
    film_id: int
    label: str


@dataclass(frozen=True, slots=True)
class AddConfirmation:
    """An admin's add by id or link, shown and waiting for their go-ahead (bot.sources.add).

    Chat platforms show a button carrying `ref` ("tmdb:396535"), `owner` (the asker's user id: only they may
    press it) and `expires` (epoch seconds) with `button_hint` under the preview; a terminal shows
    `typed_hint` (the command to type) instead."""

    ref: str
    owner: str
    expires: int
    label: str
    button_hint: str
    typed_hint: str


@dataclass(frozen=True, slots=True)
class Text:
    """A plain message. `title` is an optional heading the adapter may make bold; `actions` are buttons;
    `confirm` an add waiting for its asker's confirmation."""

    body: str
    title: str | None = None
    actions: tuple[Action, ...] = ()
    confirm: AddConfirmation | None = None


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
    data_credit: str | None = None  # where the film's record came from ("Data: TMDB"), for the card's footer
    poster_url: str | None = None
    info_url: str | None = None
    matched_title: str | None = None
    score: float | None = None
    notice: str | None = None
    others: tuple[FilmChoice, ...] = ()
    # The title in the member's language when the catalog knows one (7번방의 선물 for a Korean member); the
    # heading shows it, and `subtitle` keeps the display title beside it.
    local_title: str | None = None

    @property
    def runtime_text(self) -> str | None:
        """The running time in the current language ("2 h 7 min", "2시간 7분")."""
        return runtime_text(self.runtime_minutes)

    @property
    def release_text(self) -> str | None:
        """The release date in the current language ("2013-01-23", "2013년 1월 23일")."""
        return date_text(self.release_date)

    @property
    def heading(self) -> str:
        title = self.local_title or self.title
        return f"{title} ({self.year})" if self.year else title

    @property
    def subtitle(self) -> str | None:
        """The titles kept beside the heading: the display title under a local one, and the native title."""
        shown = [self.local_title or self.title]
        for title in (self.title, self.original_title):
            if title and title not in shown:
                shown.append(title)
        return " · ".join(shown[1:]) or None

    def cast_text(self, shown: int = CAST_SHOWN) -> str | None:
        """`Name (Character), … and N more`: the first `shown` cast members, or None without a cast."""
        if not self.cast:
            return None
        names = [f"{c.name} ({c.character})" if c.character else c.name for c in self.cast[:shown]]
        left = len(self.cast) - shown
        more = ngettext(" and {n} more", " and {n} more", left) if left > 0 else ""
        return ", ".join(names) + more

    def rating_text(self) -> str | None:
        """`★ 7.9/10 (1,234 votes)`, `★ 7.9/10` or `★ (1,234 votes)`; None when there is neither."""
        if self.rating is None and not self.votes:
            return None
        text = f"★ {self.rating:.1f}/10" if self.rating is not None else "★"
        if not self.votes:
            return text
        return text + " " + ngettext("({count} vote)", "({count} votes)", self.votes, count=number_text(self.votes))


@dataclass(frozen=True, slots=True)
class FilmChoice:
    """One line of a picker or list: enough to tell films apart, and the id to act on. `local_title` is the
    film's title in the member's language when the catalog knows one (`bot.films.localize`): shown first, as a
    card's heading shows it, with the display title beside it."""

    film_id: int
    title: str
    year: int | None = None
    country: str | None = None
    original_title: str | None = None
    matched_title: str | None = None
    score: float | None = None
    local_title: str | None = None

    @property
    def shown_title(self) -> str:
        """The title the member reads first: the local one when there is one, else the display title."""
        return self.local_title or self.title

    @property
    def heading(self) -> str:
        """`Title (Year)`, in the member's language when the catalog knows the film's title in it."""
        return f"{self.shown_title} ({self.year})" if self.year else self.shown_title

    def _beside(self) -> list[str]:
        """The titles kept beside the heading: the display title under a local one, then the native title."""
        beside: list[str] = []
        for title in (self.title, self.original_title):
            if title and title != self.shown_title and title not in beside:
                beside.append(title)
        return beside

    @property
    def label(self) -> str:
        """`Title (Year) · native title` (`로컬 제목 (Year) · Title`) — adapters trim it to their own limits."""
        return " · ".join([self.heading, *self._beside()])

    def _facts(self) -> list[str]:
        """What tells same-titled films apart beyond the label: country, and the title that matched."""
        facts = [self.country] if self.country else []
        if self.matched_title and self.matched_title not in self.label:
            facts.append(_("matched: {title}", title=self.matched_title))
        return facts

    @property
    def detail(self) -> str:
        """Beside `heading` (a select option's description): `native title · country · matched: …`."""
        return " · ".join(self._beside() + self._facts())

    @property
    def text(self) -> str:
        """One line for a list: `Title (Year) · native title — country, matched: …`."""
        facts = self._facts()
        return f"{self.label} — {', '.join(facts)}" if facts else self.label


FilmListKind = Literal["did_you_mean", "results", "miss"]


@dataclass(frozen=True, slots=True)
class OnlineChoice:
    """A film an online source knows and our catalog doesn't (yet): shown under a miss or a weak match.

    `ref` is the source's short id (`tmdb:496243`, `wikidata:Q61448040`): the Add button carries it, never
    the title. `can_add` False (SOURCES__ADD_BY=nobody): shown without a button."""

    ref: str
    source: str  # "TMDB", "Wikidata": who to credit
    title: str
    year: int | None = None
    original_title: str | None = None
    directors: tuple[str, ...] = ()
    can_add: bool = True

    @property
    def heading(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    @property
    def text(self) -> str:
        """`Parasite (2019) · 기생충, dir. Bong Joon Ho`."""
        out = self.heading
        if self.original_title and self.original_title != self.title:
            out += f" · {self.original_title}"
        if self.directors:
            out += ", dir. " + ", ".join(self.directors[:2])
        return out


@dataclass(frozen=True, slots=True)
class Rerun:
    """Choosing a film from a picker re-runs the command it came from with that film, as the chooser
    (`CommandRegistry.run_with_film(code, ...)`): `command` is its full name, `code` its 6-hex button code
    (`CommandSpec.code`; button data is small)."""

    command: str
    code: str


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
    # film re-runs that command with it instead of opening its card. Set by the registry; None: open the card.
    rerun: Rerun | None = None
    # Set by the core on a miss or an unsure picker when film sources are enabled: the adapter sends the list,
    # then asks `bot.sources.online.look_online` and edits the message when it found something.
    ask_online: bool = False
    found_online: tuple[OnlineChoice, ...] = ()

    @property
    def online_heading(self) -> str | None:
        """ "Not in our catalog — found on TMDB:" above the online finds, or None without any."""
        if not self.found_online:
            return None
        names = " & ".join(dict.fromkeys(c.source for c in self.found_online))
        return _("Not in our catalog — found on {sources}:", sources=names)


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
