"""The search index snapshot: reused only for exactly the catalog state and code it was made from."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import stat
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest
from pytest import MonkeyPatch

from bot.films import catalog as catalog_module
from bot.films import snapshot
from bot.films.catalog import Catalog
from bot.films.model import Film
from bot.films.search import SearchDoc
from bot.films.snapshot import MAGIC, Indexes, IndexSnapshots
from bot.store.db import Database
from bot.store.films import FilmRepository
from tests.dbutil import sqlite_database
from tests.support.catalog import sample_films

QUERIES = ["miracle in cell", "parasite 2019", "gisaengchung", "sen to chihiro", "spirited away", "7번방의 선물"]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with sqlite_database(tmp_path / "films.sqlite3") as database:
        async with database.session() as session, session.begin():
            await FilmRepository(session).upsert_many(sample_films())
        yield database


def snapshots_for(db: Database, directory: Path) -> IndexSnapshots:
    return IndexSnapshots(directory, db.url, sqlite_file=db.file, min_films=1)


def answers(catalog: Catalog) -> list[list[int]]:
    return [[m.film_id for m in catalog.index.search(q)] for q in QUERIES] + [
        [m.film_id for m in catalog.words.search("cell 7")]
    ]


def count_builds(monkeypatch: MonkeyPatch) -> list[int]:
    """Every index build from the store from now on is counted (its length appended)."""
    built: list[int] = []
    real = catalog_module._build_all

    def counting(docs: list[SearchDoc], known: Mapping[int, float]) -> Indexes:
        built.append(len(docs))
        return real(docs, known)

    monkeypatch.setattr(catalog_module, "_build_all", counting)
    return built


async def loaded(db: Database, directory: Path) -> Catalog:
    catalog = Catalog(db, snapshots=snapshots_for(db, directory))
    await catalog.load()
    return catalog


async def test_the_snapshot_is_reused_while_the_catalog_is_unchanged(
    db: Database, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = await loaded(db, cache)
    assert first.index.search("gisaengchung")[0].doc.title == "Parasite"  # a romanized key
    built = count_builds(monkeypatch)
    second = await loaded(db, cache)
    assert built == []  # loaded, not built
    assert answers(second) == answers(first)
    assert second.version == first.version
    assert second.index.search("sen to chihiro")[0].doc.title == "Spirited Away"
    assert second.index.learned is second.learned  # the live learned popularity is handed to the loaded index


async def test_an_edit_makes_it_stale_and_the_next_load_rebuilds_it(
    db: Database, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    await loaded(db, cache)
    other = Database(db.url)  # another handle, as another process has
    try:
        async with other.session() as session, session.begin():
            await FilmRepository(session).add(Film(title="Quillfeather Junction", year=1987))
    finally:
        await other.dispose()
    built = count_builds(monkeypatch)
    fresh = await loaded(db, cache)
    assert len(built) == 1
    assert fresh.index.search("quillfeather junction")[0].doc.title == "Quillfeather Junction"
    built.clear()
    again = await loaded(db, cache)  # the rebuilt index was saved in turn
    assert built == [] and again.index.search("quillfeather junction")[0].doc.title == "Quillfeather Junction"


async def test_a_snapshot_of_another_catalog_with_the_same_version_is_not_used(
    db: Database, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    await loaded(db, cache)
    async with sqlite_database(tmp_path / "other.sqlite3") as other:
        async with other.session() as session, session.begin():  # same films, same number of versions
            await FilmRepository(session).upsert_many([*sample_films()[1:], Film(title="Odd One Out", year=1999)])
        built = count_builds(monkeypatch)
        # the other catalog looks for its snapshot where this one's is (as if both had the same URL)
        catalog = Catalog(other, snapshots=IndexSnapshots(cache, db.url, sqlite_file=other.file, min_films=1))
        await catalog.load()
        assert len(built) == 1  # the version numbers agree; the catalogs do not
        assert catalog.index.search("odd one out")[0].doc.title == "Odd One Out"


async def test_a_snapshot_of_other_code_is_not_used(db: Database, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    await loaded(db, cache)
    monkeypatch.setattr(snapshot, "_code_version", "another release")
    built = count_builds(monkeypatch)
    await loaded(db, cache)
    assert len(built) == 1
    header = json.loads(snapshots_for(db, cache).path.read_bytes().split(b"\n")[1])
    assert header["code"] == "another release"  # rebuilt and saved for the code now running


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "garbage", "empty", "bad header"])
async def test_a_damaged_snapshot_is_ignored_and_replaced(
    db: Database, tmp_path: Path, monkeypatch: MonkeyPatch, damage: str
) -> None:
    cache = tmp_path / "cache"
    first = await loaded(db, cache)
    path = snapshots_for(db, cache).path
    data = path.read_bytes()
    broken = {
        "truncated": data[: len(data) // 2],
        "flipped byte": data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:],
        "garbage": os.urandom(len(data)),
        "empty": b"",
        "bad header": MAGIC + b"{not json\n" + data[len(MAGIC) :],
    }[damage]
    path.write_bytes(broken)
    built = count_builds(monkeypatch)
    catalog = await loaded(db, cache)
    assert len(built) == 1 and answers(catalog) == answers(first)
    assert snapshots_for(db, cache).load(_stamp_of(catalog, path)) is not None  # a good one replaced it


async def test_a_payload_that_would_run_code_is_refused(db: Database, tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """Even with a matching header and digest, unpickling builds only the index's own types."""
    cache = tmp_path / "cache"
    await loaded(db, cache)
    path = snapshots_for(db, cache).path
    data = path.read_bytes()
    end = data.index(b"\n", len(MAGIC))
    header = json.loads(data[len(MAGIC) : end])
    payload = pickle.dumps(print)  # builtins.print: any callable outside the allow-list is refused
    header |= {"payload_bytes": len(payload), "payload_blake2b": hashlib.blake2b(payload).hexdigest()}
    path.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + payload)
    built = count_builds(monkeypatch)
    await loaded(db, cache)
    assert len(built) == 1


async def test_files_are_private_and_a_file_others_can_write_is_not_trusted(
    db: Database, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    await loaded(db, cache)
    path = snapshots_for(db, cache).path
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in cache.iterdir()] == [path.name]  # no temporary file left behind
    built = count_builds(monkeypatch)
    path.chmod(0o666)
    await loaded(db, cache)
    assert len(built) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # replaced by a private one
    cache.chmod(0o777)
    await loaded(db, cache)
    assert len(built) == 2  # a directory others can write into is not trusted either
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700  # and is made private again when saving


async def test_a_small_catalog_or_an_in_memory_database_gets_no_file(db: Database, tmp_path: Path) -> None:
    from bot.app import index_snapshots
    from bot.config import Settings

    catalog = Catalog(db, snapshots=IndexSnapshots(tmp_path / "cache", db.url, min_films=1000))
    await catalog.load()
    assert not (tmp_path / "cache").exists()
    memory = Database("sqlite+aiosqlite://")
    try:
        assert index_snapshots(Settings(_env_file=None), memory) is None  # type: ignore[call-arg]
        assert index_snapshots(Settings(_env_file=None, index_snapshot=False), db) is None  # type: ignore[call-arg]
    finally:
        await memory.dispose()


async def test_snapshots_of_deleted_databases_and_old_ones_are_pruned(db: Database, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    await loaded(db, cache)
    mine = snapshots_for(db, cache).path
    gone = tmp_path / "gone.sqlite3"
    async with sqlite_database(gone) as other:
        async with other.session() as session, session.begin():
            await FilmRepository(session).upsert_many(sample_films())
        await loaded(other, cache)
    theirs = snapshots_for(Database(f"sqlite+aiosqlite:///{gone}"), cache).path
    assert theirs.exists()
    gone.unlink()
    snapshots_for(db, cache).prune()
    assert mine.exists() and not theirs.exists()
    for i in range(12):  # snapshots of databases that still exist: the most recently used are kept
        (cache / f"{i:024x}.index").write_bytes(MAGIC + b"{}\n")
        os.utime(cache / f"{i:024x}.index", (1000 + i, 1000 + i))
    IndexSnapshots(cache, db.url, sqlite_file=db.file, keep=4).prune()
    assert sorted(p.name for p in cache.iterdir()) == sorted([mine.name] + [f"{i:024x}.index" for i in (9, 10, 11)])


def _stamp_of(catalog: Catalog, path: Path) -> snapshot.CatalogStamp:
    data = path.read_bytes()
    header = json.loads(data[len(MAGIC) : data.index(b"\n", len(MAGIC))])
    assert header["version"] == catalog.version
    return snapshot.CatalogStamp(header["version"], header["changed_at"], header["seeded_at"])


async def test_namesake_originals_travel_with_the_snapshot(
    db: Database, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    """The namesake rule's result (an original named by its remake) is kept with the index: a start from the
    snapshot ranks namesakes as a build does, without re-reading and re-scoring them."""
    async with db.session() as session, session.begin():
        repo = FilmRepository(session)
        await repo.add(Film(title="Quillfeather Junction", year=1961))
        await repo.add(Film(title="Quillfeather Junction", year=2011, synopsis="A remake of the 1961 film."))
    cache = tmp_path / "cache"
    built_first = await loaded(db, cache)
    assert [m.doc.year for m in built_first.index.search("quillfeather junction")][:2] == [1961, 2011]
    built = count_builds(monkeypatch)
    second = await loaded(db, cache)
    assert built == []
    assert second.known == built_first.known and second.known
    assert [m.doc.year for m in second.index.search("quillfeather junction")][:2] == [1961, 2011]
