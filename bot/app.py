"""Composition root: settings -> database -> catalog (store + index) -> services -> registry."""

from __future__ import annotations

import logging
import random

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
    """Open the configured database, migrated to the latest schema and seeded on first use."""
    db = Database(settings.resolved_database_url())
    await ensure_ready(db, paths=None if settings.starter_catalog else [])
    return db


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


def configure_logging(level: str, settings: Settings | None = None) -> None:
    """Process logging (bot.logs), with every secret in `settings` masked in every line."""
    from bot.logs import configure_logging as configure
    from bot.logs import settings_secrets

    configure(level, settings_secrets(settings) if settings is not None else ())
