"""Film use-cases: look a film up, search, pick at random, autocomplete.

The in-memory `SearchIndex` answers every query; the store is read only for the one or few films a reply
shows. `bot.films.catalog.Catalog` keeps the indexes in step with the store.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Literal

from bot.commands import MAX_ARG_CHARS
from bot.films.cards import choice_from_match, film_card
from bot.films.catalog import Catalog
from bot.films.learning import Learning
from bot.films.localize import local_choices, remembered_local_choices
from bot.films.model import Film
from bot.films.normalize import normalize_title
from bot.films.search import Match, SearchIndex, parse_query
from bot.films.words import WordIndex
from bot.i18n import N_, SUPPORTED_LANGUAGES, _, translator
from bot.replies import FilmCard, FilmChoice, FilmList, Problem, Reply
from bot.store.films import FilmRepository, genre_spellings
from bot.text import clean_text

log = logging.getLogger(__name__)

CLEAR_SCORE = 90.0
EXACT_SCORE = 100.0
CLOSE_GAP = 6.0
MISS_SCORE = 62.0
PICKER_SIZE = 8
PAGE_SIZE = 10
MAX_QUERY_CHARS = 200
POPULAR_FACTOR = 10
GENRES_SHOWN = 40  # an unknown genre lists the genres that exist, up to this many


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
        return _(_NO_EXACT, query=query)
    return _(_SEVERAL, query=query)


_NO_EXACT = N_("No exact match for “{query}”. Did you mean this one?")
_SEVERAL = N_("Several films match “{query}”. Which one?")
_NO_FILM = N_("No film called “{query}”.")
_NO_FILM_BUT = N_("No film called “{query}”. Did you mean one of these?")


@cache
def _picker_headings() -> tuple[re.Pattern[str], ...]:
    """The picker headings in every shipped language, with the query captured (a member presses a button on
    a picker shown in their language)."""
    forms = {translator(language).gettext(form) for language in SUPPORTED_LANGUAGES
             for form in (_NO_EXACT, _SEVERAL, _NO_FILM, _NO_FILM_BUT)}  # fmt: skip
    return tuple(re.compile("^" + re.escape(form).replace(re.escape("{query}"), "(.+)") + "$") for form in forms)


def picker_query(heading: str) -> str | None:
    """The query a `/film` picker or miss list answers, read back from its heading (for adapters whose
    buttons carry only a film id: the message itself says what was asked)."""
    for form in _picker_headings():
        if found := form.match(heading.strip()):
            return found.group(1)
    return None


def check_query(query: str | None) -> str | Problem:
    text = clean_text(query or "")
    if not text:
        return Problem(_("Tell me a film title, for example: /film miracle in cell no 7"))
    if len(text) > MAX_QUERY_CHARS:
        return Problem(_("That is a very long title ({count} characters). Try the first few words.", count=len(text)))
    return text


@dataclass(frozen=True, slots=True)
class Resolution:
    """How a fuzzy query resolved: one film, several close ones, or none."""

    best: Match | None
    close: tuple[Match, ...]
    clear: bool


def resolve(matches: Sequence[Match], year: int | None = None) -> Resolution:
    """One clear film, a short picker, or a miss — the three answers of every lookup.

    Clear: an exact title no other film shares (near titles - article-less, subtitles, typos - do not count
    as rivals), a strong top match with no other film within a few points, or near-ties where the top film
    is far more popular than every rival (the 2013 film among its remakes). A year the user wrote rules out
    rivals of other years. Otherwise the near-ties form a picker.
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
    if top.score >= EXACT_SCORE and all(m.score < EXACT_SCORE for m in rivals):
        # an exact title wins over near titles (articles, subtitles, typos); only a namesake makes a picker
        return Resolution(top, close, clear=True)
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


@dataclass(frozen=True, slots=True)
class Decision:
    """What `/film <text>` answers, before any database read: a card, a picker, or a miss.

    `matches`: for a card, the film first and the near others after it; for a picker, its lines in order;
    for a miss, the close titles to offer. `note` is a sentence to say above the answer (e.g. a year that
    matched no film).
    """

    kind: Literal["card", "picker", "miss"]
    matches: tuple[Match, ...]
    note: str | None = None


def decide(index: SearchIndex, words: WordIndex | None, text: str, pin: Match | None = None) -> Decision:
    """The /film decision on a checked query text (also what `filmbot bench answers` judges).

    The fuzzy title index answers first. When its best is weak (a miss, or an unsure picker under
    CLEAR_SCORE), the word index is asked too: a distinctive word of a title ("totoro", "chihiro") names
    the film when only one film has it, else its films lead the picker. A year written in the query that no
    matching film has is said, not silently dropped.
    """
    if pin is not None:
        return Decision("card", (pin,))
    parsed = parse_query(text)
    matches = index.search(text, limit=PICKER_SIZE * 2)
    found = resolve(matches, parsed.year)
    note = _year_note(parsed.text, parsed.year, matches)
    weak = found.best is None or (not found.clear and found.best.score < CLEAR_SCORE)
    if weak and words is not None:
        worded = words.search(parsed.text, limit=PICKER_SIZE)
        if len(worded) == 1:
            return Decision("card", (worded[0],), note)
        if worded:
            seen = {m.film_id for m in worded}
            close = [*worded, *(m for m in found.close if m.film_id not in seen)]
            return Decision("picker", tuple(close[:PICKER_SIZE]), note)
    if found.best is None:
        return Decision("miss", found.close, note)
    return Decision("card" if found.clear else "picker", found.close, note)


def _year_note(text: str, year: int | None, matches: Sequence[Match]) -> str | None:
    """ "No “Parasite” from 2019 in the catalog; closest: 1982." when the title matched but not the year."""
    if year is None or not matches or matches[0].score < CLEAR_SCORE:
        return None
    top = matches[0]
    if str(year) in normalize_title(top.matched_title).split():
        return None  # the number is part of the title ("Death Race 2000"), not a year
    if any(m.doc.year == year for m in matches[:PICKER_SIZE]):
        return None
    title = top.doc.title if len(top.doc.title) <= 80 else text[:80]
    closest = f"; closest: {top.doc.year}" if top.doc.year else ""
    return _("No “{title}” from {year} in the catalog{closest}.", title=title, year=year, closest=closest)


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
        decision = decide(self.index, self.catalog.words, text, pin)
        learned = None if pin is not None or decision.kind == "miss" else self._learned_answer(text, decision.matches)
        if learned is not None:
            others = tuple(choice_from_match(m) for m in decision.matches if m.film_id != learned.film_id)
            return await self.card(learned.film_id, match=learned, others=others, notice=decision.note)
        if decision.kind == "miss":
            if self.on_miss is not None:
                await self.on_miss(text, origin)
            return self._miss(text, decision.matches, decision.note)
        if decision.kind == "card":
            best, *rest = decision.matches
            others = tuple(choice_from_match(m) for m in rest)
            return await self.card(best.film_id, match=best, others=others, notice=decision.note)
        picker = did_you_mean(text, decision.matches)
        if decision.note:
            picker = replace(picker, heading=f"{decision.note} {picker.heading}")
        return picker

    def decide(self, text: str) -> Decision:
        """The /film decision for a checked query (admin pins first), without reading the store."""
        pin = self.pinned(text) if self.pinned is not None else None
        return decide(self.index, self.catalog.words, text, pin)

    def _learned_answer(self, text: str, matches: Sequence[Match]) -> Match | None:
        """The match people chose for this very query often and consistently enough (bot.films.popularity),
        if the /film decision still offers it (its card or its picker, never a miss list); never a film the
        search did not find."""
        if self.learning is None or not matches:
            return None
        film_id = self.learning.lifted(text)
        if film_id is None:
            return None
        return next((m for m in matches[:PICKER_SIZE] if m.film_id == film_id), None)

    async def choose(self, query: str, film_id: int) -> FilmCard | Problem:
        """A "did you mean" picker for `query` was answered with this film: learn it, show its card."""
        card = await self.card(film_id)
        if self.learning is not None and isinstance(card, FilmCard):
            text = check_query(query)
            if not isinstance(text, Problem):
                self.learning.chosen(text, film_id)
        return card

    def _miss(self, text: str, near: Sequence[Match], note: str | None = None) -> Reply:
        items = tuple(choice_from_match(m) for m in near[:5])
        return FilmList(
            kind="miss",
            query=text,
            items=items,
            heading=(note + _(" Did you mean one of these?") if items else note)
            if note
            else _(_NO_FILM_BUT if items else _NO_FILM, query=text),
            total=len(items),
            hint=_("An admin can add it with /film add."),
        )

    async def card(
        self,
        film_id: int,
        *,
        match: Match | None = None,
        others: tuple[FilmChoice, ...] = (),
        notice: str | None = None,
    ) -> FilmCard | Problem:
        film = await self.catalog.film(film_id)
        if film is None:
            return Problem(_("That film is no longer in the catalog."), kind="not_found")
        if self.learning is not None:
            self.learning.card_shown(film_id)
        others = await local_choices(others, self.catalog.films)  # as the card's own heading, in the member's language
        return film_card(film, match=match, others=others, notice=notice)

    async def cards(self, choices: Sequence[FilmChoice]) -> list[FilmCard]:
        """Cards for a page of choices (inline results), read in one query, in the choices' order; films
        removed meanwhile are skipped. Each card says which title matched, as its choice did."""
        films = await self.catalog.films([c.film_id for c in choices])
        out = []
        for choice in choices:
            if (film := films.get(choice.film_id)) is not None:
                card = film_card(film)
                out.append(replace(card, matched_title=choice.matched_title) if choice.matched_title else card)
        return out

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
            items=await local_choices([choice_from_match(m) for m in chunk], self.catalog.films),
            heading=_("Films matching “{text}”", text=text),
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
        spellings = genre_spellings(await self.catalog.genres(), clean_text(genre)) if genre else None
        picked = None
        if spellings is None or spellings:
            async with self.catalog.db.session() as session:
                picked = await FilmRepository(session).random_id(spellings, self.rng)
        film = None if picked is None else await self.catalog.film(picked)  # the card cache, as /film
        if film is None:
            if genre and (unknown := await self.unknown_genre(genre)) is not None:
                return unknown
            what = _("in the genre “{genre}”", genre=clean_text(genre or "")) if genre else _("in the catalog")
            return Problem(_("I found no film {what}. Try /random without a genre.", what=what), kind="not_found")
        return film_card(film)

    async def unknown_genre(self, genre: str) -> Problem | None:
        """A Problem listing the genres that exist when no film has `genre`; None when some do."""
        known = await self.genres()
        wanted = clean_text(genre).casefold()
        if any(g.casefold() == wanted for g in known):
            return None
        shown = ", ".join(known[:GENRES_SHOWN]) + (
            _(" and {GENRES_SHOWN} more", GENRES_SHOWN=len(known) - GENRES_SHOWN) if len(known) > GENRES_SHOWN else ""
        )
        return Problem(
            _("There is no genre “{genre}” in the catalog.", genre=clean_text(genre)[:40]),
            kind="not_found",
            hint=_("Genres: {shown}.", shown=shown) if known else _("The catalog has no genres yet."),
        )

    async def genres(self) -> list[str]:
        async with self.catalog.db.session() as session:
            return await FilmRepository(session).genres()

    def autocomplete(self, prefix: str, limit: int = 25) -> list[FilmChoice]:
        """Choices as the user types, named in the current language: index and cache only, never the database."""
        text = clean_text(prefix)[:MAX_ARG_CHARS]
        if not text:
            return []
        choices = [choice_from_match(m) for m in self.index.search(text, limit=limit)]
        return remembered_local_choices(choices, self.catalog.cache.get, self.index.get)

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
                return Problem(_("That film is no longer in the catalog."), kind="not_found")
            return film
        checked = check_query(text)
        if isinstance(checked, Problem):
            return checked
        decision = self.decide(checked)
        if decision.kind == "miss":
            return self._miss(checked, decision.matches)
        if decision.kind == "picker":
            return did_you_mean(checked, decision.matches)
        film = await self.catalog.film(decision.matches[0].film_id)
        if film is None:
            return Problem(_("That film is no longer in the catalog."), kind="not_found")
        return film
