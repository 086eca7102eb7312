"""`services`: the whole core on a temporary store holding `catalog_films` (the sample catalog unless a module
overrides that fixture), disposed after the test. A module that needs more (a fixed clock) overrides `services`
and asks for this one by the same name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.films.model import Film
from bot.services import Services
from tests.support.catalog import make_services, sample_films


@pytest.fixture
def catalog_films() -> list[Film]:
    return sample_films()


@pytest.fixture
async def services(tmp_path: Path, catalog_films: list[Film]) -> AsyncIterator[Services]:
    svc = await make_services(tmp_path, catalog_films)
    try:
        yield svc
    finally:
        await svc.db.dispose()
