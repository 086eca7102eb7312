"""`enrich` against the fake TMDB and Wikidata: matches only what is certain, keeps admin edits, resumes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.commands import Actor
from bot.curation.store import CurationRepository
from bot.films.model import Credit, Film
from bot.sources import TmdbClient, WikidataClient
from bot.sources.base import SourceRefused
from bot.sources.enrich import enrich
from bot.store.db import Database
from bot.store.films import FilmRepository
from tests.dbutil import sqlite_database
from tests.fakes.sources import FakeTmdb, FakeWikidata, parasite_fixtures, tmdb_movie

ADMIN = Actor("telegram", "42", "42", is_owner=True, display_name="Ann")
RUNNER = Actor("cli", "ops", "cli", is_owner=True, display_name="command line")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with sqlite_database(tmp_path / "enrich.sqlite3") as database:
        yield database


@pytest.fixture
async def tmdb() -> AsyncIterator[FakeTmdb]:
    server = FakeTmdb()
    server.add(parasite_fixtures()[0])
    server.add(
        tmdb_movie(396535, "Train to Busan", "부산행", "2016-07-20", imdb="tt5700672", trailer="pyWuHv2-Abk",
                   director="Yeon Sang-ho", runtime=118)
    )  # fmt: skip
    server.add(tmdb_movie(1, "Twin", "Twin", "2001-01-01", director="A. Person"))
    server.add(tmdb_movie(2, "Twin", "Twin", "2001-05-05", director="A. Person"))
    await server.start()
    yield server
    await server.stop()
    assert server.violations == []


async def store(db: Database, *films: Film) -> list[int]:
    ids = []
    async with db.write() as session:
        repo = FilmRepository(session)
        for film in films:
            ids.append((await repo.add(film)).id)
    return [i for i in ids if i is not None]


async def get(db: Database, film_id: int) -> Film:
    async with db.session() as session:
        film = await FilmRepository(session).get(film_id)
    assert film is not None
    return film


async def test_enrich_fills_gaps_only_when_certain_and_never_an_admin_edit(db: Database, tmdb: FakeTmdb) -> None:
    parasite, busan, old, no_year, other_director, twin = await store(
        db,
        Film("Parasite", year=2019, credits=[Credit("Bong Joon Ho", "director")], poster_url=None),
        Film("Train to Busan", year=2016, external_ids={"tmdb": "396535"}),
        Film("Parasite", year=1982, credits=[Credit("Charles Band", "director")]),
        Film("Parasite", credits=[Credit("Bong Joon Ho", "director")]),
        Film("Parasite", year=2019, credits=[Credit("Someone Else", "director")], external_ids={"ml": "9"}),
        Film("Twin", year=2001, credits=[Credit("A. Person", "director")]),
    )
    async with db.write() as session:  # an admin cleared Parasite's poster on purpose
        await CurationRepository(session).add_audit(
            ADMIN, "edit", at=datetime.now(UTC), film_id=parasite, field="poster_url", old="x.jpg", new=None
        )
    client = TmdbClient(read_token="test-read-token", base_url=tmdb.url)
    try:
        summary = await enrich(db, client, RUNNER, per_second=1000)
    finally:
        await client.close()
    assert (summary.examined, summary.matched, summary.enriched) == (6, 2, 2)
    assert (summary.ambiguous, summary.not_found, summary.failed) == (2, 2, 0)  # no year, twins; 1982, other director
    assert summary.kept_edits == 1
    p = await get(db, parasite)
    assert p.trailer_url == "https://www.youtube.com/watch?v=5xH0HfJHsaY" and p.runtime_minutes == 133
    assert p.poster_url is None  # the admin's edit stands
    assert p.original_title == "기생충" and p.external_ids["tmdb"] == "496243" and p.votes == 19000
    assert p.directors == ["Bong Joon Ho"]  # had one: untouched
    b = await get(db, busan)
    assert b.directors == ["Yeon Sang-ho"] and b.runtime_minutes == 118 and b.external_ids["imdb"] == "tt5700672"
    for untouched in (old, no_year, other_director, twin):
        assert (await get(db, untouched)).trailer_url is None
    async with db.session() as session:
        log = await CurationRepository(session).audit(parasite)
    assert log[0].action == "enrich" and log[0].new_value == "from TMDB (tmdb:496243)"
    assert "trailer" in (log[0].field or "") and "poster" not in (log[0].field or "")


async def test_an_interrupted_run_keeps_what_it_finished_and_the_next_run_continues(
    db: Database, tmdb: FakeTmdb
) -> None:
    first, second = await store(
        db,
        Film("Train to Busan", year=2016, external_ids={"tmdb": "396535"}),
        Film("Parasite", year=2019, external_ids={"imdb": "tt6751668"}),
    )
    client = TmdbClient(read_token="test-read-token", base_url=tmdb.url)

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            await enrich(db, client, RUNNER, per_second=1000, fields=["trailer"], progress=interrupt)
        assert (await get(db, first)).trailer_url is not None
        assert (await get(db, second)).trailer_url is None
        again = await enrich(db, client, RUNNER, per_second=1000, fields=["trailer"])
    finally:
        await client.close()
    assert (again.examined, again.enriched) == (1, 1)  # only the film still missing its trailer
    assert (await get(db, second)).trailer_url == "https://www.youtube.com/watch?v=5xH0HfJHsaY"


async def test_enrich_from_wikidata_by_imdb_id_fills_native_titles(db: Database) -> None:
    server = FakeWikidata()
    for entity in parasite_fixtures()[1]:
        server.add(entity)
    await server.start()
    (film_id,) = await store(db, Film("Parasite", year=2019, external_ids={"imdb": "tt6751668"}))
    client = WikidataClient(contact="ops@example.org", base_url=server.url)
    try:
        summary = await enrich(db, client, RUNNER, per_second=1000, fields=["titles", "directors"])
    finally:
        await client.close()
        await server.stop()
    assert server.violations == []
    assert (summary.matched, summary.enriched) == (1, 1)
    film = await get(db, film_id)
    assert "기생충" in film.alt_titles and film.directors == ["Bong Joon-ho"]
    assert film.external_ids["wikidata"] == "Q61448040"


async def test_a_429_is_waited_out_and_a_wrong_key_stops_the_run(db: Database, tmdb: FakeTmdb) -> None:
    (busan,) = await store(db, Film("Train to Busan", year=2016, external_ids={"tmdb": "396535"}))
    wrong = TmdbClient(read_token="not-the-token", base_url=tmdb.url)
    try:
        with pytest.raises(SourceRefused):
            await enrich(db, wrong, RUNNER, per_second=1000)
    finally:
        await wrong.close()
    assert (await get(db, busan)).trailer_url is None
    tmdb.fail(429, headers={"Retry-After": "1"})
    client = TmdbClient(read_token="test-read-token", base_url=tmdb.url)
    try:
        summary = await enrich(db, client, RUNNER, per_second=1000)
    finally:
        await client.close()
    assert (summary.enriched, summary.failed) == (1, 0)
    assert (await get(db, busan)).trailer_url == "https://www.youtube.com/watch?v=pyWuHv2-Abk"
