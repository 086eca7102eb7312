"""Enrichment throughput against the fake TMDB, and what a source lookup costs up and down.

    python -m bench.enrich_bench [--films 500]

Prints films/s of `enrich` (matched by TMDB id, and by title + year + director through search), and the
bot-side cost of one TMDB search: with the fake answering at once (loopback round trip + parsing) and
with the circuit open after a failure (no network). Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

from bench.stats import percentile
from bot.commands import Actor
from bot.films.model import Credit, Film
from bot.sources import SourceError, TmdbClient
from bot.sources.enrich import enrich
from bot.store.bootstrap import ensure_ready
from bot.store.db import Database
from bot.store.films import FilmRepository
from tests.fakes.sources import FakeTmdb, tmdb_movie

ACTOR = Actor("cli", "bench", "cli", is_owner=True)


async def run(films: int) -> None:
    server = FakeTmdb()
    for i in range(1, films + 1):
        server.add(tmdb_movie(i, f"Bench Film {i}", f"Bench Film {i}", "2001-02-03", director=f"Director {i}",
                              runtime=90 + i % 60, trailer=f"yt{i}", imdb=f"tt{i:07d}"))  # fmt: skip
    await server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for label, by_id in (("by TMDB id", True), ("by title + year + director", False)):
                db = Database(f"sqlite+aiosqlite:///{Path(tmp) / label.replace(' ', '_')}.sqlite3")
                await ensure_ready(db, paths=[])
                stored = [
                    Film(f"Bench Film {i}", year=2001, credits=[Credit(f"Director {i}", "director")],
                         external_ids={"tmdb": str(i)} if by_id else {})
                    for i in range(1, films + 1)
                ]  # fmt: skip
                async with db.write() as session:
                    await FilmRepository(session).upsert_many(stored)
                client = TmdbClient(read_token=server.token, base_url=server.url)
                t = time.perf_counter()
                summary = await enrich(db, client, ACTOR, per_second=1e9)
                seconds = time.perf_counter() - t
                await client.close()
                await db.dispose()
                rate = films / seconds
                print(f"enrich {label}: {summary.enriched}/{films} films in {seconds:.2f} s = {rate:.0f} films/s")
            client = TmdbClient(read_token=server.token, base_url=server.url, timeout=0.2)
            up = []
            for _ in range(200):
                t = time.perf_counter()
                await client.search("Bench Film 7", 2001)
                up.append((time.perf_counter() - t) * 1000)
            server.fail(500)
            with contextlib.suppress(SourceError):
                await client.search("x")
            down = []
            for _ in range(1000):
                t = time.perf_counter()
                with contextlib.suppress(SourceError):
                    await client.search("x")
                down.append((time.perf_counter() - t) * 1000)
            await client.close()
            print(f"TMDB search, source up (fake answers at once, {films} films in it): "
                  f"median {statistics.median(up):.2f} ms, p95 {percentile(up, 95):.2f} ms")  # fmt: skip
            print(f"TMDB search, source down (breaker open): median {statistics.median(down) * 1000:.1f} µs, "
                  f"max {max(down) * 1000:.1f} µs")  # fmt: skip
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--films", type=int, default=500)
    args = parser.parse_args(argv)
    asyncio.run(run(args.films))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
