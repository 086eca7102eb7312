"""Film use-cases: look a film up, search, pick at random, autocomplete.

The in-memory `SearchIndex` answers every query; the store is read only for the one or few films a reply
shows. `bot.films.catalog.Catalog` keeps the indexes in step with the store.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.commands import MAX_ARG_CHARS, clean_text
from bot.films.cards import choice_from_match, film_card
from bot.films.catalog import Catalog
from bot.films.learning import Learning
from bot.films.model import Film
from bot.films.search import Match, SearchIndex, parse_query
from bot.replies import FilmCard, FilmChoice, FilmList, Problem, Reply
from bot.store.films import FilmRepository

log = logging.getLogger(__name__)

CLEAR_SCORE = 90.0
CLOSE_GAP = 6.0
MISS_SCORE = 62.0
PICKER_SIZE = 8
PAGE_SIZE = 10
MAX_QUERY_CHARS = 200
POPULAR_FACTOR = 10


def film_ref(film_id: int) -> str:
    """How a film id travels in autocomplete values and typed params: `#123`."""
    return f"#{film_id}"


def parse_film_ref(value: str) -> int | None:
    ident = value.strip()
    if ident.startswith("#") and ident[1:].isdigit() and len(ident) < 14:
        return int(ident[1:])
    return None


def did_you_mean(query: str, close: Sequence[Match]) -> FilmList:
    """The picker for several close films (or one not-quite match), best first."""
    return FilmList(
        kind="did_you_mean",
        query=query,
        items=tuple(choice_from_match(m) for m in close),
        heading=picker_heading(query, len(close)),
        total=len(close),
    )


def picker_heading(query: str, count: int) -> str:
    if count == 1:
        return f"No exact match for “{query}”. Did you mean this one?"
    return f"Several films match “{query}”. Which one?"


_PICKER_HEADINGS = (
    re.compile(r"^No exact match for “(.+)”\. Did you mean this one\?$"),
    re.compile(r"^Several films match “(.+)”\. Which one\?$"),
    re.compile(r"^No film called “(.+)”\.(?: Did you mean one of these\?)?$"),
)


def picker_query(heading: str) -> str | None:
    """The query a `/film` picker or miss list answers, read back from its heading (for adapters whose
    buttons carry only a film id: the message itself says what was asked)."""
    for form in _PICKER_HEADINGS:
        if found := form.match(heading.strip()):
            return found.group(1)
    return None


def check_query(query: str | None) -> str | Problem:
    text = clean_text(query or "")
    if not text:
        return Problem("Tell me a film title, for example: /film miracle in cell no 7")
    if len(text) > MAX_QUERY_CHARS:
        return Problem(f"That is a very long title ({len(text)} characters). Try the first few words.")
    return text


@dataclass(frozen=True, slots=True)
class Resolution:
    """How a fuzzy query resolved: one film, several close ones, or none."""

    best: Match | None
    close: tuple[Match, ...]
    clear: bool


def resolve(matches: Sequence[Match], year: int | None = None) -> Resolution:
    """One clear film, a short picker, or a miss — the three answers of every lookup.

    Clear: a strong top match with no other film within a few points, or near-ties where the top film is far
    more popular than every rival (the 2013 film among its remakes). A year the user wrote rules out rivals
    of other years. Otherwise the near-ties form a picker.
    """
    if not matches or matches[0].score < MISS_SCORE:
        return Resolution(None, tuple(matches[:PICKER_SIZE]), clear=False)
    top = matches[0]
    rivals = [m for m in matches[1:] if m.score >= top.score - CLOSE_GAP]
    if year is not None and top.doc.year == year:
        others = [m for m in rivals if m.doc.year != year]
        rivals = [m for m in rivals if m.doc.year == year]
        if not rivals:
            return Resolution(top, (top, *others)[:PICKER_SIZE], clear=True)
    close = (top, *rivals)[:PICKER_SIZE]
    if top.score < CLEAR_SCORE:
        return Resolution(top, close, clear=False)
    if not rivals:
        return Resolution(top, (top,), clear=True)
    top_votes = top.doc.votes or 0
    if top_votes and all(top_votes >= POPULAR_FACTOR * max(m.doc.votes or 0, 1) for m in rivals):
        return Resolution(top, close, clear=True)
    return Resolution(top, close, clear=False)


Origin = tuple[str, str]  # (platform, chat id) a query came from, for the curation hook
MissHook = Callable[[str, Origin | None], Awaitable[None]]
PinHook = Callable[[str], Match | None]


class FilmService:
    """Film use-cases. Two optional hooks let curation (bot/curation) take part without this module
    knowing it: `pinned(query)` returns the match an admin alias pins the query to (that film is then the
    one clear answer), and `on_miss(query, origin)` is awaited when a lookup or search finds nothing good."""

    def __init__(
        self,
        catalog: Catalog,
        rng: random.Random | None = None,
        *,
        on_miss: MissHook | None = None,
        pinned: PinHook | None = None,
        learning: Learning | None = None,
    ) -> None:
        self.catalog = catalog
        self.rng = rng or random.Random()
        self.on_miss = on_miss
        self.pinned = pinned
        self.learning = learning

    @property
    def index(self) -> SearchIndex:
        return self.catalog.index

    async def lookup(self, query: str | None, *, origin: Origin | None = None) -> Reply:
        """`/film <title>`: a card for a clear match, a picker for close ones, close misses otherwise.

        A `#123` film ref (what autocomplete and pickers submit) opens that film's card directly.
        """
        text = check_query(query)
        if isinstance(text, Problem):
            return text
        film_id = parse_film_ref(text)
        if film_id is not None:
            return await self.card(film_id)
        pin = self.pinned(text) if self.pinned is not None else None
        if pin is not None:
            return await self.card(pin.film_id, match=pin)
        matches = self.index.search(text, limit=PICKER_SIZE * 2)
        found = resolve(matches, parse_query(text).year)
        learned = self._learned_answer(text, matches)
        if learned is not None:
            others = tuple(choice_from_match(m) for m in found.close if m.film_id != learned.film_id)
            return await self.card(learned.film_id, match=learned, others=others)
        if found.best is None:
            if self.on_miss is not None:
                await self.on_miss(text, origin)
            return self._miss(text, found.close)
        if found.clear:
            others = tuple(choice_from_match(m) for m in found.close[1:])
            return await self.card(found.best.film_id, match=found.best, others=others)
        return did_you_mean(text, found.close)

    def _learned_answer(self, text: str, matches: Sequence[Match]) -> Match | None:
        """The match people chose for this very query often and consistently enough (bot.films.popularity),
        if the search still offers it among its close answers; never a film the search did not find."""
        if self.learning is None or not matches or matches[0].score < MISS_SCORE:
            return None
        film_id = self.learning.lifted(text)
        if film_id is None:
            return None
        return next((m for m in matches[:PICKER_SIZE] if m.film_id == film_id and m.score >= MISS_SCORE), None)

    async def choose(self, query: str, film_id: int) -> FilmCard | Problem:
        """A "did you mean" picker for `query` was answered with this film: learn it, show its card."""
        card = await self.card(film_id)
        if self.learning is not None and isinstance(card, FilmCard):
            text = check_query(query)
            if not isinstance(text, Problem):
                self.learning.chosen(text, film_id)
        return card

    def _miss(self, text: str, near: Sequence[Match]) -> Reply:
        items = tuple(choice_from_match(m) for m in near[:5])
        return FilmList(
            kind="miss",
            query=text,
            items=items,
            heading=f"No film called “{text}”." + (" Did you mean one of these?" if items else ""),
            total=len(items),
            hint="An admin can add it with /film add.",
        )

    async def card(
        self, film_id: int, *, match: Match | None = None, others: tuple[FilmChoice, ...] = ()
    ) -> FilmCard | Problem:
        film = await self.catalog.film(film_id)
        if film is None:
            return Problem("That film is no longer in the catalog.", kind="not_found")
        if self.learning is not None:
            self.learning.card_shown(film_id)
        return film_card(film, match=match, others=others)

    async def search(
        self, query: str | None, page: int = 0, page_size: int = PAGE_SIZE, *, origin: Origin | None = None
    ) -> Reply:
        """`/search <words>`: a paged list of the best matches."""
        text = check_query(query)
        if isinstance(text, Problem):
            return text
        matches = self._search_matches(text)
        if not matches:
            if self.on_miss is not None:
                await self.on_miss(text, origin)
            return self._miss(text, self.index.search(text, limit=5))
        pages = max(1, -(-len(matches) // page_size))
        page = min(max(page, 0), pages - 1)
        chunk = matches[page * page_size : (page + 1) * page_size]
        return FilmList(
            kind="results",
            query=text,
            items=tuple(choice_from_match(m) for m in chunk),
            heading=f"Films matching “{text}”",
            page=page,
            pages=pages,
            total=len(matches),
        )

    def _search_matches(self, text: str, limit: int = 50) -> list[Match]:
        """Strong fuzzy title matches first, then films having all the words, then weaker fuzzy matches."""
        fuzzy = [m for m in self.index.search(text, limit=limit) if m.score >= MISS_SCORE - 10]
        worded = self.catalog.words.search(text, limit=limit)
        ordered = [m for m in fuzzy if m.score >= CLEAR_SCORE] + worded + fuzzy
        seen: set[int] = set()
        out: list[Match] = []
        for match in ordered:
            if match.film_id not in seen:
                seen.add(match.film_id)
                out.append(match)
        return out[:limit]

    async def random(self, genre: str | None = None) -> Reply:
        async with self.catalog.db.session() as session:
            film = await FilmRepository(session).random(clean_text(genre) if genre else None, self.rng)
        if film is None:
            what = f"in the genre “{clean_text(genre or '')}”" if genre else "in the catalog"
            return Problem(f"I found no film {what}. Try /random without a genre.", kind="not_found")
        return film_card(film)

    async def genres(self) -> list[str]:
        async with self.catalog.db.session() as session:
            return await FilmRepository(session).genres()

    def autocomplete(self, prefix: str, limit: int = 25) -> list[FilmChoice]:
        """Choices as the user types: index only, never the database."""
        text = clean_text(prefix)[:MAX_ARG_CHARS]
        if not text:
            return []
        return [choice_from_match(m) for m in self.index.search(text, limit=limit)]

    async def resolve_film(self, value: str) -> Film | Reply:
        """A film param: an id from autocomplete/pickers (`#123`), else a fuzzy title.

        Returns the Film when exactly one is meant, else the picker/miss reply to show instead. Plain digits
        are a title ("1917"), never an id.
        """
        text = clean_text(value)
        film_id = parse_film_ref(text)
        if film_id is not None:
            film = await self.catalog.film(film_id)
            if film is None:
                return Problem("That film is no longer in the catalog.", kind="not_found")
            return film
        checked = check_query(text)
        if isinstance(checked, Problem):
            return checked
        pin = self.pinned(checked) if self.pinned is not None else None
        if pin is not None:
            pinned_film = await self.catalog.film(pin.film_id)
            if pinned_film is not None:
                return pinned_film
        found = resolve(self.index.search(checked, limit=PICKER_SIZE * 2), parse_query(checked).year)
        if found.best is None:
            return self._miss(checked, found.close)
        if not found.clear:
            return did_you_mean(checked, found.close)
        film = await self.catalog.film(found.best.film_id)
        if film is None:
            return Problem("That film is no longer in the catalog.", kind="not_found")
        return film
