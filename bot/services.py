"""The services container handed to every use-case: built once in the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.films.catalog import Catalog
from bot.films.service import FilmService
from bot.store.db import Database

if TYPE_CHECKING:
    from bot.commands import CommandRegistry


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    db: Database
    catalog: Catalog
    films: FilmService
    registry: CommandRegistry
    clock: Callable[[], datetime] = utc_now
    # Feature areas hang their services here (movie nights, curation) without the core knowing them.
    extras: dict[str, Any] = field(default_factory=dict)
