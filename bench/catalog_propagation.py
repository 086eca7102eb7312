"""How soon a catalog change committed by one real process is in another real process's search index.

    python -m bench.catalog_propagation [--changes 50] [--gap 0.2] [--url postgresql+asyncpg://…] [--json]

On a fresh database created on the PostgreSQL server of `--url` (dropped afterwards), two child processes:
a follower (services built as `filmbot run` builds them, following the catalog with `Catalog.follow`, the
fallback version check an hour away) and a writer committing `--changes` changes (adds and alias edits
alternately, `--gap` seconds apart). Each process stamps wall-clock time: the writer just after each commit,
the follower just after a refresh put a version into its index. Propagation of version v = the first
follower stamp at a version >= v minus the writer's commit stamp. Prints figures; never fails on a threshold.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench.stats import percentile

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def follower(url: str) -> None:
    from bot.app import build_services
    from bot.config import Settings

    services = await build_services(Settings(database_url=url, starter_catalog=False, _env_file=None))  # type: ignore[call-arg]
    catalog = services.catalog
    refresh = catalog.refresh_if_changed

    async def stamped() -> bool:
        changed = await refresh()
        if changed:
            print(f"{catalog.version} {time.time():.6f}", flush=True)
        return changed

    catalog.refresh_if_changed = stamped  # type: ignore[method-assign]
    stop = asyncio.Event()
    following = asyncio.create_task(catalog.follow(stop, interval=3600))
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)  # until the parent closes stdin
    stop.set()
    await following
    await services.db.dispose()


async def writer(url: str, changes: int, gap: float) -> None:
    from bot.films.model import Film
    from bot.store.db import Database
    from bot.store.films import FilmRepository

    db = Database(url)
    last: Film | None = None
    for i in range(changes):
        async with db.write() as session:
            repo = FilmRepository(session)
            if last is None or i % 2 == 0:
                last = await repo.add(Film(title=f"Propagation Bench {i}", year=2000 + i % 20))
            else:
                await repo.update(last.replace(aliases=[f"bench alias {i}"]))
            version = await repo.catalog_version()
        print(f"{version} {time.time():.6f}", flush=True)
        await asyncio.sleep(gap)
    await db.dispose()


async def child(*args: str, stdin: bool = False) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.catalog_propagation", *args,
        stdin=asyncio.subprocess.PIPE if stdin else None, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def listening(admin_url: str, database: str) -> int:
    engine = create_async_engine(admin_url)
    try:
        async with engine.connect() as conn:
            q = "SELECT count(*) FROM pg_stat_activity WHERE datname = :d AND query ILIKE 'LISTEN%'"
            return int((await conn.execute(text(q), {"d": database})).scalar_one())
    finally:
        await engine.dispose()


async def measure(url: str, changes: int, gap: float) -> dict[str, float | int]:
    name = f"filmbot_bench_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    db_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    try:
        from bot.store.bootstrap import ensure_ready
        from bot.store.db import Database

        db = Database(db_url)
        await ensure_ready(db, paths=[])
        await db.dispose()
        follow = await child("follow", db_url, stdin=True)
        assert follow.stdout is not None and follow.stdin is not None
        assert (await follow.stdout.readline()).strip() == b"ready"
        for _ in range(600):  # until the follower LISTENs (30 s at most)
            if await listening(url, name) >= 1:
                break
            await asyncio.sleep(0.05)
        seen: list[tuple[int, float]] = []

        async def read_follower() -> None:
            assert follow.stdout is not None
            while line := await follow.stdout.readline():
                version, stamp = line.split()
                seen.append((int(version), float(stamp)))

        reading = asyncio.create_task(read_follower())
        write = await child("write", db_url, str(changes), str(gap))
        out, _ = await write.communicate()
        committed = [(int(v), float(t)) for v, t in (line.split() for line in out.decode().splitlines())]
        for _ in range(600):  # until the follower holds the last version (30 s at most)
            if seen and seen[-1][0] >= committed[-1][0]:
                break
            await asyncio.sleep(0.05)
        follow.stdin.close()
        await follow.wait()
        await reading
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
    delays = []
    missed = 0
    for version, at in committed:
        arrived = next((stamp for v, stamp in seen if v >= version), None)
        if arrived is None:
            missed += 1
        else:
            delays.append((arrived - at) * 1000)
    return {
        "changes": len(committed),
        "refreshes": len(seen),
        "missed": missed,
        "p50_ms": round(statistics.median(delays), 1),
        "p99_ms": round(percentile(delays, 99), 1),
        "max_ms": round(max(delays), 1),
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "follow":
        asyncio.run(follower(sys.argv[2]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "write":
        asyncio.run(writer(sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between the writer's commits")
    parser.add_argument("--url", default=DEFAULT_URL, help="a PostgreSQL server (a fresh database is made there)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(measure(args.url, args.changes, args.gap))
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{result['changes']} changes, {result['refreshes']} refreshes in the follower, {result['missed']} missed: "
        f"propagation p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms"
    )


if __name__ == "__main__":
    main()
