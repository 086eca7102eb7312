"""import_films and ensure_ready against real databases: all-or-nothing, idempotent, seeded once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.films.importers import ImportFailed, parse_file
from bot.films.importers.apply import import_films
from bot.store.bootstrap import ensure_ready, starter_catalog_paths
from bot.store.db import Database
from bot.store.films import FilmRepository
from tests.dbutil import sqlite_database


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def films_file(tmp_path: Path, name: str = "films.jsonl", n: int = 30) -> Path:
    return write_jsonl(
        tmp_path / name,
        [
            {"id": f"t:{i}", "title": f"Film {i}", "year": 1950 + i, "genres": ["Drama"], "cast": [f"Actor {i}"]}
            for i in range(n)
        ],
    )


async def counts(db: Database) -> tuple[int, int]:
    async with db.session() as s:
        repo = FilmRepository(s)
        return await repo.count(include_removed=True), await repo.catalog_version()


async def test_reimport_changes_nothing(db: Database, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    first = await import_films(db, [films_file(tmp_path)], progress=lambda d, t: seen.append((d, t)))
    assert (first.added, first.updated, first.unchanged, first.version) == (30, 0, 0, 1)
    assert seen[-1] == (30, 30)
    second = await import_films(db, [films_file(tmp_path)])
    assert (second.added, second.updated, second.unchanged, second.version) == (0, 0, 30, 1)
    assert await counts(db) == (30, 1)


async def test_malformed_second_file_writes_nothing(db: Database, tmp_path: Path) -> None:
    good = films_file(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "Fine"}\n{"title": "Bad", "year": 3000}\n', encoding="utf-8")
    with pytest.raises(ImportFailed, match=r"^bad\.jsonl line 2: year 3000 is outside 1870\.\.2100$"):
        await import_films(db, [good, bad])
    assert await counts(db) == (0, 0)


async def test_ensure_ready_seeds_once(db: Database, tmp_path: Path) -> None:
    paths = [films_file(tmp_path, n=3)]
    first = await ensure_ready(db, paths)
    assert first.seeded_now and first.films == 3
    again = await ensure_ready(db, paths)
    assert not again.seeded_now and again.films == 3 and again.version == first.version
    async with db.session() as s, s.begin():  # an admin empties the catalog on purpose
        repo = FilmRepository(s)
        for film_id in [f.id async for f in repo.iter_films()]:
            assert film_id is not None
            await repo.set_removed(film_id, True)
    assert (await ensure_ready(db, paths)).films == 0


@pytest.mark.slow
@pytest.mark.sqlite_only(reason="the shipped catalog into a SQLite file, as the embedded default loads it")
async def test_real_starter_catalog_into_sqlite(tmp_path: Path) -> None:
    paths = starter_catalog_paths()
    assert [p.name for p in paths] == ["starter-films.jsonl.gz", "seed-films.jsonl"]
    async with sqlite_database(tmp_path / "starter.sqlite3", migrate=False) as db:
        result = await ensure_ready(db)
        assert result.seeded_now and result.films > 35_000
        async with db.session() as s:
            repo = FilmRepository(s)
            docs = await repo.search_docs()
            found = await repo.find_existing_id(parse_file(paths[1]).films[0])
            seed = await repo.get(found or 0)
        assert len(docs) == result.films
        assert seed is not None and len(seed.cast) == 9 and seed.external_ids["imdb"] == "tt2659414"
        assert any("7번방의 선물" in d.titles for d in docs)
        naked = [d for d in docs if d.title.startswith("Naked Gun 33")]
        assert naked and all(len(d.title) < 60 for d in naked)
