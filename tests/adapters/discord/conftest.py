"""Fixtures: a real Services on a temp SQLite catalog, an offline Discord, the real client built by the adapter.

Every request the bot makes is checked against Discord's OpenAPI spec when ../shared is present (otherwise
the tests still run, without that referee); any violation fails the test that caused it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.films.model import Film
from bot.services import Services
from tests.fakes.discord.harness import FakeDiscord
from tests.specs.discord_spec import SPEC_PATH, DiscordSpec
from tests.support.catalog import make_services, sample_films

# Beside the sample catalog: two films sharing a title (a picker) and enough look-alikes to page a search.
EXTRA_FILMS = [
    Film(title="Solaris", year=1972, country="Soviet Union", original_title="Солярис", genres=["Drama"]),
    Film(title="Solaris", year=2002, country="United States", genres=["Drama"]),
    *(Film(title=f"Star Story {n}", year=1990 + n, genres=["Adventure"]) for n in range(1, 24)),
]


def spec_validator() -> Any:
    if not SPEC_PATH.exists():
        return None
    spec = DiscordSpec.load()
    return lambda method, path, body, query: spec.check(method, path, body, query)


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    built = await make_services(tmp_path, [*sample_films(), *EXTRA_FILMS])
    try:
        yield built
    finally:
        await built.db.dispose()


@pytest.fixture
def fake() -> Any:
    discord_fake = FakeDiscord(validator=spec_validator())
    with discord_fake.installed():
        yield discord_fake
    assert discord_fake.violations == [], "requests Discord would reject:\n" + "\n".join(discord_fake.violations)


@pytest.fixture
async def bot(fake: FakeDiscord, services: Services) -> AsyncIterator[Any]:
    async with fake.running(services) as client:
        yield client
