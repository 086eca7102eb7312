"""Composition root: settings -> database -> catalog (store + index) -> services -> registry."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.curation.service import install as install_curation
from bot.films.catalog import Catalog
from bot.films.learning import Learning
from bot.films.popularity import LearnRules
from bot.films.service import FilmService
from bot.polls import install as install_movienight
from bot.ratelimit import RateLimiter
from bot.registry import build_registry
from bot.services import Services
from bot.store.bootstrap import ensure_ready
from bot.store.db import Database

log = logging.getLogger(__name__)


def make_database(settings: Settings) -> Database:
    """The configured database handle (no I/O yet)."""
    return Database(
        settings.resolved_database_url(), pooled=settings.database_pooler, direct_url=settings.database_direct_url
    )


async def open_database(settings: Settings) -> Database:
    """Open the configured database, migrated to the latest schema and seeded on first use.

    The migration and the first run's starter import (tens of thousands of films) run in a worker thread on
    their own event loop and connection, so this process's loop is never held by them. An in-memory SQLite
    database exists only on its own connection, so it is prepared here."""
    paths: list[Path] | None = (settings.starter_catalog_files or None) if settings.starter_catalog else []
    if _in_memory(settings.resolved_database_url()):
        db = make_database(settings)
        await ensure_ready(db, paths=paths)
        return db
    await asyncio.to_thread(asyncio.run, _prepare(settings, paths))
    return make_database(settings)


async def _prepare(settings: Settings, paths: list[Path] | None) -> None:
    db = make_database(settings)
    try:
        await ensure_ready(db, paths=paths)
    finally:
        await db.dispose()


def _in_memory(url: str) -> bool:
    u = make_url(url)
    return u.get_backend_name() == "sqlite" and (u.database or ":memory:") in ("", ":memory:")


def rate_limiter(settings: Settings) -> RateLimiter:
    limits = settings.rate_limit
    return RateLimiter(limits.burst, limits.per_second, max_users=limits.max_users)


async def build_services(settings: Settings, *, db: Database | None = None, seed: int | None = None) -> Services:
    db = db or await open_database(settings)
    catalog = Catalog(db)
    await catalog.load()
    learning = build_learning(settings, db)
    await learning.load()
    catalog.use_learned(learning.rank)
    services = Services(
        settings=settings,
        db=db,
        catalog=catalog,
        films=FilmService(catalog, rng=random.Random(seed), learning=learning),
        registry=build_registry(settings.catalog_editors, rate_limiter(settings)),
    )
    install_movienight(services)
    await install_curation(services)
    return services


def build_learning(settings: Settings, db: Database) -> Learning:
    pop = settings.popularity
    rules = LearnRules(half_life=timedelta(days=pop.half_life_days), lift_choices=pop.lift_choices,
                       lift_share=pop.lift_share)  # fmt: skip
    return Learning(db, rules, flush_seconds=pop.flush_seconds)


async def close_services(services: Services) -> None:
    """The way out: write what is still only in memory (search misses, learned popularity), then close the
    database."""
    try:
        curation = services.extras.get("curation")
        if curation is not None:
            try:
                await curation.close()
            except Exception:
                log.exception("could not write pending search misses at shutdown")
        learning = services.films.learning
        if learning is not None:
            try:
                await learning.flush()
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
