"""upsert_many: matching, idempotence, in-batch duplicates, and what it leaves alone."""

from __future__ import annotations

from bot.films.model import Credit, Film
from bot.store.db import Database
from bot.store.films import FilmRepository


def batch() -> list[Film]:
    return [
        Film(title="Aladdin", year=1992, external_ids={"ml": "588"}, genres=["Animation"], votes=100),
        Film(title="Aladdin", year=1992, external_ids={"ml": "99999"}, genres=["Drama"]),  # another film
        Film(title="Parasite", year=2019, credits=[Credit("Bong Joon-ho", "director")]),
        Film(title="The Train Wreckers", year=1905, external_ids={"wiki": "The_Train_Wreckers"}),
        Film(title="The Train Wreckers", year=1925, external_ids={"wiki": "The_Train_Wreckers"}),
    ]


async def test_first_import_adds_and_second_changes_nothing(db: Database) -> None:
    async with db.session() as s, s.begin():
        first = await FilmRepository(s).upsert_many(batch())
    assert (first.added, first.updated, first.unchanged, first.skipped) == (5, 0, 0, 0)
    assert len(first.warnings) == 1 and "wiki:The_Train_Wreckers" in first.warnings[0]
    async with db.session() as s:
        repo = FilmRepository(s)
        version = await repo.catalog_version()
        films = [f async for f in repo.iter_films()]
    assert [f.title for f in films].count("Aladdin") == 2
    async with db.session() as s, s.begin():
        second = await FilmRepository(s).upsert_many(batch())
    assert (second.added, second.updated, second.unchanged) == (0, 0, 5)
    async with db.session() as s:
        repo = FilmRepository(s)
        assert await repo.catalog_version() == version
        assert [f async for f in repo.iter_films()] == films


async def test_update_by_external_id_keeps_aliases_ids_and_removed_flag(db: Database) -> None:
    async with db.session() as s, s.begin():
        repo = FilmRepository(s)
        film = await repo.add(
            Film(title="Miracle in Cell No. 7", year=2013, aliases=["Cell 7"], external_ids={"ml": "105340"})
        )
        assert film.id is not None
        await repo.set_removed(film.id, True)
        film = await repo.update(film.replace(external_ids={"ml": "105340", "imdb": "tt2659414"}, removed=True))
    async with db.session() as s, s.begin():
        counts = await FilmRepository(s).upsert_many(
            [Film(title="Miracle in Cell No. 7", year=2013, votes=5, external_ids={"ml": "105340"})]
        )
    assert (counts.added, counts.updated, counts.changed_ids) == (0, 1, [film.id])
    async with db.session() as s:
        assert film.id is not None
        got = await FilmRepository(s).get(film.id, include_removed=True)
    assert got is not None
    assert got.votes == 5 and got.aliases == ["Cell 7"] and got.removed
    assert got.external_ids == {"ml": "105340", "imdb": "tt2659414"}


async def test_title_year_match_and_in_batch_duplicates(db: Database) -> None:
    async with db.session() as s, s.begin():
        await FilmRepository(s).upsert_many([Film(title="Parasite", year=2019)])
    async with db.session() as s, s.begin():
        counts = await FilmRepository(s).upsert_many(
            [
                Film(title="PARASITE", year=2019, votes=1, external_ids={"imdb": "tt6751668"}),
                Film(title="Parasite", year=2019, votes=2),
                Film(title="Parasite", year=1982),
            ]
        )
    assert (counts.added, counts.updated, counts.skipped) == (1, 1, 1)
    async with db.session() as s:
        repo = FilmRepository(s)
        films = sorted([f async for f in repo.iter_films()], key=lambda f: f.year or 0)
    assert [(f.year, f.votes, f.external_ids) for f in films] == [
        (1982, None, {}),
        (2019, 2, {"imdb": "tt6751668"}),
    ]
