"""Composition root: settings -> database -> catalog (store + index) -> services -> registry."""

from __future__ import annotations

import asyncio
import logging
import random
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.curation.service import install as install_curation
from bot.films.catalog import Catalog
from bot.films.service import FilmService
from bot.polls import install as install_movienight
from bot.registry import build_registry
from bot.services import Services
from bot.store.bootstrap import ensure_ready
from bot.store.db import Database

log = logging.getLogger(__name__)


async def open_database(settings: Settings) -> Database:
    """Open the configured database, migrated to the latest schema and seeded on first use.

    The migration and the first run's starter import (tens of thousands of films) run in a worker thread on
    their own event loop and connection, so this process's loop is never held by them. An in-memory SQLite
    database exists only on its own connection, so it is prepared here."""
    url = settings.resolved_database_url()
    paths: list[Path] | None = None if settings.starter_catalog else []
    if _in_memory(url):
        db = Database(url)
        await ensure_ready(db, paths=paths)
        return db
    await asyncio.to_thread(asyncio.run, _prepare(url, paths))
    return Database(url)


async def _prepare(url: str, paths: list[Path] | None) -> None:
    db = Database(url)
    try:
        await ensure_ready(db, paths=paths)
    finally:
        await db.dispose()


def _in_memory(url: str) -> bool:
    u = make_url(url)
    return u.get_backend_name() == "sqlite" and (u.database or ":memory:") in ("", ":memory:")


async def build_services(settings: Settings, *, db: Database | None = None, seed: int | None = None) -> Services:
    db = db or await open_database(settings)
    catalog = Catalog(db)
    await catalog.load()
    services = Services(
        settings=settings,
        db=db,
        catalog=catalog,
        films=FilmService(catalog, rng=random.Random(seed)),
        registry=build_registry(),
    )
    install_movienight(services)
    await install_curation(services)
    return services


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Library chatter at INFO drowns our own records.
    for noisy in ("httpx", "aiosqlite", "discord.gateway", "telegram.ext"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
