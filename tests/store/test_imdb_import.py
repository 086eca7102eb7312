"""The IMDb dataset importer on small files in IMDb's real format, on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from bench.imdb_data import write_dataset
from bot.films.importers import ImportFailed
from bot.films.importers.imdb import ImdbOptions
from bot.films.importers.imdb_apply import import_imdb
from bot.films.model import Credit, Film, TitleLocale
from bot.store.db import Database
from bot.store.films import FilmRepository


def make_set(d: Path, *, gz: bool = True) -> None:
    write_dataset(
        d,
        "title.basics",
        [
            ["tt6751668", "movie", "Parasite", "Gisaengchung", 0, 2019, None, 132, "Comedy,Drama,Thriller"],
            ["tt0090555", "movie", '"Crocodile" Dundee', '"Crocodile" Dundee', 0, 1986, None, 97, "Adventure,Comedy"],
            ["tt0903747", "tvSeries", "Breaking Bad", "Breaking Bad", 0, 2008, 2013, 49, "Crime,Drama"],
            ["tt0111111", "tvMovie", "A TV Film", "A TV Film", 0, None, None, None, None],
            ["tt0222222", "movie", "Adult Film", "Adult Film", 1, 2000, None, 80, "Adult"],
        ],
        gz=gz,
    )
    write_dataset(
        d,
        "title.akas",
        [
            ["tt6751668", 1, "기생충", "KR", "ko", "imdbDisplay", None, 0],
            ["tt6751668", 2, "Parasite", "US", None, "imdbDisplay", None, 0],
            ["tt6751668", 3, "Gisaengchung", None, None, "original", None, 1],
            ["tt6751668", 4, "Parasite:\tThe Tab Cut", "GB", "en", None, None, 0],  # a tab inside the title
            ["tt0903747", 1, "Breaking Bad (series)", "US", None, None, None, 0],
        ],
        gz=gz,
    )
    write_dataset(d, "title.ratings", [["tt6751668", 8.5, 1012345], ["tt0903747", 9.5, 2000000]], gz=gz)
    write_dataset(
        d,
        "title.principals",
        [
            ["tt6751668", 1, "nm0814280", "actor", None, '["Ki Taek"]'],
            ["tt6751668", 2, "nm3580869", "actor", None, '["Ki Woo"]'],
            ["tt6751668", 3, "nm0094435", "director", None, None],
            ["tt0090555", 1, "nm0001200", "actor", None, '["Michael J. \\"Crocodile\\" Dundee"]'],
            ["tt0903747", 1, "nm0186505", "actor", None, '["Walter White"]'],
        ],
        gz=gz,
    )
    write_dataset(
        d,
        "title.crew",
        [["tt6751668", "nm0094435", "nm0094435,nm1310525"], ["tt0090555", None, None]],
        gz=gz,
    )
    write_dataset(
        d,
        "name.basics",
        [
            ["nm0814280", "Song Kang-ho", 1967, None, "actor", "tt6751668"],
            ["nm3580869", "Choi Woo-shik", 1990, None, "actor", None],
            ["nm0094435", "Bong Joon Ho", 1969, None, "director,writer", None],
            ["nm1310525", "Han Jin-won", None, None, "writer", None],
            ["nm0001200", "Paul Hogan", 1939, None, "actor", None],
            ["nm0186505", "Bryan Cranston", 1956, None, "actor", None],
        ],
        gz=gz,
    )


async def films_by_imdb(db: Database) -> dict[str, object]:
    async with db.session() as s:
        return {f.external_ids.get("imdb", ""): f async for f in FilmRepository(s).iter_films()}


async def test_movies_are_imported_with_akas_ratings_and_people(db: Database, tmp_path: Path) -> None:
    make_set(tmp_path / "imdb")
    report = await import_imdb(db, tmp_path / "imdb")
    assert (report.added, report.updated, report.unchanged) == (2, 0, 0)
    films = await films_by_imdb(db)
    assert set(films) == {"tt6751668", "tt0090555"}  # no series, no tvMovie by default, no adult title
    parasite = films["tt6751668"]
    assert parasite.title == "Parasite" and parasite.original_title == "Gisaengchung"  # type: ignore[attr-defined]
    assert parasite.year == 2019 and parasite.runtime_minutes == 132  # type: ignore[attr-defined]
    assert parasite.genres == ["Comedy", "Drama", "Thriller"]  # type: ignore[attr-defined]
    assert parasite.alt_titles == ["기생충", "Parasite:\tThe Tab Cut"]  # type: ignore[attr-defined]
    assert parasite.alt_title_locales == {  # type: ignore[attr-defined]
        "기생충": TitleLocale("ko", "KR"),
        "Parasite:\tThe Tab Cut": TitleLocale("en", "GB"),
    }
    assert (parasite.votes, parasite.rating) == (1012345, 8.5)  # type: ignore[attr-defined]
    assert parasite.credits == [  # type: ignore[attr-defined]
        Credit("Bong Joon Ho", "director"),
        Credit("Bong Joon Ho", "writer"),
        Credit("Han Jin-won", "writer"),
        Credit("Song Kang-ho", "cast", "Ki Taek"),
        Credit("Choi Woo-shik", "cast", "Ki Woo"),
    ]
    assert parasite.source == "imdb" and parasite.info_url == "https://www.imdb.com/title/tt6751668/"  # type: ignore[attr-defined]
    dundee = films["tt0090555"]
    assert dundee.title == '"Crocodile" Dundee' and dundee.original_title is None  # type: ignore[attr-defined]
    assert dundee.credits == [Credit("Paul Hogan", "cast", 'Michael J. "Crocodile" Dundee')]  # type: ignore[attr-defined]


async def test_reimport_changes_nothing_and_other_title_types_are_an_option(db: Database, tmp_path: Path) -> None:
    make_set(tmp_path / "imdb", gz=False)
    await import_imdb(db, tmp_path / "imdb")
    async with db.session() as s:
        version = await FilmRepository(s).catalog_version()
    again = await import_imdb(db, tmp_path / "imdb")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert again.version == version
    more = await import_imdb(db, tmp_path / "imdb", ImdbOptions(title_types=frozenset({"movie", "tvMovie"})))
    assert (more.added, more.unchanged) == (1, 2)
    films = await films_by_imdb(db)
    tv = films["tt0111111"]
    assert tv.year is None and tv.runtime_minutes is None and tv.genres == []  # type: ignore[attr-defined]


async def test_non_utf8_bytes_are_refused_with_file_and_line_and_nothing_is_written(
    db: Database, tmp_path: Path
) -> None:
    d = tmp_path / "imdb"
    make_set(d)
    akas = d / "title.akas.tsv.gz"
    lines = gzip.decompress(akas.read_bytes()).split(b"\n")
    lines[2] = lines[2].replace(b"Parasite", b"Parasit\xe9")  # Latin-1, not UTF-8
    akas.write_bytes(gzip.compress(b"\n".join(lines)))
    async with db.session() as s:
        before = await FilmRepository(s).count()
    with pytest.raises(ImportFailed) as failed:
        await import_imdb(db, d)
    assert failed.value.file == "title.akas.tsv.gz" and failed.value.line == 3
    assert "not UTF-8" in str(failed.value) and "0xe9" in str(failed.value)
    async with db.session() as s:
        assert await FilmRepository(s).count() == before


async def test_a_line_with_a_stray_tab_where_it_cannot_be_placed_is_refused(db: Database, tmp_path: Path) -> None:
    d = tmp_path / "imdb"
    write_dataset(d, "title.basics", [["tt0000001", "movie", "Tab\tTitle", "Tab Title", 0, 1999, None, 90, "Drama"]])
    with pytest.raises(ImportFailed) as failed:
        await import_imdb(db, d)
    assert failed.value.line == 2 and "10 tab-separated fields, expected 9" in str(failed.value)


async def test_a_failure_late_in_the_stream_rolls_back_every_batch(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = tmp_path / "imdb"
    write_dataset(
        d, "title.basics", [[f"tt{i:07d}", "movie", f"Film {i}", None, 0, 2000, None, 90, None] for i in range(1, 51)]
    )
    import bot.films.importers.imdb_apply as apply_mod
    import bot.store.streaming as streaming_mod

    monkeypatch.setattr(apply_mod, "BATCH", 10)
    calls = 0
    original = streaming_mod.StreamingUpsert.write

    async def failing(self: streaming_mod.StreamingUpsert, films: list[object]) -> None:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise RuntimeError("disk full")
        await original(self, films)  # type: ignore[arg-type]

    monkeypatch.setattr(streaming_mod.StreamingUpsert, "write", failing)
    async with db.session() as s:
        before = await FilmRepository(s).count()
    with pytest.raises(RuntimeError):
        await import_imdb(db, d)
    async with db.session() as s:
        assert await FilmRepository(s).count() == before
    monkeypatch.setattr(streaming_mod.StreamingUpsert, "write", original)
    report = await import_imdb(db, d)
    assert report.added == 50


async def test_a_stored_film_of_the_same_title_year_and_director_is_enriched_not_duplicated(
    db: Database, tmp_path: Path
) -> None:
    async with db.write() as session:
        repo = FilmRepository(session)
        ours = await repo.add(Film("Parasite", year=2019, credits=[Credit("Bong Joon Ho", "director")], aliases=[]))
        other = await repo.add(Film("Parasite", year=1982, credits=[Credit("Charles Band", "director")]))
    make_set(tmp_path / "imdb")
    report = await import_imdb(db, tmp_path / "imdb")
    assert (report.added, report.updated) == (1, 1)
    films = await films_by_imdb(db)
    assert films["tt6751668"].id == ours.id  # type: ignore[attr-defined]
    async with db.session() as s:
        kept = await FilmRepository(s).get(other.id or 0)
    assert kept is not None and "imdb" not in kept.external_ids
