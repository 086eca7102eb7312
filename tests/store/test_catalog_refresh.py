"""Several processes on one database: each picks up the others' catalog changes without a rebuild."""

from __future__ import annotations

from pathlib import Path

from pytest import MonkeyPatch

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


async def test_compaction_runs_off_the_loop_and_keeps_every_edit(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    from bot.films.search import SearchDoc

    services = await make_services(tmp_path)
    catalog = services.catalog
    try:
        assert await catalog.compact_if_needed() is False  # nothing piled up
        for i in range(1, 30):
            catalog._upsert(SearchDoc(film_id=10_000 + i, title=f"Zebra Film {i}", titles=(f"Zebra Film {i}",)))
        assert catalog.index.delta_size > 0
        monkeypatch.setattr(type(catalog.index), "needs_compaction", property(lambda self: True))
        assert await catalog.compact_if_needed() is True
        monkeypatch.undo()
        assert catalog.index.delta_size == 0
        assert catalog.index.search("zebra film 7")[0].film_id == 10_007
        assert catalog.index.search("parasite")[0].doc.title == "Parasite"
    finally:
        await services.db.dispose()


async def test_cards_come_from_the_film_cache_and_never_outlive_a_change(tmp_path: Path) -> None:
    """A card's film is read once, then served from memory; an edit here or in another process, or a
    removal, drops it so the next card shows the change."""
    first = await make_services(tmp_path)
    second = await build_services(first.settings)
    try:
        parasite = next(d.film_id for d in second.catalog.index.all_docs() if d.title == "Parasite")
        card = await second.films.card(parasite)
        assert getattr(card, "synopsis", None) != "Edited elsewhere."
        misses = second.catalog.cache.misses
        await second.films.card(parasite)
        assert second.catalog.cache.misses == misses  # served from memory
        async with first.db.session() as session, session.begin():  # another process edits it
            repo = FilmRepository(session)
            film = await repo.get(parasite)
            assert film is not None
            await repo.update(film.replace(synopsis="Edited elsewhere."))
        assert await second.catalog.refresh_if_changed() is True
        assert getattr(await second.films.card(parasite), "synopsis", None) == "Edited elsewhere."
        async with second.db.session() as session, session.begin():  # this process edits it
            repo = FilmRepository(session)
            film = await repo.get(parasite)
            assert film is not None
            edited = await repo.update(film.replace(synopsis="Edited here."))
        second.catalog.film_changed(edited)
        assert getattr(await second.films.card(parasite), "synopsis", None) == "Edited here."
        async with second.db.session() as session, session.begin():
            await FilmRepository(session).set_removed(parasite, True)
        second.catalog.film_removed(parasite)
        gone = await second.films.card(parasite)
        assert gone.kind == "not_found"  # type: ignore[union-attr]
    finally:
        await second.db.dispose()
        await first.db.dispose()
