"""FilmRepository against real SQLite and PostgreSQL: what callers see, not how rows look."""

from __future__ import annotations

import random
from datetime import date

import pytest

from bot.films.model import Credit, Film
from bot.store.db import Database
from bot.store.films import ExternalIdConflict, FilmRepository


def miracle(**changes: object) -> Film:
    film = Film(
        title="Miracle in Cell No. 7",
        year=2013,
        original_title="7번방의 선물",
        alt_titles=["Gift From Room 7", "12월 23일"],
        release_date=date(2013, 1, 23),
        runtime_minutes=127,
        country="South Korea",
        content_rating="15+",
        genres=["Comedy", "Drama", "Family"],
        synopsis="Para one.\n\nPara two.",
        votes=19764,
        rating=8.2,
        trailer_url="https://www.youtube.com/watch?v=wTkeln0kc8I",
        external_ids={"imdb": "tt2659414", "tmdb": "158445"},
        credits=[
            Credit("Lee Hwan Kyung", "director"),
            Credit("Lee Hwan Kyung", "writer"),
            Credit("Ryu Seung-ryong", "cast", "Lee Yong-gu"),
            Credit("Kal So-won", "cast", "Ye-sung (young)"),
        ],
        source="seed",
    )
    return film.replace(**changes)


async def test_add_get_round_trip(db: Database) -> None:
    async with db.session() as s, s.begin():
        stored = await FilmRepository(s).add(miracle())
    assert stored.id is not None
    async with db.session() as s:
        got = await FilmRepository(s).get(stored.id)
    assert got == stored
    assert got is not None and got.directors == ["Lee Hwan Kyung"] and got.cast[1].character == "Ye-sung (young)"


async def test_update_replaces_lists_and_bumps_version(db: Database) -> None:
    async with db.session() as s, s.begin():
        repo = FilmRepository(s)
        film = await repo.add(miracle())
        v1 = await repo.catalog_version()
        changed = film.replace(genres=["Drama"], alt_titles=[], aliases=["Cell 7"], credits=[], votes=20000)
        await repo.update(changed)
        assert await repo.catalog_version() == v1 + 1
    async with db.session() as s:
        got = await FilmRepository(s).get(film.id or 0)
    assert got == changed


async def test_soft_delete_hides_film_everywhere(db: Database) -> None:
    async with db.session() as s, s.begin():
        repo = FilmRepository(s)
        a = await repo.add(miracle())
        b = await repo.add(Film(title="Parasite", year=2019, genres=["Thriller"]))
        assert a.id is not None and b.id is not None
        assert await repo.set_removed(a.id, True)
        assert not await repo.set_removed(999_999, True)
    async with db.session() as s:
        repo = FilmRepository(s)
        assert await repo.get(a.id) is None
        assert (await repo.get(a.id, include_removed=True)) is not None
        assert await repo.count() == 1
        assert [d.film_id for d in await repo.search_docs()] == [b.id]
        assert await repo.genres() == ["Thriller"]
        assert [f.id for f in [f async for f in repo.iter_films()]] == [b.id]
        assert len([f async for f in repo.iter_films(include_removed=True)]) == 2
        assert (await repo.get_many([a.id, b.id])).keys() == {b.id}


async def test_find_existing_by_external_id_then_title_year(db: Database) -> None:
    async with db.session() as s, s.begin():
        repo = FilmRepository(s)
        film = await repo.add(miracle())
        assert await repo.find_existing_id(Film(title="x", external_ids={"tmdb": "158445"})) == film.id
        assert await repo.find_existing_id(Film(title="MIRACLE IN CELL NO. 7", year=2013)) == film.id
        assert await repo.find_existing_id(Film(title="Miracle in Cell No. 7", year=2019)) is None
        with pytest.raises(ExternalIdConflict, match="imdb:tt2659414"):
            await repo.add(Film(title="Other", external_ids={"imdb": "tt2659414"}))


async def test_random_respects_genre_case_insensitively(db: Database) -> None:
    async with db.session() as s, s.begin():
        repo = FilmRepository(s)
        await repo.add(miracle())
        for i in range(5):
            await repo.add(Film(title=f"Horror {i}", year=2000 + i, genres=["Horror"]))
    async with db.session() as s:
        repo = FilmRepository(s)
        rng = random.Random(7)
        picks = {(await repo.random("family", rng)).title for _ in range(5)}  # type: ignore[union-attr]
        assert picks == {"Miracle in Cell No. 7"}
        # Films people know (votes, or a synopsis and cast) come first; a genre of only bare films still answers.
        assert {(await repo.random(None, rng)).title for _ in range(10)} == {"Miracle in Cell No. 7"}  # type: ignore[union-attr]
        assert len({(await repo.random("horror", rng)).title for _ in range(40)}) > 3  # type: ignore[union-attr]
        assert await repo.random("Western", rng) is None
        assert await repo.genres() == ["Comedy", "Drama", "Family", "Horror"]


async def test_search_docs_carry_every_title(db: Database) -> None:
    async with db.session() as s, s.begin():
        film = await FilmRepository(s).add(miracle(aliases=["Cell Seven"]))
    async with db.session() as s:
        (doc,) = await FilmRepository(s).search_docs()
    assert doc.film_id == film.id and doc.year == 2013 and doc.votes == 19764
    assert doc.original_title == "7번방의 선물" and doc.country == "South Korea"
    assert doc.titles == (
        "Miracle in Cell No. 7",
        "7번방의 선물",
        "Gift From Room 7",
        "12월 23일",
        "Cell Seven",
    )


async def test_a_card_read_in_one_statement_equals_the_bulk_read(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A few films (a card) are read joined with their child rows in one statement, without a transaction on
    SQLite; many in two queries. Both give the same films, with every list in its stored order."""
    import bot.store.films as films_module

    async with db.session() as s, s.begin():
        repo = FilmRepository(s)
        full = await repo.add(miracle(aliases=["Cell 7", "Room Seven"]))
        bare = await repo.add(Film(title="Actuality", year=1905))  # no child rows at all
        gone = await repo.add(Film(title="Removed Film", year=2001, genres=["Drama"]))
        assert gone.id is not None
        await repo.set_removed(gone.id, True)
    ids = [i for i in (full.id, bare.id, gone.id) if i is not None]
    async with db.read_one() as s:
        joined = await FilmRepository(s).get_many(ids)
    async with db.read_one() as s:
        with_removed = await FilmRepository(s).get_many(ids, include_removed=True)
    monkeypatch.setattr(films_module, "JOINED_READ", 0)
    async with db.session() as s:
        bulk = await FilmRepository(s).get_many(ids)
    assert joined == bulk == {full.id: full, bare.id: bare}
    assert full.id is not None
    assert joined[full.id].aliases == ["Cell 7", "Room Seven"] and joined[full.id].cast[1].name == "Kal So-won"
    assert with_removed[gone.id].removed and with_removed[gone.id].genres == ["Drama"]


async def test_namesake_rows_are_the_live_films_sharing_a_title(db: Database) -> None:
    async with db.session() as s, s.begin():
        repo = FilmRepository(s)
        old = await repo.add(Film(title="Total Recall", year=1990, synopsis="The 1990 film."))
        new = await repo.add(Film(title="TOTAL RECALL", year=2012, synopsis="A remake of the 1990 film."))
        gone = await repo.add(Film(title="Total Recall", year=2020))
        await repo.add(Film(title="Alone", year=2001))
        await repo.add(Film(title="Twice", year=2001))
        await repo.add(Film(title="Twice Removed", year=2002))
        assert gone.id is not None
        await repo.set_removed(gone.id, True)
    async with db.session() as s:
        rows = await FilmRepository(s).namesake_rows()
    assert rows == [
        (old.id, "Total Recall", 1990, "The 1990 film."),
        (new.id, "TOTAL RECALL", 2012, "A remake of the 1990 film."),
    ]
