"""Movie nights (placeholder docstring; the adapter contract is written below once the API settles)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.polls.service import MovieNightService
    from bot.services import Services

EXTRAS_KEY = "movienight"


def install(services: Services) -> MovieNightService:
    """Build the service on `services` and hang it at ``services.extras["movienight"]``."""
    from bot.polls.service import MovieNightService

    service = MovieNightService(services.db, services.films, services.settings.movienight, lambda: services.clock())
    services.extras[EXTRAS_KEY] = service
    return service


def movienight_service(services: Services) -> MovieNightService:
    """The wired service (adapters: use this rather than reaching into `extras`)."""
    from bot.polls.service import MovieNightService

    service = services.extras[EXTRAS_KEY]
    assert isinstance(service, MovieNightService)
    return service
