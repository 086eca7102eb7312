"""Nothing acknowledged is lost under real concurrency on PostgreSQL (issue 16 §4, issue 11 importer).

Each writer is its own `Database` (its own engine and connection pool) on one schema, as separate bot
processes would be; imports run in separate OS processes. Rounds are repeated so an unlocked
read-modify-write would be caught interleaving, not only by luck.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.commands import Actor
from bot.config import Settings
from bot.curation.service import curation_of
from bot.curation.store import CurationRepository
from bot.films.importers.apply import import_films
from bot.films.model import Credit, Film
from bot.replies import FilmCard, Problem
from bot.services import Services
from bot.store.db import Database
from bot.store.films import FilmRepository
from tests.dbutil import POSTGRES_URL, postgres_skip_reason

pytestmark = pytest.mark.postgres
ADMIN_A = Actor("telegram", "1", "c1", is_owner=True, display_name="Ada")
ADMIN_B = Actor("discord", "2", "c2", is_owner=True, display_name="Bo")


@pytest.fixture
async def pg_schema() -> AsyncIterator[Callable[[], Database]]:
    """A fresh migrated schema and a factory of independent Databases on it (dropped afterwards)."""
    if (reason := await postgres_skip_reason()) is not None:
        pytest.skip(reason)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_async_engine(POSTGRES_URL)
    opened: list[Database] = []
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def factory() -> Database:
        db = Database(POSTGRES_URL, schema=schema)
        opened.append(db)
        return db

    try:
        await factory().upgrade()
        yield factory
    finally:
        for db in opened:
            await db.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def services_on(db: Database) -> Services:
    from bot.app import build_services

    settings = Settings(database_url=POSTGRES_URL, starter_catalog=False, _env_file=None)  # type: ignore[call-arg]
    return await build_services(settings, db=db, seed=1)


async def test_concurrent_edits_of_one_film_both_survive_with_true_audit(
    pg_schema: Callable[[], Database],
) -> None:
    first = pg_schema()
    async with first.write() as s:
        stored = await FilmRepository(s).add(Film(title="Parasite", year=2019, country="Korea"))
    assert stored.id is not None
    a, b = await services_on(first), await services_on(pg_schema())
    for round_ in range(8):
        runtime, synopsis = str(100 + round_), f"Round {round_} synopsis."
        replies = await asyncio.gather(
            curation_of(a).edit(ADMIN_A, f"#{stored.id}", "runtime", runtime),
            curation_of(b).edit(ADMIN_B, f"#{stored.id}", "synopsis", synopsis),
        )
        assert all(isinstance(r, FilmCard) for r in replies), replies
        async with pg_schema().session() as s:
            film = await FilmRepository(s).get(stored.id)
        assert film is not None
        assert (film.runtime_minutes, film.synopsis) == (int(runtime), synopsis), f"round {round_}"
    async with first.session() as s:
        audit = list(reversed(await CurationRepository(s).audit(stored.id, limit=100)))
    for field in ("runtime", "synopsis"):
        rows = [e for e in audit if e.field == field]
        assert len(rows) == 8
        for before, after in itertools.pairwise(rows):
            assert after.old_value == before.new_value  # each audit row's "old" is what really was there


async def test_identical_adds_at_once_make_one_film_and_the_other_is_told(pg_schema: Callable[[], Database]) -> None:
    dbs = [pg_schema() for _ in range(4)]
    services = [await services_on(db) for db in dbs]
    replies = await asyncio.gather(
        *(curation_of(s).add_text(ADMIN_A, "Title: Late Spring; Year: 1949") for s in services)
    )
    cards = [r for r in replies if isinstance(r, FilmCard)]
    refused = [r for r in replies if isinstance(r, Problem)]
    assert len(cards) == 1 and len(refused) == 3, replies
    assert all("already in the catalog" in p.message for p in refused)
    async with dbs[0].session() as s:
        assert await FilmRepository(s).count(include_removed=True) == 1


IMPORT_SCRIPT = """
import asyncio, sys
from pathlib import Path
from bot.films.importers.apply import import_films
from bot.store.db import Database

async def main() -> None:
    db = Database(sys.argv[1], schema=sys.argv[2])
    try:
        report = await import_films(db, [Path(sys.argv[3])])
        print(report.added, report.unchanged)
    finally:
        await db.dispose()

asyncio.run(main())
"""


async def test_overlapping_imports_of_one_file_in_two_processes_add_no_duplicates(
    pg_schema: Callable[[], Database], tmp_path: Path
) -> None:
    db = pg_schema()
    async with db.session() as s:
        schema = (await s.execute(text("SELECT current_schema()"))).scalar_one()
    path = tmp_path / "films.jsonl"
    records = [{"title": f"Film {i}", "year": 1950 + i % 60, "genres": ["Drama"]} for i in range(600)]
    records += [{"id": f"ml:{i}", "title": f"Listed {i}", "year": 1990} for i in range(400)]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", IMPORT_SCRIPT, POSTGRES_URL, schema, str(path),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outs = [await asyncio.wait_for(p.communicate(), 120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1].decode()[-2000:] for o in outs]
    results = sorted(tuple(map(int, o[0].split())) for o in outs)
    assert results == [(0, 1000), (1000, 0)]
    async with db.session() as s:
        assert await FilmRepository(s).count(include_removed=True) == 1000


async def test_same_title_and_year_from_two_sources_stay_two_films(pg_schema: Callable[[], Database]) -> None:
    """Issue 11: merge on the same external id or agreeing people; otherwise keep both."""
    db = pg_schema()
    path_records = [
        # two different 1928 films of one title, from two sources, nobody named: kept apart
        {"id": "ml:1", "title": "The Wedding March", "year": 1928},
        {"id": "gg:9", "title": "The Wedding March", "year": 1928},
        # disagreeing directors: kept apart
        {"id": "ml:2", "title": "Men with Guns", "year": 1997, "directors": ["Kari Skogland"]},
        {"id": "wiki:Men_with_Guns", "title": "Men with Guns", "year": 1997, "directors": ["John Sayles"]},
        # agreeing directors across sources: one film with both ids
        {"id": "ml:3", "title": "The Producers", "year": 1968, "directors": ["Mel Brooks"]},
        {"id": "wiki:The_Producers", "title": "The Producers", "year": 1968, "directors": ["Mel Brooks"]},
    ]
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for i, rec in enumerate(path_records):  # one import per record, as separate files would arrive
            p = Path(tmp) / f"r{i}.jsonl"
            p.write_text(json.dumps(rec) + "\n", encoding="utf-8")
            await import_films(db, [p])
    async with db.session() as s:
        films = [f async for f in FilmRepository(s).iter_films()]
    by_title: dict[str, list[Film]] = {}
    for f in films:
        by_title.setdefault(f.title, []).append(f)
    assert len(by_title["The Wedding March"]) == 2
    assert len(by_title["Men with Guns"]) == 2
    assert [f.external_ids for f in by_title["The Producers"]] == [{"ml": "3", "wiki": "The_Producers"}]
    assert Credit("Mel Brooks", "director") in by_title["The Producers"][0].credits
