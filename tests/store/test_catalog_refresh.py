"""Several processes on one database: each picks up the others' catalog changes without a rebuild."""

from __future__ import annotations

from pathlib import Path

from bot.app import build_services
from bot.films.model import Film
from bot.store.films import FilmRepository
from tests.support.catalog import make_services


async def test_a_second_process_sees_adds_edits_and_removals(tmp_path: Path) -> None:
    first = await make_services(tmp_path)
    second = await build_services(first.settings)  # the same database file, its own index
    try:
        assert await second.catalog.refresh_if_changed() is False
        async with first.db.session() as session, session.begin():
            repo = FilmRepository(session)
            added = await repo.add(Film(title="Drive My Car", year=2021, original_title="ドライブ・マイ・カー"))
            parasite_id = next(d.film_id for d in first.catalog.index.all_docs() if d.title == "Parasite")
            await repo.set_removed(parasite_id, True)
            seed = next(d for d in first.catalog.index.all_docs() if d.year == 2013)
            film = await repo.get(seed.film_id)
            assert film is not None
            await repo.update(film.replace(aliases=["The Cell Seven Miracle"]))
        assert second.catalog.index.search("ドライブ・マイ・カー") == []
        assert await second.catalog.refresh_if_changed() is True
        hits = second.catalog.index.search("ドライブ・マイ・カー")
        assert hits and hits[0].film_id == added.id
        assert all(m.film_id != parasite_id for m in second.catalog.index.search("parasite"))
        assert second.catalog.index.search("the cell seven miracle")[0].film_id == seed.film_id
        assert await second.catalog.refresh_if_changed() is False
    finally:
        await second.db.dispose()
        await first.db.dispose()
