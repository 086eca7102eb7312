"""What a search miss costs: one database transaction per miss (before 0006) against counting in memory and
writing in batches (`MissLog`), on a fresh SQLite file; and what the per-user rate limiter costs a command.

    .venv/bin/python bench/miss_bench.py [--misses 2000] [--queries 50]

Prints misses/s and the time the searcher waits per miss for both ways, the SQL statements each ran, and
the rate limiter's ns per check.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bot.curation.search_hooks import MissLog, query_key  # noqa: E402
from bot.curation.store import CurationRepository  # noqa: E402
from bot.ratelimit import RateLimiter  # noqa: E402
from bot.store.db import Database  # noqa: E402

NOW = datetime(2025, 1, 6, tzinfo=UTC)


def counter(db: Database) -> list[int]:
    seen = [0]

    def bump(*args: Any) -> None:
        seen[0] += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", bump)
    return seen


async def one_transaction_each(db: Database, queries: list[str]) -> float:
    start = time.perf_counter()
    for q in queries:
        async with db.session() as session, session.begin():
            await CurationRepository(session).record_miss(query_key(q), q, NOW, ("telegram", "-100"))
    return time.perf_counter() - start


async def batched(db: Database, queries: list[str]) -> tuple[float, float]:
    log = MissLog(db, lambda: NOW, flush_after=3600)
    start = time.perf_counter()
    for q in queries:
        await log.record(q, ("telegram", "-100"))
    waited = time.perf_counter() - start
    await log.flush()
    return waited, time.perf_counter() - start


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    queries = [f"no such film {i % args.queries}" for i in range(args.misses)]
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("direct", "batched"):
            db = Database(f"sqlite+aiosqlite:///{Path(tmp) / name}.sqlite3")
            await db.upgrade()
            sql = counter(db)
            if name == "direct":
                total = await one_transaction_each(db, queries)
                print(f"one transaction per miss: {args.misses / total:,.0f} misses/s, "
                      f"{total / args.misses * 1e3:.3f} ms waited per miss, {sql[0]} SQL statements")  # fmt: skip
            else:
                waited, total = await batched(db, queries)
                print(f"batched in memory:        {args.misses / total:,.0f} misses/s, "
                      f"{waited / args.misses * 1e3:.4f} ms waited per miss, {sql[0]} SQL statements "
                      f"({args.queries} distinct queries)")  # fmt: skip
            await db.dispose()
    limiter = RateLimiter(10, 1.0)
    n = 200_000
    start = time.perf_counter()
    for i in range(n):
        limiter.take("telegram", str(i % 5000))
    print(f"rate limiter: {(time.perf_counter() - start) / n * 1e9:,.0f} ns per command check (5,000 users)")


if __name__ == "__main__":
    asyncio.run(main())
