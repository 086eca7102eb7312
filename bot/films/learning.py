"""Learning popularity while the bot runs: signals land in memory at once and reach the store in batches.

The signal methods update the in-memory `Book` (so the next query already ranks with them) and queue a
delta; `flush()` writes the queued deltas in one transaction every few seconds (`keep_flushing`) and at
shutdown, then reads back the rows written since the last sync, so this process also sees what other
processes learned (an idle tick only reads them: `refresh`; a full read happens at start). A card shown
costs a few dict updates, never a database write. Scores untouched for 8 half-lives are pruned.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from bot.films.normalize import normalize_title
from bot.films.popularity import Book, LearnRules, Signal
from bot.store.db import Database
from bot.store.errors import DatabaseFileGone
from bot.store.popularity import PopularityRepository

log = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0
SYNC_MARGIN = timedelta(minutes=2)  # other processes write signals up to a flush interval old; clocks skew
PRUNE_HALF_LIVES = 8  # a score untouched for 8 half-lives is under 1/256 of what it was: forgotten
MAX_KEY_CHARS = 200


def query_key(query: str) -> str:
    """The normalised form a query is learned under (the search index's own normalisation)."""
    return normalize_title(query)[:MAX_KEY_CHARS]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Learning:
    def __init__(
        self,
        db: Database,
        rules: LearnRules | None = None,
        *,
        clock: Callable[[], datetime] = _utc_now,
        flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        self.db = db
        self.clock = clock
        self.flush_seconds = flush_seconds
        self.book = Book(rules or LearnRules(), epoch=clock())
        self._lock = asyncio.Lock()
        self._synced_at: datetime | None = None

    @property
    def rank(self) -> Mapping[int, float]:
        """The per-film float the search index orders ties by (after votes); updated in place."""
        return self.book.rank

    async def load(self) -> None:
        started = self.clock()
        async with self.db.session() as session:
            repo = PopularityRepository(session)
            films, pairs = await repo.film_scores(), await repo.choice_scores()
        self.book.replace_all(films, pairs)
        self._synced_at = started
        log.info("learned popularity: %d films, %d query choices", len(films), len(pairs))

    # --- signals ---------------------------------------------------------------------------------

    def card_shown(self, film_id: int) -> None:
        self._record("card", film_id)

    def chosen(self, query: str, film_id: int) -> None:
        """A picker for `query` was answered with this film."""
        self._record("choice", film_id, query)

    def nominated(self, film_id: int) -> None:
        self._record("nomination", film_id)

    def reported(self, film_id: int, query: str | None) -> None:
        """A "Wrong film?" report: the film, and the query that led to it, are demoted."""
        self._record("report", film_id, query)

    def _record(self, signal: Signal, film_id: int, query: str | None = None) -> None:
        key = query_key(query) if query else None
        self.book.record(signal, film_id, self.clock(), key or None)

    def lifted(self, query: str) -> int | None:
        """The film this query has been answered with often and consistently enough, if any."""
        key = query_key(query)
        return self.book.lifted(key, self.clock()) if key else None

    # --- the store -------------------------------------------------------------------------------

    async def flush(self) -> bool:
        """Write what was learned since the last flush; then take in what other processes wrote."""
        async with self._lock:
            pending = self.book.take_pending()
            if not pending:
                return False
            half_life = self.book.rules.half_life
            started = self.clock()
            since = (self._synced_at or started) - SYNC_MARGIN
            try:
                # A write unit of work (SQLite: BEGIN IMMEDIATE): the read-merge-write below must not be
                # upgraded from a read lock while another process writes (that fails as "database is locked").
                async with self.db.write() as session:
                    repo = PopularityRepository(session)
                    await repo.add(pending, half_life)
                    await repo.prune(started - PRUNE_HALF_LIVES * half_life)
                async with self.db.session() as session:
                    repo = PopularityRepository(session)
                    films, pairs = await repo.film_scores(since), await repo.choice_scores(since)
            except Exception:
                self.book.restore_pending(pending)
                raise
            self.book.update_from_store(films, pairs)  # ours and other processes' recent writes
            self._synced_at = started
            return True

    async def refresh(self) -> None:
        """Take in what other processes wrote since the last sync (when this one has nothing to write)."""
        async with self._lock:
            started = self.clock()
            since = (self._synced_at or started) - SYNC_MARGIN
            async with self.db.session() as session:
                repo = PopularityRepository(session)
                films, pairs = await repo.film_scores(since), await repo.choice_scores(since)
            self.book.update_from_store(films, pairs)
            self._synced_at = started

    async def keep_flushing(self, stop: asyncio.Event) -> None:
        """Until `stop` is set, every few seconds: write what was learned, or read what others learned;
        once more on the way out."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.flush_seconds)
            try:
                if not await self.flush() and not stop.is_set():
                    await self.refresh()
            except DatabaseFileGone as gone:  # the database watcher stops the process and says why
                log.warning("writing learned popularity failed: %s", gone)
            except Exception:
                log.exception("writing learned popularity failed; will retry")
