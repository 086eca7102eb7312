"""Migration 0013 fills `films.familiarity` for films stored before it, by the rule new rows are written with."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.films.familiarity import record_familiarity
from bot.films.model import Credit, Film
from bot.store.db import Database
from bot.store.films import FilmRepository
from tests.dbutil import postgres_database, postgres_skip_reason, sqlite_database
from tests.support.testdb import backend_params

NOW = datetime(2026, 11, 30, tzinfo=UTC)
CAST = ("Yoo Ah-in", "Steven Yeun", "Jun Jong-seo", "Kim Soo-kyung")
FILMS = {  # title: (votes, synopsis, cast size) -> level
    "Parasite": (950_000, None, 0),
    "Burning": (None, "A delivery boy meets a childhood friend.", 4),
    "Silent Short": (None, "A train arrives.", 3),  # the silent-era records list 3
    "Bare Title": (None, "", 4),
    "Actuality": (None, None, 0),
}
LEVELS = {"Parasite": 2, "Burning": 1, "Silent Short": 0, "Bare Title": 0, "Actuality": 0}


@pytest.fixture(params=backend_params())
async def old_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        async with sqlite_database(tmp_path / "old.sqlite3", migrate=False) as database:
            yield database
    else:
        reason = await postgres_skip_reason()
        if reason is not None:
            pytest.skip(reason)
        async with postgres_database(migrate=False) as database:
            yield database


async def test_0013_gives_stored_films_the_level_new_writes_get(old_db: Database) -> None:
    await old_db.upgrade("0012_chat_language")
    async with old_db.engine.begin() as conn:
        for i, (title, (votes, synopsis, cast)) in enumerate(FILMS.items(), start=1):
            await conn.execute(
                text(
                    "INSERT INTO films (id, title, title_folded, votes, synopsis, removed, content_hash, "
                    "created_at, updated_at) VALUES (:id, :t, :f, :v, :s, false, 'x', :at, :at)"
                ),
                {"id": i, "t": title, "f": title.casefold(), "v": votes, "s": synopsis, "at": NOW},
            )
            for position, name in enumerate(CAST[:cast]):
                await conn.execute(
                    text("INSERT INTO film_credits (film_id, position, role, name) VALUES (:f, :p, 'cast', :n)"),
                    {"f": i, "p": position, "n": name},
                )
    await old_db.upgrade()
    async with old_db.session() as session:
        stored: dict[str, int] = dict((await session.execute(text("SELECT title, familiarity FROM films"))).all())
        films = await FilmRepository(session).get_many(range(1, len(FILMS) + 1))
    assert stored == LEVELS
    assert {f.title: record_familiarity(f) for f in films.values()} == LEVELS  # the same rule as new writes


def test_the_level_follows_the_record() -> None:
    cast = [Credit(name, "cast") for name in CAST]
    assert record_familiarity(Film("Parasite", votes=1)) == 2
    assert record_familiarity(Film("Burning", synopsis="A delivery boy.", credits=cast)) == 1
    assert record_familiarity(Film("Burning", synopsis="A delivery boy.", credits=cast[:3])) == 0
    assert record_familiarity(Film("Burning", votes=0, credits=cast)) == 0
