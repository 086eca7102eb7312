"""What curation adds to search: alias pins (an admin's alias is *the* answer to that query) and misses.

The search index scores every title alike, so an alias equal to another film's title would tie with it.
`AliasPins` settles that: FilmService asks it first, and a pinned film is the one clear match. The map is
loaded at start-up and kept in step by the alias commands; each answer is checked against the live index,
so a removed film or an alias dropped by another process never pins (a new alias made by another process
pins after that process's restart of this one, or the next `load`).

`MissLog` records queries that found nothing good (normalised, counted, last seen) in a bounded table, so
admins can see what people look for and the catalog lacks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.curation.models import QUERY_KEY_CHARS
from bot.curation.store import CurationRepository
from bot.films.normalize import normalize_title
from bot.films.search import SearchIndex
from bot.store.db import Database
from bot.store.mapping import films_t, titles_t

log = logging.getLogger(__name__)

MISS_KEEP = 500  # rows kept in search_misses: the most frequent ones
MISS_MAX_AGE = timedelta(days=90)
PRUNE_EVERY = 100  # misses recorded between two prunes (pruning is a couple of DELETEs)


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

    def __len__(self) -> int:
        return len(self._pins)


class MissLog:
    """Counts misses in the database; never lets a failure reach the user who searched."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        self._since_prune = 0

    async def record(self, query: str) -> None:
        key = query_key(query)
        if not key:
            return
        try:
            now = self.clock()
            async with self.db.session() as session, session.begin():
                repo = CurationRepository(session)
                await repo.record_miss(key, query, now)
                self._since_prune += 1
                if self._since_prune >= PRUNE_EVERY:
                    self._since_prune = 0
                    await repo.prune_misses(keep=MISS_KEEP, before=now - MISS_MAX_AGE)
        except Exception:
            log.exception("could not record a search miss for %r", query[:80])
