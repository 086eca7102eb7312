"""The services container handed to every use-case: every service a field, built once in `bot.app.build_services`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.commands import CommandRegistry
    from bot.config import Settings
    from bot.curation.service import Curation
    from bot.films.catalog import Catalog
    from bot.films.learning import Learning
    from bot.films.service import FilmService
    from bot.i18n.chats import ChatLanguages
    from bot.ops.health import Health
    from bot.polls.announce import SharedScheduler
    from bot.polls.service import MovieNightService
    from bot.sources import Sources
    from bot.store.db import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    db: Database
    catalog: Catalog
    learning: Learning
    films: FilmService
    registry: CommandRegistry
    curation: Curation
    movienights: MovieNightService
    scheduler: SharedScheduler  # the process's one movie-night scheduler (adapters register their platform)
    sources: Sources  # online film sources (TMDB, Wikidata): empty when none is configured
    clock: Callable[[], datetime] = utc_now
    health: Health = field(init=False)  # readiness probes (bot.ops.health), set right after construction

    @property
    def languages(self) -> ChatLanguages:
        """Each group's language (its setting and its platform default), kept with its movie-night settings."""
        return self.movienights.languages
