"""What curation adds to search: alias pins (an admin's alias is *the* answer to that query) and misses.

The search index scores every title alike, so an alias equal to another film's title would tie with it.
`AliasPins` settles that: FilmService asks it first, and a pinned film is the one clear match. The map is
loaded at start-up and kept in step by the alias commands; each answer is checked against the live index,
so a removed film or an alias dropped by another process never pins (a new alias made by another process
pins after that process's restart of this one, or the next `load`).

`MissLog` records queries that found nothing good (normalised, counted, last seen, per chat) in a bounded
table, so admins can see what people look for and the catalog lacks. A miss costs no database write: misses
are counted in memory and written in one transaction a few seconds later (and before anyone reads them, and
at shutdown), so a flood of failing searches is a handful of upserts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.curation.models import QUERY_KEY_CHARS
from bot.curation.store import CurationRepository, MissCount, Origin
from bot.films.normalize import normalize_title
from bot.films.search import Match, SearchIndex
from bot.store.db import Database
from bot.store.mapping import films_t, titles_t

log = logging.getLogger(__name__)

MISS_KEEP = 5000  # rows kept in search_misses (one per chat and query): the most frequent ones
MISS_MAX_AGE = timedelta(days=90)
FLUSH_SECONDS = 5.0  # misses wait this long in memory, then go to the database in one transaction
MAX_PENDING = 2000  # distinct (chat, query) pairs held in memory; more triggers a flush right away
NO_ORIGIN: Origin = ("", "")


def query_key(text: str) -> str:
    return normalize_title(text)[:QUERY_KEY_CHARS]


class AliasPins:
    """Normalised alias -> film id. Call it with a query to get the pinned film id, if any."""

    def __init__(self, index: Callable[[], SearchIndex]) -> None:
        self._index = index
        self._pins: dict[str, int] = {}

    async def load(self, db: Database) -> None:
        f, t = films_t.c, titles_t.c
        async with db.session() as session:
            rows = await session.execute(
                select(t.film_id, t.title)
                .join(films_t, f.id == t.film_id)
                .where(t.kind == "alias", f.removed.is_(False))
                .order_by(t.film_id, t.position)
            )
            pins: dict[str, int] = {}
            for film_id, title in rows:
                key = query_key(title)
                if key:
                    pins.setdefault(key, film_id)
        self._pins = pins

    def owner(self, alias: str) -> int | None:
        """The film an alias already pins (without checking the index): refuse a second owner."""
        return self._pins.get(query_key(alias))

    def pin(self, alias: str, film_id: int) -> None:
        key = query_key(alias)
        if key:
            self._pins[key] = film_id

    def unpin(self, alias: str, film_id: int) -> None:
        key = query_key(alias)
        if self._pins.get(key) == film_id:
            del self._pins[key]

    def __call__(self, query: str) -> int | None:
        key = query_key(query)
        film_id = self._pins.get(key) if key else None
        if film_id is None:
            return None
        doc = self._index().get(film_id)
        if doc is None or not any(query_key(t) == key for t in doc.all_titles()):
            return None
        return film_id

    def match(self, query: str) -> Match | None:
        """The pinned film as a clear match (FilmService's `pinned` hook), naming the title that matched."""
        film_id = self(query)
        doc = self._index().get(film_id) if film_id is not None else None
        if doc is None:
            return None
        key = query_key(query)
        title = next((t for t in doc.all_titles() if query_key(t) == key), doc.title)
        return Match(doc=doc, score=100.0, matched_title=title)

    def __len__(self) -> int:
        return len(self._pins)


@dataclass(slots=True)
class _Pending:
    query: str
    count: int
    first_seen: datetime
    last_seen: datetime


class MissLog:
    """Counts misses in memory and writes them in batches; never lets a failure reach the user who searched.

    Memory is bounded: at most `max_pending` distinct (chat, query) pairs wait; one more starts a flush now,
    and while a flush runs, further new pairs are dropped (counted in the log line) rather than held.
    """

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        *,
        flush_after: float = FLUSH_SECONDS,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self.db = db
        self.clock = clock
        self.flush_after = flush_after
        self.max_pending = max_pending
        self._pending: dict[tuple[Origin, str], _Pending] = {}
        self._timer: asyncio.Task[None] | None = None
        self._flushing: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()
        self.dropped = 0
        self.flushes = 0

    @property
    def pending(self) -> int:
        return sum(p.count for p in self._pending.values())

    async def record(self, query: str, origin: Origin | None = None) -> None:
        """Count one miss (the FilmService hook). No I/O here."""
        key = query_key(query)
        if not key:
            return
        where = origin or NO_ORIGIN
        now = self.clock()
        item = self._pending.get((where, key))
        if item is not None:
            item.count += 1
            item.last_seen = now
            item.query = query
        elif len(self._pending) >= self.max_pending:
            self.dropped += 1
        else:
            self._pending[(where, key)] = _Pending(query, 1, now, now)
        if len(self._pending) >= self.max_pending:
            self._schedule(0.0)
        else:
            self._schedule(self.flush_after)

    def _schedule(self, delay: float) -> None:
        if self._timer is not None and not self._timer.done():
            if delay > 0:
                return
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().create_task(self._flush_later(delay), name="flush search misses")

    async def _flush_later(self, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            return  # a sooner flush replaced this one, or the process is stopping (close() flushes)
        task = asyncio.current_task()
        if self._timer is task:  # from here on it is a flush, never cancelled half-way
            self._timer = None
            if task is not None:
                self._flushing.add(task)
                task.add_done_callback(self._flushing.discard)
        await self.flush()

    async def flush(self) -> int:
        """Write what is pending in one transaction; returns how many misses were written."""
        async with self._lock:
            batch, self._pending = self._pending, {}
            if not batch:
                return 0
            counts = [
                MissCount(where, key, p.query, p.count, p.first_seen, p.last_seen) for (where, key), p in batch.items()
            ]
            total = sum(c.count for c in counts)
            try:
                async with self.db.session() as session, session.begin():
                    repo = CurationRepository(session)
                    await repo.record_misses(counts)
                    self.flushes += 1
                    if self.flushes % 20 == 1:
                        await repo.prune_misses(keep=MISS_KEEP, before=self.clock() - MISS_MAX_AGE)
            except Exception:
                log.exception("could not record %d search misses (%d queries)", total, len(counts))
                return 0
            if self.dropped:
                log.warning(
                    "search misses: %d not counted (more than %d distinct queries waiting)",
                    self.dropped,
                    self.max_pending,
                )
                self.dropped = 0
            log.debug("recorded %d search misses (%d queries)", total, len(counts))
            return total

    async def close(self) -> None:
        """At shutdown: stop the timer and write what is pending."""
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        await self.flush()
