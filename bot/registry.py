"""Assemble the command registry from every feature area's specs."""

from __future__ import annotations

from bot.commands import CatalogEditors, CommandRegistry, CommandSpec
from bot.ratelimit import RateLimiter


def all_specs() -> list[CommandSpec]:
    from bot.curation.commands import SPECS as curation_specs
    from bot.films.commands import SPECS as film_specs
    from bot.i18n.group import SPECS as settings_specs
    from bot.polls.commands import SPECS as movienight_specs
    from bot.sources.commands import SPECS as source_specs

    specs: list[CommandSpec] = [*film_specs, *movienight_specs, *curation_specs, *source_specs, *settings_specs]
    return specs


def build_registry(
    catalog_editors: CatalogEditors = "owners", rate_limiter: RateLimiter | None = None
) -> CommandRegistry:
    return CommandRegistry(all_specs(), catalog_editors=catalog_editors, rate_limiter=rate_limiter)
