"""The catalog: the film store plus the in-memory indexes that mirror it, kept in step.

Every add/edit/remove in this process goes through `film_changed`/`film_removed` after its commit; other
processes' changes on the same database are picked up by `refresh_if_changed` (catalog version + rows updated
since the last sync); `compact_if_needed` folds piled-up index edits into a fresh index off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from bot.films.model import Film
from bot.films.search import SearchDoc, SearchIndex
from bot.films.words import WordIndex
from bot.store.db import Database
from bot.store.films import FilmRepository

log = logging.getLogger(__name__)

SYNC_MARGIN = timedelta(minutes=2)
REFRESH_SECONDS = 10.0
FILM_CACHE_SIZE = 2048  # films kept built in memory for cards (a few MB); the popular ones stay


class FilmCache:
    """An LRU of built `Film`s by id, so a card is not read back from the database every time.

    The catalog drops a film from it on every add/edit/remove in this process and on every change it
    refreshes from other processes, so it is never staler than the search index. Cached films are shared:
    treat them as read-only (edits make a new Film with `Film.replace`).
    """

    def __init__(self, size: int = FILM_CACHE_SIZE) -> None:
        self.size = size
        self._films: OrderedDict[int, Film] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, film_id: int) -> Film | None:
        film = self._films.get(film_id)
        if film is None:
            self.misses += 1
            return None
        self.hits += 1
        self._films.move_to_end(film_id)
        return film

    def put(self, film: Film) -> None:
        if film.id is None or self.size <= 0:
            return
        self._films[film.id] = film
        self._films.move_to_end(film.id)
        while len(self._films) > self.size:
            self._films.popitem(last=False)

    def drop(self, film_id: int) -> None:
        self._films.pop(film_id, None)

    def clear(self) -> None:
        self._films.clear()

    def __len__(self) -> int:
        return len(self._films)


def doc_for(film: Film) -> SearchDoc:
    assert film.id is not None
    return SearchDoc(
        film_id=film.id,
        title=film.title,
        titles=tuple(film.all_titles()),
        year=film.year,
        votes=film.votes,
        original_title=film.original_title,
        country=film.country,
        aliases=tuple(film.aliases),
    )


class Catalog:
    """The store plus the index that mirrors it; the one place that keeps the two in step."""

    def __init__(self, db: Database, index: SearchIndex | None = None, *, cache_size: int = FILM_CACHE_SIZE) -> None:
        self.db = db
        self.cache = FilmCache(cache_size)
        self.learned: Mapping[int, float] = {}  # learned popularity, handed to every index built here
        self.index = index or SearchIndex.build([])
        self.words = WordIndex.build(self.index.all_docs())
        self._version: int | None = None
        self._synced_at: datetime | None = None
        self._refresh_lock = asyncio.Lock()
        self._edits = 0  # bumped on every index change, so a background compaction knows it is stale

    async def load(self) -> None:
        started = datetime.now(UTC)
        async with self.db.session() as session:
            repo = FilmRepository(session)
            docs = await repo.search_docs()
            version = await repo.catalog_version()
        self.index = await asyncio.to_thread(SearchIndex.build, docs)
        self.index.learned = self.learned
        self.words = await asyncio.to_thread(WordIndex.build, docs)
        self.cache.clear()
        self._version, self._synced_at = version, started
        # The index is long-lived: keep the collector from rescanning its millions of objects on every
        # full collection (pauses of ~200 ms at 152k films otherwise).
        gc.freeze()
        log.info("search index ready: %d films (catalog version %s)", len(self.index), version)

    async def compact_if_needed(self) -> bool:
        """Fold accumulated edits into a fresh index, built in a worker thread and swapped in whole.

        Edits never pause queries (they go to the index's delta); when the delta grows large, this rebuild runs
        off the event loop. If the catalog changed meanwhile the new index would miss that, so it is dropped
        and the next idle tick tries again.
        """
        if not self.index.needs_compaction:
            return False
        edits = self._edits
        fresh = await asyncio.to_thread(SearchIndex.build, self.index.all_docs())
        if edits != self._edits:
            return False
        fresh.learned = self.learned
        self.index = fresh
        gc.freeze()
        log.info("search index compacted: %d films", len(fresh))
        return True

    async def refresh_if_changed(self) -> bool:
        """Apply other processes' changes when the catalog version moved past ours.

        Only films updated since the last sync are read and upserted (or dropped, if removed), so a change
        costs a query and a few index updates, never a rebuild pause. A margin covers clock skew between
        processes; re-applying an unchanged film is harmless.
        """
        async with self._refresh_lock:
            started = datetime.now(UTC)
            async with self.db.session() as session:
                repo = FilmRepository(session)
                version = await repo.catalog_version()
                if version == self._version or self._synced_at is None:
                    return False
                since = self._synced_at - SYNC_MARGIN
                docs = await repo.search_docs(changed_since=since)
                removed = await repo.removed_since(since)
            for film_id in removed:
                self.film_removed(film_id)
            for doc in docs:
                self._upsert(doc)
            self._version, self._synced_at = version, started
            log.info("catalog version %s: %d films refreshed, %d removed", version, len(docs), len(removed))
            return True

    async def keep_fresh(self, stop: asyncio.Event, interval: float = REFRESH_SECONDS) -> None:
        """Until `stop` is set, every `interval` seconds: pick up other processes' catalog changes, and
        compact the index when its edits have piled up."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
            if stop.is_set():
                return
            try:
                await self.refresh_if_changed()
                await self.compact_if_needed()
            except Exception:
                log.exception("catalog refresh failed; will retry")

    def film_changed(self, film: Film) -> None:
        """Call after the change is committed: the next query sees it."""
        if film.removed:
            self.film_removed(film.id or 0)
        else:
            self._upsert(doc_for(film))

    def _upsert(self, doc: SearchDoc) -> None:
        self._edits += 1
        self.cache.drop(doc.film_id)
        self.index.upsert(doc)
        self.words.upsert(doc)

    def film_removed(self, film_id: int) -> None:
        self._edits += 1
        self.cache.drop(film_id)
        self.index.remove(film_id)
        self.words.remove(film_id)

    async def film(self, film_id: int, include_removed: bool = False) -> Film | None:
        """A film by id (read-only: shared with the cache). Removed films are read from the store."""
        cached = self.cache.get(film_id)
        if cached is not None:
            return cached
        edits = self._edits
        async with self.db.session() as session:
            film = await FilmRepository(session).get(film_id, include_removed=include_removed)
        if film is not None and not film.removed and edits == self._edits:  # no edit raced the read
            self.cache.put(film)
        return film

    async def films(self, film_ids: Sequence[int]) -> dict[int, Film]:
        found: dict[int, Film] = {}
        missing: list[int] = []
        for film_id in film_ids:
            cached = self.cache.get(film_id)
            if cached is not None:
                found[film_id] = cached
            else:
                missing.append(film_id)
        if missing:
            edits = self._edits
            async with self.db.session() as session:
                loaded = await FilmRepository(session).get_many(missing)
            if edits == self._edits:
                for film in loaded.values():
                    self.cache.put(film)
            found.update(loaded)
        return found

    def cache_info(self) -> dict[str, int]:
        return {"size": len(self.cache), "hits": self.cache.hits, "misses": self.cache.misses}

    def use_learned(self, learned: Mapping[int, float]) -> None:
        """Order tied matches by this live per-film score (learned popularity), now and after rebuilds."""
        self.learned = learned
        self.index.learned = learned
