"""Composition root: settings -> database -> catalog (store + index) -> services -> registry."""

from __future__ import annotations

import asyncio
import gc
import logging
import random
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.curation.search_hooks import AliasPins, MissLog
from bot.curation.service import Curation
from bot.films.catalog import Catalog
from bot.films.learning import Learning
from bot.films.popularity import LearnRules
from bot.films.service import FilmService
from bot.films.snapshot import IndexSnapshots, default_directory
from bot.i18n.formats import warm_up_in_background
from bot.ops.health import Health
from bot.polls.announce import SharedScheduler
from bot.polls.service import MovieNightService
from bot.ratelimit import RateLimiter
from bot.registry import build_registry
from bot.services import Services
from bot.sources import Sources
from bot.store.bootstrap import SetupReport, ensure_ready
from bot.store.db import Database
from bot.store.errors import DatabaseFileGone

log = logging.getLogger(__name__)


def make_database(settings: Settings) -> Database:
    """The configured database handle (no I/O yet)."""
    return Database(
        settings.resolved_database_url(), pooled=settings.database_pooler, direct_url=settings.database_direct_url
    )


async def open_database(settings: Settings, report: SetupReport | None = None) -> Database:
    """Open the configured database, migrated to the latest schema and seeded on first use.

    The migration and the first run's starter import (tens of thousands of films) run in a worker thread on
    their own event loop and connection, so this process's loop is never held by them. An in-memory SQLite
    database exists only on its own connection, so it is prepared here. `report` hears a first run's stages."""
    paths: list[Path] | None = (settings.starter_catalog_files or None) if settings.starter_catalog else []
    if _in_memory(settings.resolved_database_url()):
        db = make_database(settings)
        await ensure_ready(db, paths=paths, report=report)
        return db
    await asyncio.to_thread(asyncio.run, _prepare(settings, paths, report))
    return make_database(settings)


async def _prepare(settings: Settings, paths: list[Path] | None, report: SetupReport | None) -> None:
    db = make_database(settings)
    try:
        await ensure_ready(db, paths=paths, report=report)
    finally:
        await db.dispose()


def _in_memory(url: str) -> bool:
    u = make_url(url)
    return u.get_backend_name() == "sqlite" and (u.database or ":memory:") in ("", ":memory:")


def rate_limiter(settings: Settings) -> RateLimiter:
    limits = settings.rate_limit
    return RateLimiter(limits.burst, limits.per_second, max_users=limits.max_users)


async def build_services(
    settings: Settings, *, db: Database | None = None, seed: int | None = None, report: SetupReport | None = None
) -> Services:
    """Every service, built once and wired here (the only place that knows them all)."""
    db = db or await open_database(settings, report)

    def now() -> datetime:  # services.clock, read at each call: tests (and time travel) replace it
        return services.clock()

    catalog = Catalog(
        db,
        cache_size=settings.film_cache_size,
        on_index_built=freeze_long_lived,
        snapshots=index_snapshots(settings, db),
    )
    await catalog.load(report)
    learning = build_learning(settings, db)
    await learning.load()
    catalog.use_learned(learning.rank)
    pins = AliasPins(lambda: catalog.index)
    misses = MissLog(db, now)
    films = FilmService(catalog, rng=random.Random(seed), learning=learning, pinned=pins.match, on_miss=misses.record)
    registry = build_registry(settings.catalog_editors, rate_limiter(settings))
    # None without keys: the bot works offline. Building an HTTP client loads the CA certificates (~70-100 ms
    # of CPU): off the event loop.
    sources = await asyncio.to_thread(Sources.from_settings, settings)
    curation = Curation(
        settings=settings,
        db=db,
        catalog=catalog,
        films=films,
        registry=registry,
        clock=now,
        pins=pins,
        misses=misses,
        sources=sources,
    )
    await curation.start()
    movienights = MovieNightService(db, films, settings.movienight, now)
    services = Services(
        settings=settings,
        db=db,
        catalog=catalog,
        learning=learning,
        films=films,
        registry=registry,
        curation=curation,
        movienights=movienights,
        scheduler=SharedScheduler(movienights),
        sources=sources,
    )
    services.health = Health(services)
    warm_up_in_background()  # Babel for Korean/Japanese cards, off the event loop
    return services


def index_snapshots(settings: Settings, db: Database) -> IndexSnapshots | None:
    """Where the search index of this database is kept between starts (bot.films.snapshot); None when
    INDEX_SNAPSHOT is off or the database lives only in this process's memory."""
    if not settings.index_snapshot or db.in_memory:
        return None
    from bot.store.errors import safe_url

    name = safe_url(db.url) + (f"#{db.schema}" if db.schema else "")
    return IndexSnapshots(default_directory(), name, sqlite_file=db.file)


def freeze_long_lived() -> None:
    """After a search index is built: it is long-lived, so keep the collector from rescanning its millions of
    objects on every full collection (pauses of ~200 ms at 152k films otherwise). Process-wide, hence here."""
    gc.freeze()


def build_learning(settings: Settings, db: Database) -> Learning:
    pop = settings.popularity
    rules = LearnRules(half_life=timedelta(days=pop.half_life_days), lift_choices=pop.lift_choices,
                       lift_share=pop.lift_share)  # fmt: skip
    return Learning(db, rules, flush_seconds=pop.flush_seconds)


async def close_services(services: Services) -> None:
    """The way out: close the sources' HTTP clients, write what is still only in memory (search misses,
    learned popularity), then close the database."""
    try:
        try:
            await services.sources.close()
        except Exception:
            log.exception("could not close the film sources' connections")
        try:
            await services.curation.close()
        except Exception:
            log.exception("could not write pending search misses at shutdown")
        try:
            await services.learning.flush()
        except DatabaseFileGone as gone:  # already reported as the reason the process stops
            log.warning("could not write the last learned popularity: %s", gone)
        except Exception:
            log.exception("could not write the last learned popularity")
    finally:
        await services.db.dispose()


def configure_logging(level: str, settings: Settings | None = None) -> None:
    """Process logging (bot.logs), with every secret in `settings` masked in every line; JSON lines when
    LOG_FORMAT=json (bot.ops.jsonlog)."""
    from bot.logs import configure_logging as configure
    from bot.logs import settings_secrets, url_password

    secrets = settings_secrets(settings) if settings is not None else []
    if settings is not None and settings.database_direct_url:
        secrets += url_password(settings.database_direct_url)
    redactor = configure(level, secrets)
    if settings is not None and settings.log_format == "json":
        from bot.ops.jsonlog import JsonFormatter

        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter(redactor))
