"""Composition root: settings -> database -> catalog (store + index) -> services -> registry."""

from __future__ import annotations

import logging
import random

from bot.config import Settings
from bot.curation.service import install as install_curation
from bot.films.catalog import Catalog
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
    """Open the configured database, migrated to the latest schema and seeded on first use."""
    db = make_database(settings)
    paths = (settings.starter_catalog_files or None) if settings.starter_catalog else []
    await ensure_ready(db, paths=paths)
    return db


def rate_limiter(settings: Settings) -> RateLimiter:
    limits = settings.rate_limit
    return RateLimiter(limits.burst, limits.per_second, max_users=limits.max_users)


async def build_services(settings: Settings, *, db: Database | None = None, seed: int | None = None) -> Services:
    db = db or await open_database(settings)
    catalog = Catalog(db)
    await catalog.load()
    services = Services(
        settings=settings,
        db=db,
        catalog=catalog,
        films=FilmService(catalog, rng=random.Random(seed)),
        registry=build_registry(settings.catalog_editors, rate_limiter(settings)),
    )
    install_movienight(services)
    await install_curation(services)
    return services


async def close_services(services: Services) -> None:
    """The way out: write what is still held in memory (search misses), then close the database."""
    curation = services.extras.get("curation")
    if curation is not None:
        try:
            await curation.close()
        except Exception:
            log.exception("could not write pending search misses at shutdown")
    await services.db.dispose()


def configure_logging(level: str, log_format: str = "text") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if log_format == "json":  # LOG_FORMAT=json: one JSON object per line (bot.ops.jsonlog)
        from bot.ops.jsonlog import JsonFormatter

        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    # Library chatter at INFO drowns our own records.
    for noisy in ("httpx", "aiosqlite", "discord.gateway", "telegram.ext"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
