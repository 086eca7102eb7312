"""Migration 0005 on a database that already holds duplicates: the upgrade succeeds, nothing is merged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import TextClause, select, text

from bot.films.model import Film
from bot.store.db import Database
from bot.store.films import FilmExists, FilmRepository
from bot.store.mapping import films_t
from tests.store.test_curation_store import _downgrade


async def test_existing_duplicates_survive_the_upgrade_and_new_ones_are_refused(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(_downgrade, "0003_curation")
    now = datetime.now(UTC)
    row = {"title_folded": "ikiru", "year": 1952, "content_hash": "x", "created_at": now, "updated_at": now}
    async with db.write() as s:
        for title in ("Ikiru", "IKIRU"):
            await s.execute(_old_insert(title, row))
    await db.upgrade()
    async with db.session() as s:
        keys = list(await s.scalars(select(films_t.c.identity_key).order_by(films_t.c.id)))
    assert keys[0] is not None and keys[1] == f"{keys[0]}|#2"
    async with db.write() as s:  # the kept-apart duplicate can still be edited
        repo = FilmRepository(s)
        film = await repo.get(2)
        assert film is not None
        await repo.update(film.replace(synopsis="Still here."))
    with pytest.raises(FilmExists):
        async with db.write() as s:
            await FilmRepository(s).add(Film(title="ikiru", year=1952))


def _old_insert(title: str, row: dict[str, object]) -> TextClause:
    """A row as 0003's schema stores it (no identity key yet)."""
    return text(
        "INSERT INTO films (title, title_folded, year, content_hash, created_at, updated_at, removed) "
        "VALUES (:title, :title_folded, :year, :content_hash, :created_at, :updated_at, false)"
    ).bindparams(title=title, **row)
