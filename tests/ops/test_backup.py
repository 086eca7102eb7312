"""`filmbot db dump` / `filmbot db restore`: every table, exactly, between SQLite and PostgreSQL (issue 14).

A SQLite club is filled through the real services (films with all their parts, a closed and an open movie
night with ballots, nominations, chat settings, audit entries, search misses, a report), dumped by a real
`filmbot db dump` process, restored by `filmbot db restore` into a new PostgreSQL database, dumped again:
the two files are identical, and every table the migrations create had rows in them. The refusals and a
restore into an empty database are tested on the run's store (FILMBOT_TEST_DATABASE).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.commands import Actor, CommandContext
from bot.curation.service import curation_of
from bot.polls import movienight_service
from bot.replies import PollCard
from bot.services import Services
from bot.store.backup import BackupProblem, dump, restore
from bot.store.db import Database
from tests.dbutil import sqlite_database
from tests.support.catalog import make_services
from tests.support.pgdb import fresh_postgres_url
from tests.support.process import bot_env
from tests.support.testdb import new_postgres_url, on_postgres

OWNER = Actor("telegram", "1", "-100", is_owner=True, is_group_admin=True, display_name="Ada")


async def run(services: Services, actor: Actor, line: str) -> None:
    parsed = services.registry.resolve_text(line)
    assert isinstance(parsed, tuple), parsed
    spec, raw = parsed
    await services.registry.run(spec, CommandContext(actor, services), raw)


async def fill(tmp_path: Path, *, sqlite: bool = False) -> str:
    """A club with a row in every table, in this run's test store (or in a SQLite file, with `sqlite`); returns
    the database's URL."""
    services = await make_services(tmp_path, sqlite=sqlite)
    url = services.db.url
    ctx = CommandContext(OWNER, services)
    for title in ("parasite", "spirited away", "1917"):
        await run(services, OWNER, f"/movienight nominate {title}")
    card = await services.registry.run(services.registry.get("poll", group="movienight"), ctx, {"hours": 2})  # type: ignore[arg-type]
    assert isinstance(card, PollCard)
    mn = movienight_service(services)
    await mn.record_ballot(card.night_id, "u1", [card.options[1].film_id])
    await mn.record_ballot(card.night_id, "u2", [card.options[0].film_id])
    await mn.close(card.night_id, OWNER)
    await run(services, OWNER, "/movienight nominate amelie")
    await run(services, OWNER, "/movienight nominate 1917")
    await services.registry.run(services.registry.get("poll", group="movienight"), ctx, {"hours": 5})  # type: ignore[arg-type]
    await run(services, OWNER, "/movienight settings poll_hours 12")
    curation = curation_of(services)
    await curation.alias(OWNER, "parasite", "기생충 (film)")
    await curation.edit(OWNER, "1917", "synopsis", "Two soldiers cross no man's land. «Ünïcödé» ✓")
    await curation.report_wrong_film(Actor("telegram", "5", "-100"), card.options[0].film_id, "paracite", "wrong")
    await services.films.search("zzqx nothing like this")
    await curation.remove(OWNER, "amélie")
    learning = services.films.learning
    assert learning is not None
    learning.chosen("solaris", card.options[0].film_id)  # a pick from a "did you mean" picker
    from bot.app import close_services

    await close_services(services)
    return url


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[Database]:
    db = Database(url)
    try:
        yield db
    finally:
        await db.dispose()


async def empty_store(tmp_path: Path) -> str:
    """A migrated, empty database in this run's test store: a SQLite file, or a new PostgreSQL database."""
    if on_postgres():
        return await asyncio.to_thread(new_postgres_url, migrated=True)
    async with sqlite_database(tmp_path / "new.sqlite3") as db:
        return db.url


async def cli(env: dict[str, str], *argv: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, err.decode(errors="replace")


@pytest.mark.postgres
@pytest.mark.slow
async def test_dump_restore_round_trips_sqlite_to_postgres_exactly(tmp_path: Path) -> None:
    # The source is a SQLite file by design, whatever the run's store (moving a club from the embedded default).
    await fill(tmp_path, sqlite=True)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl.gz"
    env = bot_env(tmp_path / "filmbot.sqlite3", sqlite=True)
    code, err = await cli(env, "db", "dump", "-o", str(first))
    assert code == 0 and f"dumped {len(first.read_text().splitlines()) - 1} rows to {first}" in err, err
    header = json.loads(first.read_text(encoding="utf-8").splitlines()[0])
    lines = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()[1:]]
    filled = {record["table"] for record in lines}
    assert set(header["tables"]) == filled, f"tables without rows: {set(header['tables']) - filled}"
    assert {"films", "film_titles", "movie_nights", "movie_night_ballots", "audit_log", "search_misses"} <= filled

    async with fresh_postgres_url() as url:
        pg = env | {"DATABASE_URL": url}
        code, err = await cli(pg, "db", "restore", str(first))
        assert code == 0, err
        code, err = await cli(pg, "db", "dump", "-o", str(second))
        assert code == 0, err
        import gzip

        assert gzip.decompress(second.read_bytes()).decode("utf-8") == first.read_text(encoding="utf-8")
        # The restored database is usable: new ids continue after the restored ones.
        new = tmp_path / "new.jsonl"
        new.write_text(json.dumps({"title": "Burning", "year": 2018}), encoding="utf-8")
        code, err = await cli(pg, "import", "--quiet", str(new))
        assert code == 0, err
        # A second restore into the now-filled database is refused and changes nothing.
        code, err = await cli(pg, "db", "restore", str(first))
        assert code == 1 and "already holds data" in err and "--force" in err
        code, err = await cli(pg, "db", "restore", "--force", str(first))
        assert code == 0, err


async def test_restore_refuses_a_database_with_data_and_bad_files(tmp_path: Path) -> None:
    async with opened(await fill(tmp_path)) as db:
        backup = tmp_path / "b.jsonl"
        with backup.open("w", encoding="utf-8") as out:
            rows = await dump(db, out)
        assert rows > 20
        lines = backup.read_text(encoding="utf-8").splitlines(keepends=True)
        with pytest.raises(BackupProblem, match="already holds data"):
            await restore(db, lines)
        with pytest.raises(BackupProblem, match="not a filmbot backup"):
            await restore(db, ['{"hello": 1}\n'], force=True)
        with pytest.raises(BackupProblem, match="line 3"):
            await restore(db, [lines[0], lines[1], '{"table": "nope", "row": {}}\n'], force=True)
        async with db.session() as s:  # the failed forced restore changed nothing
            assert (await s.execute(text("SELECT count(*) FROM films"))).scalar_one() > 5
        report = await restore(db, lines, force=True)
        assert report.rows == rows
    async with opened(await empty_store(tmp_path)) as empty:
        await restore(empty, lines)
        with (tmp_path / "again.jsonl").open("w", encoding="utf-8") as out:
            await dump(empty, out)
    assert (tmp_path / "again.jsonl").read_text(encoding="utf-8") == "".join(lines)
