"""Several processes started together on one empty database all come up, and the starter catalog is
imported exactly once (issue 14): the schema upgrade and "seeded? then import" run under one database lock.

Real `python -m bot` processes, started at the same moment, on a fresh PostgreSQL database and on a fresh
SQLite file. A small starter catalog (STARTER_CATALOG_FILES) keeps each run short.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.catalog import sample_films
from tests.support.pgdb import fresh_postgres_url
from tests.support.process import bot_env

PROCESSES = 3


def small_starter(tmp_path: Path) -> Path:
    path = tmp_path / "starter.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"title": f.title, "year": f.year, "original_title": f.original_title}) for f in sample_films()
        ),
        encoding="utf-8",
    )
    return path


async def start_together(env: dict[str, str], argvs: list[list[str]]) -> list[tuple[int, str]]:
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *argv,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for argv in argvs
    ]
    outs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 120)
    return [(p.returncode or 0, err.decode(errors="replace")) for p, (_, err) in zip(procs, outs, strict=True)]


ARGVS = [["db", "upgrade"], ["film", "parasite"], ["db", "upgrade"], ["film", "miracle in cell"]][:PROCESSES]


async def count_films(url: str) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text("SELECT count(*) FROM films"))).scalar_one())
    finally:
        await engine.dispose()


@pytest.mark.postgres
@pytest.mark.slow
async def test_processes_started_together_on_empty_postgres_all_come_up(tmp_path: Path) -> None:
    starter = small_starter(tmp_path)
    for attempt in range(3):  # the race used to lose in 5 of 5 tries; three rounds are plenty to catch it
        async with fresh_postgres_url() as url:
            env = bot_env(tmp_path / "unused.sqlite3") | {
                "DATABASE_URL": url,
                "STARTER_CATALOG": "true",
                "STARTER_CATALOG_FILES": json.dumps([str(starter)]),
            }
            results = await start_together(env, ARGVS)
            for code, err in results:
                assert code == 0, f"round {attempt}: {err[-2000:]}"
            assert await count_films(url) == len(sample_films())


@pytest.mark.slow
@pytest.mark.sqlite_only(reason="a new SQLite file; the PostgreSQL case is the test above")
async def test_processes_started_together_on_a_new_sqlite_file_all_come_up(tmp_path: Path) -> None:
    starter = small_starter(tmp_path)
    db = tmp_path / "club.sqlite3"
    env = bot_env(db, sqlite=True) | {"STARTER_CATALOG": "true", "STARTER_CATALOG_FILES": json.dumps([str(starter)])}
    results = await start_together(env, ARGVS)
    for code, err in results:
        assert code == 0, err[-2000:]
    assert await count_films(f"sqlite+aiosqlite:///{db}") == len(sample_films())
