"""Enrichment in `filmbot run`'s background (SOURCES__ENRICH_IN_BACKGROUND=true): `filmbot enrich`, slowly, forever.

Films missing any enrichable field are taken in id order, a small batch at a time, from the first
configured source (TMDB, else Wikidata), at SOURCES__BACKGROUND_PER_SECOND requests per second on clients
of its own (so the bots' look-ups under a miss never wait behind it). After the last film it pauses
SOURCES__BACKGROUND_PASS_HOURS and starts over (films the source did not know get another chance). Each
film is matched and filled as `filmbot enrich` does (`enrich_film`): never a guess, never a field an admin
edited, an audit row per change; the other processes' search indexes follow through the catalog version.

One process per database does it: the holder of the database-wide "filmbot.enrich" lock (a PostgreSQL
advisory lock, a lock file beside a SQLite database); the others try again now and then. Shutdown sets
`stop`: the work is cancelled at once (a film being written is rolled back with its transaction).
A failure is logged and ends only the enrichment, never the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy import select

from bot.commands import Actor
from bot.config import Settings
from bot.sources import Sources
from bot.sources.base import HttpSource, SourceRefused
from bot.sources.enrich import FIELDS, EnrichSummary, Matcher, enrich_film, missing_fields
from bot.store.db import Database
from bot.store.films import FilmRepository
from bot.store.locks import try_lock
from bot.store.mapping import films_t

log = logging.getLogger(__name__)

LOCK_NAME = "filmbot.enrich"
BATCH = 50  # films read from the store at a time
LOCK_RETRY_SECONDS = 600.0  # how often a process without the lock tries again
BACKGROUND_ACTOR = Actor("system", "enrich", "background", is_owner=True, display_name="background enrichment")


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def _until_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> None:
    """Run `work` until it ends or `stop` is set; then cancel it (it may be waiting out a rate limit for
    minutes: shutdown does not wait for that). A film being written is rolled back with its transaction."""
    task = asyncio.create_task(work, name="background-enrichment")
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        if not task.done():
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def enrich_in_background(
    settings: Settings,
    db: Database,
    stop: asyncio.Event,
    *,
    sources_of: Callable[[Settings], Sources] = Sources.from_settings,
    lock_retry: float = LOCK_RETRY_SECONDS,
) -> None:
    """Run until `stop` is set; returns (never raises) when there is nothing to do or something failed."""
    try:
        sources = await asyncio.to_thread(sources_of, settings)  # TLS contexts take tens of ms: off the loop
    except Exception:
        log.exception("background enrichment could not start")
        return
    client: HttpSource | None = sources.tmdb or sources.wikidata
    try:
        if client is None:
            log.warning("background enrichment is on but no source is configured (TMDB__… or WIKIDATA__CONTACT)")
            return
        client.pace = 1.0 / settings.sources.background_per_second
        waiting_said = False
        while not stop.is_set():
            async with try_lock(db, LOCK_NAME) as held:
                if held:
                    log.info("background enrichment from %s started", client.name)
                    await _until_stopped(_passes(settings, db, client, stop), stop)
                    return
            if not waiting_said:
                log.info("background enrichment: another process does it; trying again every %.0f s", lock_retry)
                waiting_said = True
            await _pause(stop, lock_retry)
    except SourceRefused as exc:
        log.error("background enrichment stopped: %s", exc)
    except Exception:
        log.exception("background enrichment stopped")
    finally:
        await sources.close()


async def _passes(settings: Settings, db: Database, client: HttpSource, stop: asyncio.Event) -> None:
    wanted = list(FIELDS)
    matcher = Matcher(client)
    while not stop.is_set():
        summary = EnrichSummary(client.name)
        after = 0
        while not stop.is_set():
            ids, after = await _next_missing(db, wanted, after)
            if after == 0:
                break
            for film_id in ids:
                if stop.is_set():
                    return
                await enrich_film(db, matcher, BACKGROUND_ACTOR, film_id, wanted, summary)
        if stop.is_set():
            return
        log.info("background enrichment pass done: %s", summary.text())
        await _pause(stop, settings.sources.background_pass_hours * 3600)


async def _next_missing(db: Database, wanted: list[str], after: int) -> tuple[list[int], int]:
    """The ids of the next BATCH films after id `after` that miss a wanted field, and the last id read
    (0 at the end of the catalog)."""
    f = films_t.c
    async with db.session() as session:
        ids = list(
            await session.scalars(select(f.id).where(f.id > after, f.removed.is_(False)).order_by(f.id).limit(BATCH))
        )
        if not ids:
            return [], 0
        films = await FilmRepository(session).get_many(ids)
    missing = [i for i in ids if i in films and missing_fields(films[i], wanted)]
    return missing, ids[-1]
