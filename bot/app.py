"""Composition root: settings -> database -> catalog (store + index) -> services -> registry."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from bot.config import Settings
from bot.curation.service import install as install_curation
from bot.films.catalog import Catalog
from bot.films.learning import Learning
from bot.films.popularity import LearnRules
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
    learning = build_learning(settings, db)
    await learning.load()
    catalog.use_learned(learning.rank)
    services = Services(
        settings=settings,
        db=db,
        catalog=catalog,
        films=FilmService(catalog, rng=random.Random(seed), learning=learning),
        registry=build_registry(),
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
    """Write what is still only in memory, then close the database."""
    learning = services.films.learning
    try:
        if learning is not None:
            await learning.flush()
    except Exception:
        log.exception("could not write the last learned popularity")
    finally:
        await services.db.dispose()


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Library chatter at INFO drowns our own records.
    for noisy in ("httpx", "aiosqlite", "discord.gateway", "telegram.ext"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
