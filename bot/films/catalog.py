"""The catalog: the film store plus the in-memory indexes that mirror it, kept in step.

Every add/edit/remove in this process goes through `film_changed`/`film_removed` after its commit; other
processes' changes on the same database are picked up by `refresh_if_changed` (films changed under a catalog
version later than the one the index holds); `compact_if_needed` folds piled-up index edits into a fresh index
off the event loop. Every large build happens in a worker thread and is swapped in at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from bot.films.model import Film
from bot.films.namesakes import originals
from bot.films.search import SearchDoc, SearchIndex, cyclic_gc_paused
from bot.films.snapshot import CatalogStamp, Indexes, IndexSnapshots
from bot.films.words import WordIndex
from bot.i18n import N_
from bot.store.db import Database
from bot.store.films import JOINED_READ, FilmRepository
from bot.store.notify import CatalogListener, wait_any

if TYPE_CHECKING:
    from bot.store.bootstrap import SetupReport

log = logging.getLogger(__name__)

REFRESH_SECONDS = 10.0
STAGE_MIN_FILMS = 1000  # a build of this many films takes a noticeable time: a first run says it is doing it
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


# Up to this many changed films are applied to the live index one by one (~0.1 ms each, so a refresh tick
# holds the loop for a few ms at most); more, and a new index is built in a worker thread and swapped in.
INLINE_REFRESH = 200


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


Edit = tuple[int, SearchDoc | None]  # (film id, its new doc) or (film id, None): removed


class Catalog:
    """The store plus the index that mirrors it; the one place that keeps the two in step."""

    def __init__(
        self,
        db: Database,
        index: SearchIndex | None = None,
        *,
        cache_size: int = FILM_CACHE_SIZE,
        on_index_built: Callable[[], None] | None = None,
        snapshots: IndexSnapshots | None = None,
    ) -> None:
        self.db = db
        # Where this catalog's index is saved between starts (None: always built from the store).
        self.snapshots = snapshots
        # Called after every whole index (re)build: the composition root freezes the collector there.
        self.on_index_built = on_index_built
        self.cache = FilmCache(cache_size)
        self.listener: CatalogListener | None = None  # set by `follow` on PostgreSQL (health reads it)
        self.learned: Mapping[int, float] = {}  # learned popularity, handed to every index built here
        # namesake originals from the catalog's text (`bot.films.namesakes`), read at load, handed likewise
        self.known: Mapping[int, float] = {}
        self.index = index or SearchIndex.build([])
        self.words = WordIndex.build(self.index.all_docs())
        self._version: int | None = None  # the catalog version the index holds every change of
        self._refresh_lock = asyncio.Lock()
        self._edits = 0  # bumped on every index change, so a background compaction knows it is stale
        self._replay: list[Edit] | None = None  # edits made while a new index is built in a thread
        self._genres: tuple[int, list[str]] | None = None  # (the `_edits` they were read at, genre spellings)

    @property
    def version(self) -> int | None:
        return self._version

    async def load(self, report: SetupReport | None = None) -> None:
        """Load the index from its snapshot when one was saved for exactly this catalog state, else build it
        from the store, off the event loop (and save a snapshot for the next start). The version is read
        first: a change committed while the films are read is then read again by the next refresh, never
        missed. `report` hears a build of a large catalog (seconds) as a stage."""
        # The composition root's `on_index_built` hook freezes what was built (long-lived, never rescanned)
        # before the collector resumes.
        with cyclic_gc_paused():
            async with self.db.session() as session:
                stamp = CatalogStamp(*await FilmRepository(session).catalog_stamp())
            snapshots = self.snapshots
            if snapshots is not None:
                async with self._refresh_lock:
                    if await self._swap_in(lambda: snapshots.load(stamp)):
                        self._version = stamp.version
                        log.info("search index ready: %d films (catalog version %s, from its snapshot)",
                                 len(self.index), stamp.version)  # fmt: skip
                        return
            docs: list[SearchDoc] = []
            async with self.db.session() as session:
                repo = FilmRepository(session)
                films = await repo.count()
                shown = report is not None and films >= STAGE_MIN_FILMS
                if report is not None and shown:
                    report.stage(N_("Building the search index of {films} films"), films=films)
                async for page in repo.iter_search_docs():
                    docs.extend(page)
                namesakes = await repo.namesake_rows()
                # saved only when the films read are exactly that state (no commit came in between)
                unchanged = CatalogStamp(*await repo.catalog_stamp()) == stamp
            self.known = await asyncio.to_thread(originals, namesakes)
            async with self._refresh_lock:
                await self._swap_in(lambda: self._build(docs, stamp if unchanged else None))
                self._version = stamp.version
            if report is not None and shown:
                report.done()
        log.info("search index ready: %d films (catalog version %s)", len(self.index), stamp.version)

    def _build(self, docs: list[SearchDoc], stamp: CatalogStamp | None) -> Indexes:
        """Build both indexes (in a worker thread) and save their snapshot for `stamp`, if any (with `known`: a
        one-shot start from it needs no recount)."""
        built = _build_all(docs, self.known)
        if stamp is not None and self.snapshots is not None:
            try:
                self.snapshots.save(stamp, built)
            except Exception:  # the snapshot only saves time: never fail a start for it
                log.exception("could not save the search index snapshot")
        return built

    async def _swap_in(self, make: Callable[[], Indexes | None]) -> bool:
        """Build a new index (and word index) with `make()` in a worker thread, then swap it in at once;
        edits made on the loop meanwhile are replayed onto it, so none is lost. False: `make` had none."""
        self._replay = []
        try:
            built = await asyncio.to_thread(make)
            replay = self._replay
        finally:
            self._replay = None
        if built is None:
            return False
        index, words = built.search, built.words
        self.known = built.known  # a snapshot's, or the one the build was made with
        index.learned, index.known = self.learned, self.known
        for film_id, doc in replay:
            if doc is None:
                index.remove(film_id)
                words.remove(film_id)
            else:
                index.upsert(doc)
                words.upsert(doc)
        self.index, self.words = index, words
        self.cache.clear()  # a rebuilt index may hold changes the cached films predate
        self._edits += 1
        self._built()
        return True

    def _built(self) -> None:
        if self.on_index_built is not None:
            self.on_index_built()

    async def compact_if_needed(self) -> bool:
        """Fold accumulated edits into a fresh index, built in a worker thread and swapped in whole.

        Edits never pause queries (they go to the index's delta); when the delta grows large, this rebuild runs
        off the event loop. If the catalog changed meanwhile the new index would miss that, so it is dropped
        and the next idle tick tries again.
        """
        if not self.index.needs_compaction:
            return False
        edits = self._edits
        with cyclic_gc_paused():
            fresh = await asyncio.to_thread(SearchIndex.build, self.index.all_docs())
        if edits != self._edits:
            return False
        fresh.learned, fresh.known = self.learned, self.known
        self.index = fresh
        self._built()
        log.info("search index compacted: %d films", len(fresh))
        return True

    async def refresh_if_changed(self) -> bool:
        """Apply the changes committed since the catalog version this index holds (by any process).

        Only films changed under a later version are read (a page at a time), so an edit costs a query and a
        few index updates. Many changes (another process's import) are merged into a new index built in a
        worker thread and swapped in, so the event loop is never held for long.
        """
        async with self._refresh_lock:
            if self._version is None:
                return False
            async with self.db.session() as session:
                repo = FilmRepository(session)
                version = await repo.catalog_version()
                if version == self._version:
                    return False
                large = await repo.count_changed_after(self._version) > INLINE_REFRESH
                # Many changes: the collector waits while they are read and built (a full collection over
                # tens of thousands of new objects would hold the loop, or the GIL, for 100-700 ms).
                with cyclic_gc_paused() if large else contextlib.nullcontext():
                    docs: list[SearchDoc] = []
                    async for page in repo.iter_search_docs(changed_after=self._version):
                        docs.extend(page)
                    removed = await repo.removed_after(self._version)
                    if large:
                        current = self.index.all_docs()
                        await self._swap_in(lambda: _build_all(_merged(current, docs, removed), self.known))
            if not large:
                for film_id in removed:
                    self.film_removed(film_id)
                for doc in docs:
                    self._upsert(doc)
            self._version = version
            log.info("catalog version %s: %d films refreshed, %d removed", version, len(docs), len(removed))
            return True

    async def keep_fresh(
        self, stop: asyncio.Event, interval: float = REFRESH_SECONDS, wake: asyncio.Event | None = None
    ) -> None:
        """Until `stop` is set: pick up other processes' catalog changes whenever `wake` is set (a change
        notification) and at least every `interval` seconds (the fallback for a missed one), and compact the
        index when its edits have piled up. A burst of wake-ups while a refresh runs makes one more refresh."""
        wake = wake or asyncio.Event()
        while not stop.is_set():
            await wait_any(stop, wake, interval)
            if stop.is_set():
                return
            wake.clear()
            try:
                await self.refresh_if_changed()
                await self.compact_if_needed()
            except Exception:
                log.exception("catalog refresh failed; will retry")

    async def follow(self, stop: asyncio.Event, interval: float = REFRESH_SECONDS) -> None:
        """Follow every process's catalog changes until `stop` is set: on PostgreSQL a LISTEN connection
        wakes the refresh as each change commits; the version check every `interval` seconds catches a
        missed notification and is the only mechanism on SQLite."""
        wake = asyncio.Event()
        url = self.db.listen_url
        if url is None:
            if self.db.pooled:
                log.warning(
                    "DATABASE_POOLER is set without DATABASE_DIRECT_URL: catalog changes cannot be LISTENed for "
                    "through a transaction pooler, so other processes' changes arrive by the %g s version check",
                    interval,
                )
            await self.keep_fresh(stop, interval, wake)
            return
        listener = self.listener = CatalogListener(url, lambda _payload: wake.set())
        await asyncio.gather(self.keep_fresh(stop, interval, wake), listener.run(stop))

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
        if self._replay is not None:
            self._replay.append((doc.film_id, doc))

    def film_removed(self, film_id: int) -> None:
        self._edits += 1
        self.cache.drop(film_id)
        self.index.remove(film_id)
        self.words.remove(film_id)
        if self._replay is not None:
            self._replay.append((film_id, None))

    async def film(self, film_id: int, include_removed: bool = False) -> Film | None:
        """A film by id (read-only: shared with the cache). Removed films are read from the store."""
        cached = self.cache.get(film_id)
        if cached is not None:
            return cached
        edits = self._edits
        async with self.db.read_one() as session:  # one joined statement: one round trip
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
            opened = self.db.read_one if len(missing) <= JOINED_READ else self.db.session
            async with opened() as session:
                loaded = await FilmRepository(session).get_many(missing)
            if edits == self._edits:
                for film in loaded.values():
                    self.cache.put(film)
            found.update(loaded)
        return found

    async def genres(self) -> list[str]:
        """Every genre spelling in the store, read once per catalog state (any change here, or another
        process's change the refresh brought in, reads it again)."""
        if self._genres is None or self._genres[0] != self._edits:
            edits = self._edits
            async with self.db.read_one() as session:
                names = await FilmRepository(session).all_genres()
            self._genres = (edits, names)
        return self._genres[1]

    def cache_info(self) -> dict[str, int]:
        return {"size": len(self.cache), "hits": self.cache.hits, "misses": self.cache.misses}

    def use_learned(self, learned: Mapping[int, float]) -> None:
        """Order tied matches by this live per-film score (learned popularity), now and after rebuilds."""
        self.learned = learned
        self.index.learned = learned


def _build_all(docs: list[SearchDoc], known: Mapping[int, float]) -> Indexes:
    return Indexes(SearchIndex.build(docs), WordIndex.build(docs), known)


def _merged(current: list[SearchDoc], changed: list[SearchDoc], removed: list[int]) -> list[SearchDoc]:
    """The index's docs with `changed` put in (replacing their older version) and `removed` left out."""
    gone = set(removed)
    by_id = {d.film_id: d for d in current if d.film_id not in gone}
    for doc in changed:
        by_id[doc.film_id] = doc
    return list(by_id.values())
