"""Import speed: the 152k-film shared catalog into a fresh SQLite file (or PostgreSQL), then search_docs().

    .venv/bin/python bench/import_bench.py [--file ../shared/data/films.jsonl.gz] [--url DATABASE_URL]

Prints parse time, import films/s (one transaction), re-import (all unchanged) time, and search_docs() time.
With --url pointing at PostgreSQL the tables are created in a throwaway schema, dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from bot.films.importers import parse_file  # noqa: E402
from bot.films.importers.apply import import_parsed  # noqa: E402
from bot.store.db import Database  # noqa: E402
from bot.store.films import FilmRepository  # noqa: E402


async def run(file: Path, url: str | None) -> None:
    t0 = time.perf_counter()
    batch = await asyncio.to_thread(parse_file, file)
    parse_s = time.perf_counter() - t0
    n = len(batch.films)
    print(f"file            {file.name}: {n} films")
    print(f"parse           {parse_s:6.2f} s   {n / parse_s:8.0f} films/s")
    schema = None
    with tempfile.TemporaryDirectory() as tmp:
        if url is None:
            url = f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        elif url.startswith("postgresql"):
            schema = f"bench_{uuid.uuid4().hex[:12]}"
            admin = create_async_engine(url)
            async with admin.begin() as conn:
                await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        db = Database(url, schema=schema)
        try:
            await db.upgrade()
            for label in ("import", "re-import"):
                t0 = time.perf_counter()
                report = await import_parsed(db, [batch], [file.name])
                dt = time.perf_counter() - t0
                print(f"{label:15} {dt:6.2f} s   {n / dt:8.0f} films/s   ({report.summary()}, v{report.version})")
            async with db.session() as s:
                t0 = time.perf_counter()
                docs = await FilmRepository(s).search_docs()
                dt = time.perf_counter() - t0
            titles = sum(len(d.titles) for d in docs)
            print(f"search_docs()   {dt:6.2f} s   ({len(docs)} docs, {titles} titles)")
            if schema is None:
                await startup(url)
        finally:
            await db.dispose()
            if schema is not None:
                async with admin.begin() as conn:
                    await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                await admin.dispose()
    print(f"database        {url.split('://')[0]}")


async def startup(url: str) -> None:
    """Time a bot start on the filled database: schema check, index load, services ready (as `filmbot run`)."""
    from bot.app import build_services, open_database
    from bot.config import Settings

    settings = Settings(database_url=url, starter_catalog=False, _env_file=None)  # type: ignore[call-arg]
    t0 = time.perf_counter()
    db = await open_database(settings)
    services = await build_services(settings, db=db)
    dt = time.perf_counter() - t0
    print(f"start-up        {dt:6.2f} s   to ready ({len(services.catalog.index)} films in the index)")
    await services.db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", type=Path, default=ROOT.parent / "shared" / "data" / "films.jsonl.gz")
    ap.add_argument("--url", default=None, help="database URL (default: a temporary SQLite file)")
    args = ap.parse_args()
    if not args.file.is_file():
        sys.exit(f"{args.file} not found")
    asyncio.run(run(args.file, args.url))


if __name__ == "__main__":
    main()
