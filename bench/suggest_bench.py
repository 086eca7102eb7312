"""`/random` and `/movienight suggest`: time per call, and the database's share of it.

    python -m bench.suggest_bench [--db PATH] [--calls N] [--seed 7] [--json]

On a first-run SQLite database with the shipped starter catalog (kept in --db between runs, so only the
first run pays the import; `bench.reply_bench` uses the same kind of file), N calls of each: `random`
(no genre), `random drama`, `suggest` (no genre) and `suggest drama`, one after another, through the same
services the bot runs (`FilmService.random`, `SlateService.suggest`). `db` is the repository query alone
(`FilmRepository.random_id`, the suggestion ranking `_fitting_ids`). `cpu` is the process's CPU time per
call (every thread's), which a busy machine inflates far less than wall time. Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.database import sqlite_file
from bench.stats import p50_p99_ms
from bot.app import build_services
from bot.commands import Actor
from bot.config import Settings

ACTOR = Actor("telegram", "1", "-100", display_name="Bench")


async def _time(n: int, call: Callable[[], Awaitable[Any]]) -> dict[str, float]:
    """Wall time p50/p99, and the process's CPU time p50 (all threads: a busy machine inflates it far less)."""
    await call()  # first touch of the code path and SQLite's page cache
    samples, cpu = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        await call()
        samples.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return p50_p99_ms(samples, digits=2) | {"cpu_p50": round(statistics.median(cpu) * 1000, 2)}


async def run(db_path: Path, n: int, seed: int) -> dict[str, Any]:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{db_path}", _env_file=None)  # type: ignore[call-arg]
    services = await build_services(settings, seed=seed)
    try:
        films, slate = services.films, services.movienights.slate
        result: dict[str, Any] = {"films": len(services.catalog.index), "calls": n}
        result["random_ms"] = await _time(n, lambda: films.random())
        result["random_drama_ms"] = await _time(n, lambda: films.random("drama"))
        result["suggest_ms"] = await _time(n, lambda: slate.suggest(ACTOR))
        result["suggest_drama_ms"] = await _time(n, lambda: slate.suggest(ACTOR, "drama"))
        result.update(await _db_only(services, n))
        return result
    finally:
        await services.db.dispose()


async def _db_only(services: Any, n: int) -> dict[str, Any]:
    """The repository queries alone, where this version has them (older ones had no separate entry)."""
    import random

    from bot.polls import slate as slate_module
    from bot.store.films import FilmRepository

    out: dict[str, Any] = {}
    rng = random.Random(0)
    random_id = getattr(FilmRepository, "random_id", None)
    if random_id is not None:

        async def one_id() -> None:
            async with services.db.session() as session:
                await FilmRepository(session).random_id(None, rng)

        out["db_random_ms"] = await _time(n, one_id)
    fitting = getattr(slate_module, "fitting_ids", None) or getattr(slate_module, "_fitting_ids", None)
    if fitting is not None:

        async def ranking() -> None:
            async with services.db.session() as session:
                await fitting(session, None, None, set(), None)  # no genre: the same call in every version

        out["db_suggest_ms"] = await _time(n, ranking)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="SQLite file to (re)use; default: a temporary one")
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with sqlite_file(args.db) as db:
        result = asyncio.run(run(db, args.calls, args.seed))
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['films']:,} films, {result['calls']} calls each")
    for name, figures in result.items():
        if name.endswith("_ms"):
            print(
                f"  {name[:-3]:<14} p50 {figures['p50']:8.2f} ms   p99 {figures['p99']:8.2f} ms"
                f"   cpu p50 {figures['cpu_p50']:8.2f} ms"
            )


if __name__ == "__main__":
    main()
