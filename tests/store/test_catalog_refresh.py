"""Several processes on one database: each picks up the others' catalog changes without a rebuild."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

import pytest
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


async def test_films_imported_before_the_index_loaded_are_never_read_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A fresh install: the starter import commits seconds before the index loads. The first admin change
    afterwards must re-read that one film, not every film imported "recently" (36,071 on the loop)."""
    films = [Film(title=f"Starter Film {i}", year=1950 + i % 70) for i in range(500)]
    services = await make_services(tmp_path, films)  # imported, then the index loaded, just now
    catalog = services.catalog
    caplog.set_level(logging.INFO, logger="bot.films.catalog")
    try:
        async with services.db.session() as session, session.begin():
            added = await FilmRepository(session).add(Film(title="Zyxwv Quartet", year=2031))
        catalog.film_changed(added)
        assert await catalog.refresh_if_changed() is True
        assert "1 films refreshed, 0 removed" in caplog.text
        assert catalog.index.search("zyxwv quartet")[0].film_id == added.id
        assert catalog.index.search("starter film 7")[0].doc.title == "Starter Film 7"
    finally:
        await services.db.dispose()


async def test_a_large_change_by_another_process_is_built_off_the_loop_and_keeps_concurrent_edits(
    tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    import bot.films.catalog as catalog_module

    first = await make_services(tmp_path)
    second = await build_services(first.settings)
    monkeypatch.setattr(catalog_module, "INLINE_REFRESH", 10)
    try:
        parasite_id = next(d.film_id for d in second.catalog.index.all_docs() if d.title == "Parasite")
        async with first.db.session() as session, session.begin():
            repo = FilmRepository(session)
            await repo.upsert_many([Film(title=f"Imported Elsewhere {i}", year=2001) for i in range(50)])
            await repo.set_removed(parasite_id, True)
        built_in: list[str] = []
        building, edited = threading.Event(), threading.Event()
        real_build = catalog_module._build_all

        def build_after_an_edit(docs, known):  # type: ignore[no-untyped-def]
            built_in.append(threading.current_thread().name)
            building.set()
            assert edited.wait(10)
            return real_build(docs, known)

        monkeypatch.setattr(catalog_module, "_build_all", build_after_an_edit)
        refresh = asyncio.create_task(second.catalog.refresh_if_changed())
        # an edit in this process lands while the new index is being built
        assert await asyncio.to_thread(building.wait, 10)
        second.catalog.film_changed(Film(id=99_999, title="Edited Meanwhile", year=2024))
        edited.set()
        assert await refresh is True
        assert built_in and built_in[0] != threading.main_thread().name
        assert second.catalog.index.search("imported elsewhere 42")[0].doc.title == "Imported Elsewhere 42"
        assert all(m.doc.title != "Parasite" for m in second.catalog.index.search("parasite"))
        assert second.catalog.index.search("edited meanwhile")[0].film_id == 99_999
        assert second.catalog.words.search("meanwhile")[0].film_id == 99_999
        assert await second.catalog.refresh_if_changed() is False
    finally:
        await second.db.dispose()
        await first.db.dispose()
