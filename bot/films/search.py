"""In-memory fuzzy title index: every title of every film, normalised once, ranked with rapidfuzz.

INTERFACE CONTRACT (used by bot/films/service.py, the adapters' autocomplete and the benchmark):
- `SearchDoc` is what the index keeps per film: enough to render a picker line with no database access.
- `SearchIndex.build(docs)`, `.upsert(doc)`, `.remove(film_id)`, `.get(film_id)`, `len(index)`.
- `SearchIndex.search(query, limit=10, year=None) -> list[Match]`, best first; a year written in the
  query ("... 2019", "(2019)", "y:2019") is recognised by `parse_query` and used for ranking.
- `Match.score` is 0..100; `Match.matched_title` is the original (un-normalised) title string that matched.

How a query is answered (never a full scan): the query is normalised like the titles, then candidate
keys come from three cheap sources - the exact key (dict), keys starting with the query (sorted list,
most popular first) and keys sharing the rarest trigrams (numpy posting lists) - and only those few
dozen are scored with rapidfuzz. Prefix matches get a fixed score so popularity decides among them
(autocomplete); exact ties break by votes, then `learned` popularity (per film id), then `known` (the
original a newer namesake names, `namesakes.py`), then the more recent year, then the film id (never hash
order).

How people type: every title is also filed under its article-less form (several languages) and, for
"X: Y" / "X - Y" titles, its subtitle Y (ranked under whole titles); the main part X typed alone scores
MAIN_SCORE. Sequel numbers are normalised to one form (`normalize.py`) and a query's sequel number missing
from a title costs NUMBER_MISS, so "back to the future 2" never prefers Part I. A native title (kana, Han,
Hangul) is also filed under its romanization (`romanize.py`), tried when nothing matched well. A prefix match
whose title carries other marks than typed (apostrophes, "&", symbols: "oceans" / "Ocean's Eleven") ranks
LITERAL_MISS lower; a query that matched nothing well is read again with a wider trigram budget (WIDE_*).

Edits: the bulk lives in an immutable `BaseTable`; upserts go to an indexed `DeltaTable` (its own
exact dict, sorted prefix list and trigram postings) and removals are tombstones, all visible to the
next query. Nothing rebuilds on its own: a rebuild stalls the event loop (2-3 s at 150k films, ~17 s
at 1M), so an edit never triggers one. `compact()` folds the delta in when the app chooses (start-up,
idle); `needs_compaction` says when that is worth it. Until then each edit costs O(titles of that film)
and the delta adds a bounded cost per query.
"""

from __future__ import annotations

import gc
import heapq
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.films.normalize import (
    gram_form,
    literal_form,
    normalize_title,
    sequel_digit,
    sequel_numbers,
    strip_control,
    without_article,
)
from bot.films.romanize import has_native_script, roman_form, romanizations
from bot.films.search_base import BaseTable, DeltaTable, pack_holder

__all__ = ["Match", "ParsedQuery", "SearchDoc", "SearchIndex", "parse_query"]

MAX_QUERY_CHARS = 200  # longer input is cut: no title is that long, and scoring cost grows with length
MIN_YEAR, MAX_YEAR = 1870, 2100

PREFIX_WORD_SCORE = 90.0  # "miracle in" -> "miracle in cell no 7": popularity decides among these
PREFIX_PART_SCORE = 80.0  # "mira" -> "miracle ...": a cut word ranks under a whole one
YEAR_BONUS = 30.0  # the film of the year written in the query comes first among equal titles
YEAR_MISS = 3.0  # a stripped year that matches no film: the literal reading ("Death Race 2000") wins
MIN_SCORE = 45.0
EXACT_SCORE = 100.0
ALIAS_PENALTY = 2.0  # "matrix" is filed under "The Matrix" too, but a film really titled so wins a tie
ARTICLE_ADDED_PENALTY = 2.0  # "the shining" also tries "shining" (a user may add an article, too)
# "X: Y", "X - Y", "X - Episode V - Y": the main part X alone is a strong prefix, the subtitle Y alone a name
# of the film below every whole title (exact or article-less) but above loose fuzzy matches.
# A subtitle gets no popularity lift: a popular film's subtitle ("Amityville: The Awakening") must not climb
# over a whole title starting with the query ("Awakening the Zodiac") on votes alone.
MAIN_SCORE = 96.0
SUBTITLE_PENALTY = 5.0
# Among titles that start with the query popularity counts, so "Nick" offers "Nick of Time" (5,000 votes)
# before an unrated "Nick Carter": 6 points per tenfold votes. Typo matches get no popularity: it would
# drown the typo's distance.
POPULARITY_WEIGHT = 6.0
# The first words of one of a film's alternative titles (one of dozens of translations a popular film has)
# are weaker evidence than another film's exact title: half the weight, so "chien" finds the film titled
# "Chien" (133 votes) before *Star Wars* by its Vietnamese title "Chiến Tranh Giữa Các Vì Sao" (1.3M votes).
ALT_PREFIX_WEIGHT = POPULARITY_WEIGHT / 2
# The normal form drops apostrophes and symbols and reads "&" as "and", so "oceans" is a prefix of "Ocean's
# Eleven" and "flesh and" of "Flesh & Blood". A title that starts with the words exactly as typed ("Oceans
# Rising", "Flesh and Bone", "What the #$*! Do We Know!?") is the likelier one: a prefix match only through
# the normal form ranks LITERAL_MISS lower (about a tenfold of votes and a half).
LITERAL_MISS = 10.0
# A sequel number the query has and the title lacks ("back to the future 2" vs "Back to the Future"):
# that title is another film of the series, never the answer's equal.
NUMBER_MISS = 10.0
# An exact alternative or original title of a film whose votes are unknown outranks every prefix match,
# however popular: unknown is not zero ("léon" is *Léon: The Professional*, not *Leon the Pig Farmer*).
# With known votes, or on a display title, popularity decides as below (a popular film's first words).
# Not when another film has those words as its display title: that film is the one so named, and the picker
# orders the namesakes by votes as usual ("secrets": *Secrets & Lies*, *Secrets*, then the retitled *Foreseen*).
# Only the query as typed is exact: "a heart" read as "heart" is a reading, not the title "Heart"; such a
# reading gets no popularity either (a famous film's alternative title "Baba" must not beat the exact "A Babá").
EXACT_BONUS = 45.0

# Autocomplete: a query that is the first whole word(s) of a popular film's display title ("Wonder" ->
# "Wonder Woman") ranks that film as if it were only a little short of an exact title, so a film titled
# exactly so ("Wonder") keeps first place only while it has at least half as many votes (unknown counts as
# none). Only for films of at least PREFIX_YIELD_VOTES votes (a "popular" film: the top ~15% of rated
# ones), only on the display title, and never with a year in the query. Match.score stays PREFIX_WORD_SCORE.
PREFIX_YIELD_FACTOR = 2.0
PREFIX_YIELD_VOTES = 1000
PREFIX_YIELD_RANK = 100.0 - POPULARITY_WEIGHT * math.log10(PREFIX_YIELD_FACTOR)
ALIAS = 1 << 14  # title-index flags: an article-less alias of a title, its subtitle, its romanization
SUBTITLE = 1 << 13
ROMAN = 1 << 12
TIDX_MASK = ROMAN - 1
# A native title typed in Latin letters ("kimi no na wa"): only tried when nothing matched well, and a
# little under the same match on a real title. A roman key has no spaces, so any syllables are a prefix of it
# ("dao" of "daomengkongjian"): only an exact roman match gets popularity.
ROMAN_PENALTY = 2.0
# An admin alias typed exactly is a pin ("the query X means this film"): it outranks popularity
# (at most ~40), an exact title and a year bonus (30), so it comes first in /search lists and autocomplete.
PIN_BONUS = 150.0
_TITLE_PARTS = re.compile(r"\s*[:：]\s+|\s+[-–—]\s+|\s*[–—]\s*")
FUZZY_TOP = 40
FUZZY_BUDGET = 20_000
# A typo makes rare, wrong trigrams, and the budget reads the rarest first: a typo'd short word after common
# ones ("the orost") can leave the right key unread. When nothing scored WIDE_UNDER or more, the query's
# trigrams are read again with a wider budget and more keys are scored (only weak queries pay for it).
# A short typo'd word shares one trigram with hundreds of keys of equal estimate ("mvais": "is" ends "mavis" and
# every "...is"), so the estimate alone picks among them by chance: the WIDE_POOL best estimates are also
# compared with the query in one rapidfuzz call, and the WIDE_TOP closest of them are scored too.
WIDE_UNDER = 85.0
WIDE_TOP = 80
WIDE_BUDGET = 80_000
WIDE_POOL = 2_000
EXACT_SKIPS_FUZZY = False
# A query that is some title exactly already has its answer among the candidates; the trigram read only adds
# near neighbours (typo'd readings of other titles, the picker's others): a quarter of the budget finds the
# same answers on the dev sets (search and /film decisions unchanged) at a fraction of the cost.
EXACT_FUZZY_BUDGET = 5_000
PREFIX_TOP = 24
DELTA_TOP = 20
DELTA_BUDGET = 4000  # delta postings are read through numpy views of arrays: ~60 µs a query at this budget
DELTA_MIN_DICE = 0.25  # estimated trigram Dice under which a delta key is not worth scoring
COMPACT_DELTA_KEYS = 20_000  # past this many delta keys (or a quarter of slots dead) compaction pays off


@dataclass(frozen=True, slots=True)
class SearchDoc:
    film_id: int
    title: str
    titles: tuple[str, ...]
    year: int | None = None
    votes: int | None = None
    original_title: str | None = None
    country: str | None = None
    # titles an admin added to pin a query to this film (also in `titles`): an exact hit ranks first
    aliases: tuple[str, ...] = ()

    def all_titles(self) -> tuple[str, ...]:
        """Display title, original title, then every other title, each once, in that order."""
        seen: dict[str, None] = {self.title: None}
        if self.original_title:
            seen[self.original_title] = None
        for title in self.titles:
            if title:
                seen[title] = None
        return tuple(seen)


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


_YEAR_FORMS = (
    re.compile(r"^(?P<a>.*?)\b(?:y|year)\s*[:=]\s*(?P<year>\d{4})\b(?P<b>.*)$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^(?P<a>.*?)[(\[]\s*(?P<year>\d{4})\s*[)\]](?P<b>\s*)$", re.DOTALL),
    re.compile(r"^(?P<a>.*\S)[\s,/-]+(?P<year>\d{4})(?P<b>\s*)$", re.DOTALL),
)


def parse_query(query: str) -> ParsedQuery:
    """Split a trailing or tagged year off a query: "Title 2019", "Title (2019)", "Title y:2019".

    A number that is the whole query ("1917", "2012") stays the title; so does a leading one
    ("2001: A Space Odyssey"). Whether a trailing number was a year or part of the title
    ("Death Race 2000") is left to ranking, which tries both readings.
    """
    query = strip_control(query).strip()
    for form in _YEAR_FORMS:
        found = form.match(query)
        if not found:
            continue
        year = int(found["year"])
        text = (found["a"] + " " + found["b"]).strip()
        if MIN_YEAR <= year <= MAX_YEAR and normalize_title(text):
            return ParsedQuery(text=text, year=year)
    return ParsedQuery(text=query, year=None)


@dataclass(slots=True)
class _Hit:
    rank: float
    score: float
    tidx: int


class SearchIndex:
    """All titles of all films, searchable by typo'd, accent-less, native-script or partial text."""

    def __init__(self) -> None:
        self._docs: list[SearchDoc | None] = []
        self._titles: list[tuple[str, ...]] = []
        self._slot: dict[int, int] = {}
        self._base = BaseTable({}, [])
        # the romanized keys' holders again, in a table of their own: a roman reading of a query is matched
        # against these few thousand keys, not against every title (see `_score`)
        self._roman = BaseTable({}, [])
        self._delta = DeltaTable()
        self._dead = 0
        # Learned popularity per film id (bot.films.learning; 0 or absent: unknown), read live: it breaks ties
        # after votes. The catalog hands the same mapping to every index it builds; the index never writes it.
        self.learned: Mapping[int, float] = {}
        # Weak popularity the catalog reads from its own text (bot.films.namesakes: the original a newer
        # namesake names), set by the catalog; it breaks ties after votes and learned popularity.
        self.known: Mapping[int, float] = {}

    @classmethod
    def build(cls, docs: Iterable[SearchDoc]) -> SearchIndex:
        index = cls()
        index._rebuild(docs)
        return index

    def _rebuild(self, docs: Iterable[SearchDoc]) -> None:
        with cyclic_gc_paused():
            self._docs, self._titles, self._slot = [], [], {}
            holders: dict[str, list[int]] = {}  # key -> packed (slot, title index) holders
            roman: dict[str, list[int]] = {}
            votes: list[int] = []
            cache: dict[str, str] = {}
            for doc in docs:
                slot = self._add_slot(doc)
                votes.append(doc.votes or 0)
                for tidx, key in self._keys_of(slot, cache):
                    held = pack_holder(slot, tidx)
                    found = holders.get(key)
                    if found is None:
                        holders[key] = [held]
                    else:
                        found.append(held)
                    if tidx & ROMAN:
                        roman.setdefault(key, []).append(held)
            self._base = BaseTable(holders, votes)
            self._roman = BaseTable(roman, votes)
            self._delta, self._dead = DeltaTable(), 0

    def _add_slot(self, doc: SearchDoc) -> int:
        old = self._slot.get(doc.film_id)
        if old is not None:
            self._kill(old)
        slot = len(self._docs)
        self._docs.append(doc)
        self._titles.append(doc.all_titles())
        self._slot[doc.film_id] = slot
        return slot

    def _keys_of(self, slot: int, cache: dict[str, str] | None = None) -> list[tuple[int, str]]:
        """(title index | flags, key) for each distinct key of a slot's titles.

        Each title is filed under its normalised form; then, for keys not already taken by a stronger form,
        its article-less alias (ALIAS), and for "X: Y"-like titles the subtitle Y (SUBTITLE, article-less
        too). The main part X needs no key of its own: it is a prefix of the title's key (see `main_key`).
        """
        found: dict[str, int] = {}
        extra: list[tuple[str, int]] = []
        for tidx, title in enumerate(self._titles[slot]):
            if tidx >= TIDX_MASK:
                break
            title = title[: MAX_QUERY_CHARS * 2]
            key = cache.get(title) if cache is not None else None
            if key is None:
                key = normalize_title(title)
                if cache is not None:
                    cache[title] = key
            if not key or key in found:
                continue
            found[key] = tidx
            alias = without_article(key)
            if alias:
                extra.append((alias, tidx | ALIAS))
            if _has_parts(title):
                extra.extend(_subtitle_keys(title, tidx, cache))
            if not key.isascii() and has_native_script(title):
                extra.extend((form, tidx | ROMAN) for form in romanizations(title))
        for key, tidx in extra:
            found.setdefault(key, tidx)
        return [(tidx, key) for key, tidx in found.items()]

    def _kill(self, slot: int) -> None:
        if self._docs[slot] is None:
            return
        if self._delta:
            for _, key in self._keys_of(slot):
                self._delta.discard(key, slot)
        self._docs[slot] = None
        self._dead += 1

    def upsert(self, doc: SearchDoc) -> None:
        """Add or replace a film; the next search sees it. Never rebuilds: O(titles of this film)."""
        slot = self._add_slot(doc)
        votes = doc.votes or 0
        for tidx, key in self._keys_of(slot):
            self._delta.add(key, slot, tidx, votes)

    def remove(self, film_id: int) -> None:
        """Forget a film (no-op when unknown); the next search no longer returns it."""
        slot = self._slot.pop(film_id, None)
        if slot is not None:
            self._kill(slot)

    @property
    def delta_size(self) -> int:
        """Keys held by the delta (edited since the last build)."""
        return len(self._delta)

    @property
    def needs_compaction(self) -> bool:
        """Whether a `compact()` would pay off: a big delta, or a quarter of the slots dead."""
        return len(self._delta) > COMPACT_DELTA_KEYS or self._dead > max(1000, len(self._slot) // 4)

    def compact(self) -> None:
        """Fold the delta and tombstones into a fresh base table: a full rebuild, only when asked.

        Searches stay correct without it; it only restores the base's ranking data (prefix
        popularity, no dead keys) and frees dead slots. Call it where a pause is harmless.
        """
        self._rebuild([d for d in self._docs if d is not None])

    def get(self, film_id: int) -> SearchDoc | None:
        slot = self._slot.get(film_id)
        return None if slot is None else self._docs[slot]

    def __len__(self) -> int:
        return len(self._slot)

    def all_docs(self) -> list[SearchDoc]:
        return [d for d in self._docs if d is not None]

    def _candidates(self, text: str, table: BaseTable, wide: bool = False, titled: bool = False) -> set[str]:
        if wide:
            pool = table.fuzzy(text, top=WIDE_POOL, budget=WIDE_BUDGET)
            return set(pool[:WIDE_TOP]).union(_closest(text, pool, WIDE_TOP))
        keys = {text}
        keys.update(table.prefix(text, top=PREFIX_TOP))
        if not (EXACT_SKIPS_FUZZY and table.holders(text)):
            budget = EXACT_FUZZY_BUDGET if titled or table.holders(text) else FUZZY_BUDGET
            keys.update(table.fuzzy(text, top=FUZZY_TOP, budget=budget))
        if self._delta:
            keys.update(self._delta.prefix(text, top=PREFIX_TOP))
            keys.update(self._delta.fuzzy(text, top=DELTA_TOP, budget=DELTA_BUDGET, min_est=DELTA_MIN_DICE))
        return keys

    def _holders(self, key: str, table: BaseTable | None = None) -> list[tuple[int, int]]:
        base = (table or self._base).holders(key)
        if not self._delta:
            return base
        extra = self._delta.holders(key)
        return base + extra if extra else base

    def _score(
        self,
        text: str,
        want_year: int | None,
        strict: bool,
        penalty: float,
        hits: dict[int, _Hit],
        roman: bool = False,
        wide: bool = False,
        literal: tuple[int, str] | None = None,
        titled: bool = False,
    ) -> None:
        """Score one reading of the query against its candidate keys into `hits` (best rank per film).

        `roman`: the query's roman form, which only counts against romanized native titles. `wide`: score the
        keys of a wider trigram read (the base table's only: the delta's read is not budget-limited this way).
        `literal`: the query's words and marks (`_query_marks`), for the reading that is the query as typed.
        """
        numbers = sequel_numbers(text)
        # a roman reading only counts against romanized native titles: it is read from their own table
        table = self._roman if roman else self._base
        # the article-less reading of a query ("the shining" -> "shining") only counts as an exact title
        keys = [text] if penalty else sorted(self._candidates(text, table, wide, titled))
        for key, similar in zip(keys, _text_scores(text, keys), strict=True):
            score, starts = _similarity(text, key, similar)
            if score < MIN_SCORE:
                continue
            exact = key == text
            # a whole-word prefix of the key, ranked by popularity (no year): may outrank an exact title
            word_prefix = starts and want_year is None and not exact and key[len(text)] == " "
            if numbers and not numbers <= sequel_numbers(key):
                score -= NUMBER_MISS
            score -= penalty
            holders = self._holders(key, table)
            # a film's display title outranks the same words as another film's alternative title
            named = exact and any(
                t == 0 and self._docs[s] is not None for s, t in (self._holders(key) if roman else holders)
            )
            for slot, tidx in holders:
                doc = self._docs[slot]
                if doc is None or (roman and not tidx & ROMAN):
                    continue
                if word_prefix and main_key(self._titles[slot][tidx & TIDX_MASK]) == text:
                    shown = MAIN_SCORE - (ALIAS_PENALTY if tidx & ALIAS else 0.0)
                elif tidx & SUBTITLE:
                    shown = score - SUBTITLE_PENALTY
                elif tidx & ROMAN:
                    shown = score - ROMAN_PENALTY
                else:
                    shown = score
                if tidx & ALIAS and shown != MAIN_SCORE:
                    shown -= ALIAS_PENALTY
                if shown < MIN_SCORE:
                    continue
                rank = shown
                if word_prefix and tidx == 0 and (doc.votes or 0) >= PREFIX_YIELD_VOTES:
                    rank = max(shown, PREFIX_YIELD_RANK)
                elif (
                    exact
                    and not penalty
                    and not named
                    and doc.votes is None
                    and tidx & TIDX_MASK
                    and not tidx & (SUBTITLE | ALIAS)
                    and want_year in (None, doc.year)
                ):
                    rank += EXACT_BONUS
                if word_prefix and literal is not None and _marks(self._titles[slot][tidx & TIDX_MASK], literal):
                    rank -= LITERAL_MISS
                if doc.aliases and not strict and exact and key in _pin_keys(doc.aliases):
                    rank += PIN_BONUS
                lifted = not (penalty or tidx & SUBTITLE or (tidx & ROMAN and not exact))
                if starts and doc.votes and want_year is None and lifted:
                    weight = ALT_PREFIX_WEIGHT if tidx & TIDX_MASK and not exact else POPULARITY_WEIGHT
                    rank += weight * math.log10(1 + doc.votes)
                if want_year is not None:
                    if doc.year == want_year:
                        rank += YEAR_BONUS
                    elif strict:
                        rank -= YEAR_MISS
                hit = hits.get(slot)
                if hit is None or rank > hit.rank:
                    hits[slot] = _Hit(rank, shown, tidx)

    def search(self, query: str, *, limit: int = 10, year: int | None = None) -> list[Match]:
        """Best matches first; [] for an empty or unsearchable query. Never raises on odd input.

        Equal ranks come out by votes, then `learned` popularity (a per-film number, 0 when unknown), then
        `known` (an original named by its newest namesake), then a match on the display title first, then the
        more recent film, then the film id: never by hash or insertion order. With a year typed, an exact
        display title comes before an exact alternative title of the same rank, whatever the votes.
        """
        if limit <= 0 or not query:
            return []
        ordered = self._ranked(query, year, limit)
        return [
            Match(
                doc=_doc(self._docs[slot]),
                score=max(0.0, min(100.0, hit.score)),
                matched_title=self._titles[slot][hit.tidx & TIDX_MASK],
            )
            for slot, hit in ordered
        ]

    def _ranked(self, query: str, year: int | None, limit: int) -> list[tuple[int, _Hit]]:
        """The first `limit` films the query reaches, as (slot, hit), in the order `search` returns them."""
        query = query[: MAX_QUERY_CHARS * 4]
        parsed = parse_query(query)
        # (text, wanted year, year stripped from the text, penalty)
        variants: list[tuple[str, int | None, bool, float]] = []
        full = normalize_title(query)[:MAX_QUERY_CHARS]
        if full:
            variants.append((full, year, False, 0.0))
        if parsed.year is not None:
            stripped = normalize_title(parsed.text)[:MAX_QUERY_CHARS]
            variants.append((stripped, year if year is not None else parsed.year, True, 0.0))
        for text, want_year, strict, _ in list(variants):
            bare = without_article(text)
            if bare:
                variants.append((bare, want_year, strict, ARTICLE_ADDED_PENALTY))
        hits: dict[int, _Hit] = {}
        literal = _query_marks(query[: MAX_QUERY_CHARS * 2])
        # a reading that is a title exactly (often the title without the year) needs only near neighbours
        titled = any(self._base.holders(text) for text, _, _, penalty in variants if not penalty)
        for text, want_year, strict, penalty in variants:
            self._score(
                text, want_year, strict, penalty, hits, literal=literal if text == full else None, titled=titled
            )
        if not any(hit.score >= WIDE_UNDER for hit in hits.values()):
            for text, want_year, strict, penalty in variants:
                if not penalty:
                    self._score(text, want_year, strict, penalty, hits, wide=True)
        digits = sequel_digit(full) if full else None
        if digits and not any(hit.score >= MAIN_SCORE for hit in hits.values()):
            self._score(digits, year, False, 0.0, hits)  # "terminator two" is "terminator 2"
        if not any(hit.score >= MAIN_SCORE for hit in hits.values()):
            # nothing close in any script: maybe a native title typed in Latin letters ("kimi no na wa")
            roman = roman_form(query[: MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS]
            if roman and roman != full:
                self._score(roman, year, False, 0.0, hits, roman=True)
        learned, known, docs = self.learned, self.known, self._docs
        # With a year typed, the film whose own title it is comes before another film of that year also known
        # by it ("The Gift 2017": *The Gift*, then *El paseo de Teresa* by its English title), whatever votes.
        dated = year is not None or parsed.year is not None

        def order(item: tuple[int, _Hit]) -> tuple[float, bool, int, float, float, bool, int, int]:
            hit, doc = item[1], _doc(docs[item[0]])
            return (
                -hit.rank,
                dated and hit.score >= EXACT_SCORE and hit.tidx != 0,
                -(doc.votes or 0),
                -learned.get(doc.film_id, 0.0),
                -known.get(doc.film_id, 0.0),
                hit.tidx != 0,  # the film so named before one matched by an alternative title
                -(doc.year or 0),
                doc.film_id,
            )

        items = list(hits.items())
        if len(items) > limit:
            # rank comes first in the order: films under the `limit`-th best rank cannot be among the first
            floor = heapq.nlargest(limit, (hit.rank for hit in hits.values()))[-1]
            items = [item for item in items if item[1].rank >= floor]
        return sorted(items, key=order)[:limit]


# Marks the normal form drops that tell titles apart when typed: apostrophes, "&", symbols ("#$*"). Separators
# people leave out (",.:;!?" and brackets) do not count, nor do dashes and spaces (`literal_form`).
_SEPARATORS = frozenset(',.:;!?()[]"“”«»')


def _query_marks(query: str) -> tuple[int, str]:
    """(number of words, the marks in them) of a query as typed."""
    words = literal_form(query).split()
    return len(words), _marks_of(words)


def _marks_of(words: list[str]) -> str:
    return "".join(ch for word in words for ch in word if not ch.isalnum() and ch not in _SEPARATORS)


@lru_cache(maxsize=8192)
def _title_marks(title: str, count: int) -> str:
    return _marks_of(literal_form(title).split()[:count])


def _marks(title: str, literal: tuple[int, str]) -> bool:
    """Whether the title's first words carry other marks than the query typed ("oceans" / "Ocean's")."""
    count, marks = literal
    return _title_marks(title, count) != marks


def _has_parts(title: str) -> bool:
    return ":" in title or " -" in title or "–" in title or "—" in title or "：" in title


def _subtitle_keys(title: str, tidx: int, cache: dict[str, str] | None) -> list[tuple[str, int]]:
    """Keys of the subtitle(s) of an "X: Y"-like title: all after the main part, and the last part alone."""
    parts = _TITLE_PARTS.split(title)
    if len(parts) < 2:
        return []
    out: list[tuple[str, int]] = []
    rest = " ".join(parts[1:])
    for sub_title in (rest, parts[-1]) if len(parts) > 2 else (rest,):
        sub = cache.get(sub_title) if cache is not None else None
        if sub is None:
            sub = normalize_title(sub_title)
            if cache is not None:
                cache[sub_title] = sub
        # a bare number ("Kill Bill: Vol. 1" -> "1") or a word fragment names nothing on its own
        if len(sub) < 3 or sub.replace(" ", "").isdigit():
            continue
        out.append((sub, tidx | SUBTITLE))
        alias = without_article(sub)
        if alias and len(alias) >= 3:
            out.append((alias, tidx | SUBTITLE | ALIAS))
    return out


@lru_cache(maxsize=8192)
def main_key(title: str) -> str | None:
    """The normalised main part X of an "X: Y"-like title (None for a title without one)."""
    if not _has_parts(title):
        return None
    parts = _TITLE_PARTS.split(title, maxsplit=1)
    return normalize_title(parts[0]) or None if len(parts) > 1 else None


@lru_cache(maxsize=4096)
def _pin_keys(aliases: tuple[str, ...]) -> frozenset[str]:
    """Normalised admin aliases (a title's key may be filed under another of its titles)."""
    return frozenset(normalize_title(alias[: MAX_QUERY_CHARS * 2]) for alias in aliases)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an index is read or built.

    A build allocates a few hundred thousand lists, tuples and strings, none of them in a cycle; each full
    collection that the allocations trigger would walk all of them again (~15% of a build's time, and pauses
    of 100-300 ms on the event loop at 36k films). Reference counting still frees everything as usual. Left
    as found when pauses nest or several builds overlap.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _doc(doc: SearchDoc | None) -> SearchDoc:
    assert doc is not None
    return doc


def _similarity(query: str, key: str, score: float) -> tuple[float, bool]:
    """The key's edit similarity `score` (`_text_scores`), raised to a fixed prefix score when the key starts
    with the query. The flag says whether the key starts with the query (exact included).
    """
    if key == query:
        return 100.0, True
    if key.startswith(query):
        boundary = key[len(query)] == " "
        return max(score, PREFIX_WORD_SCORE if boundary else PREFIX_PART_SCORE), True
    return score, False


def _closest(text: str, keys: list[str], top: int) -> list[str]:
    """The `top` keys of edit similarity closest to `text` (the same measure as `_text_score`), best first."""
    grams = [key if key.isascii() else gram_form(key) for key in keys]
    found = process.extract(
        gram_form(text), grams, scorer=OSA.normalized_similarity, limit=top, score_cutoff=_MIN_SIMILARITY
    )
    return [keys[i] for _, _, i in found]


def _text_scores(query: str, keys: list[str]) -> list[float]:
    """Optimal-string-alignment similarity (0..100) of each key: a swapped pair of letters costs one edit.

    Hangul is compared as jamo (`gram_form`), so one mistyped jamo is one edit in ~3 per syllable. All keys in
    one rapidfuzz call; under MIN_SCORE the answer is 0 (rapidfuzz stops early then: the caller drops them).
    """
    grams = [key if key.isascii() else gram_form(key) for key in keys]
    row = process.cdist(
        [gram_form(query)], grams, scorer=OSA.normalized_similarity, score_cutoff=_MIN_SIMILARITY, dtype=np.float64
    )[0]
    return (row * 100.0).tolist()  # type: ignore[no-any-return]


_MIN_SIMILARITY = MIN_SCORE / 100.0
