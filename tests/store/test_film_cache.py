"""The film cache behind cards: what a member sees is never older than the catalog, and memory stays bounded."""

from __future__ import annotations

from pathlib import Path

from bot.app import build_services
from bot.commands import Actor, CommandContext
from bot.films.model import Film
from bot.replies import FilmCard, Problem, Reply
from bot.services import Services
from bot.store.films import FilmRepository
from tests.support.catalog import make_services

ADMIN = Actor("telegram", "100", "chat1", is_owner=True, display_name="Ada")
MEMBER = Actor("telegram", "200", "chat1", display_name="Bob")


async def run(services: Services, actor: Actor, line: str) -> Reply:
    parsed = services.registry.resolve_text(line)
    assert not isinstance(parsed, Problem), parsed
    spec, raw = parsed
    return await services.registry.run(spec, CommandContext(actor, services), raw)


async def card_of(services: Services, query: str) -> FilmCard:
    reply = await run(services, MEMBER, f"/film {query}")
    assert isinstance(reply, FilmCard), reply
    return reply


async def test_an_admins_edit_shows_on_the_next_card_at_once(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    try:
        before = await card_of(services, "parasite")
        misses = services.catalog.cache.misses
        assert (await card_of(services, "parasite")).synopsis == before.synopsis
        assert services.catalog.cache.misses == misses  # the second card came from memory
        film_id = services.catalog.index.search("parasite")[0].film_id
        edited = await run(services, ADMIN, f"/film edit #{film_id} | synopsis | A poor family schemes.")
        assert isinstance(edited, FilmCard) and edited.synopsis == "A poor family schemes."
        assert (await card_of(services, "parasite")).synopsis == "A poor family schemes."
        await run(services, ADMIN, f"/film edit #{film_id} | year | 2020")
        assert (await card_of(services, "parasite")).year == 2020
        await run(services, ADMIN, f"/film remove #{film_id}")
        gone = await run(services, MEMBER, f"/film #{film_id}")
        assert isinstance(gone, Problem) and gone.kind == "not_found", gone
    finally:
        await services.db.dispose()


async def test_a_change_from_another_connection_reaches_a_cached_card(tmp_path: Path) -> None:
    """Another process (here: another engine on the same file) edits a film whose card is cached; the
    catalog's refresh (the version check `filmbot run` and `chat` make; on PostgreSQL, woken by NOTIFY)
    drops it, and the next card shows the edit, including films changed in a large batch (swapped-in index)."""
    services = await make_services(tmp_path)
    other = await build_services(services.settings)
    try:
        seed = await card_of(services, "miracle in cell no 7")
        parasite = await card_of(services, "parasite")
        assert seed.film_id is not None and parasite.film_id is not None
        async with other.db.write() as session:
            repo = FilmRepository(session)
            film = await repo.get(seed.film_id)
            assert film is not None
            await repo.update(film.replace(synopsis="Edited in another process."))
        assert (await card_of(services, "miracle in cell no 7")).synopsis == seed.synopsis  # not refreshed yet
        assert await services.catalog.refresh_if_changed() is True
        assert (await card_of(services, "miracle in cell no 7")).synopsis == "Edited in another process."
        async with other.db.write() as session:  # a batch: the refresh swaps in a new index and cache
            repo = FilmRepository(session)
            film = await repo.get(parasite.film_id)
            assert film is not None
            many = [Film(title=f"Batch Film {i}", year=1990) for i in range(300)]
            await repo.upsert_many([*many, film.replace(synopsis="Edited in a batch.")])
        assert await services.catalog.refresh_if_changed() is True
        assert (await card_of(services, "parasite")).synopsis == "Edited in a batch."
    finally:
        await other.db.dispose()
        await services.db.dispose()


async def test_the_cache_never_holds_more_films_than_its_size(tmp_path: Path) -> None:
    services = await make_services(tmp_path, film_cache_size=3)
    try:
        docs = services.catalog.index.all_docs()
        assert len(docs) > 6
        for doc in docs:
            card = await run(services, MEMBER, f"/film #{doc.film_id}")
            assert isinstance(card, FilmCard) and card.title == doc.title  # every card right, cached or not
            assert len(services.catalog.cache) <= 3
        last = [d.film_id for d in docs[-3:]]
        misses = services.catalog.cache.misses
        for film_id in last:  # the most recently shown stay
            await services.catalog.film(film_id)
        assert services.catalog.cache.misses == misses
        await services.catalog.films([d.film_id for d in docs])  # a page of many: still bounded
        assert len(services.catalog.cache) == 3
    finally:
        await services.db.dispose()


async def test_a_cache_size_of_zero_reads_every_card_from_the_database(tmp_path: Path) -> None:
    services = await make_services(tmp_path, film_cache_size=0)
    try:
        for _ in range(2):
            assert (await card_of(services, "parasite")).title == "Parasite"
        assert len(services.catalog.cache) == 0
    finally:
        await services.db.dispose()
