"""A whole `/film` reply inside the process, and where its time goes: search, card build, render.

    python -m bench.reply_bench [--db PATH] [--queries N] [--seed 7] [--lang ko] [--json]

On a first-run SQLite database with the shipped starter catalog (kept in --db between runs, so only the
first run pays the import), N `/film` queries typed as a user would (a film's title, some with a typo)
go through `FilmService.lookup`, one after another: `reply_cold` is each film's first card since start
(read from the database), `reply` the same queries again (the film cache holds those films). The split
times the same steps separately: `search` is the index search plus the card-or-picker decision, `card`
reading the film and building the FilmCard (`card_cold`: with an empty film cache), `render` the Telegram
HTML and the Discord embed of that card. `*_cpu` is the process's CPU time for the same step (every thread:
the event loop's and the database driver's), which a busy machine inflates far less than wall time;
`statements_per_cold_card` counts the SQL statements (BEGIN included) a card read from the database runs.
`--lang ko` (or ja) runs it all in that language: cards with local titles, Babel's runtimes and dates, and the
other matches named in that language (their films read through the cache). Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from adapters.discord.render import render as discord_render
from adapters.telegram.render import render as telegram_render
from bench.database import sqlite_file
from bench.stats import p50_p99_ms
from bench.typing_model import typo
from bot.app import build_services
from bot.config import Settings
from bot.films.search import parse_query
from bot.films.service import PICKER_SIZE, resolve
from bot.i18n import speaking
from bot.i18n.formats import load_language
from bot.replies import FilmCard


class _Clock:
    """Wall and process CPU time of one step."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self._t = self._c = 0.0

    def start(self) -> None:
        self._t, self._c = time.perf_counter(), time.process_time()

    def stop(self) -> None:
        self.wall.append(time.perf_counter() - self._t)
        self.cpu.append(time.process_time() - self._c)


async def run(db_path: Path, n: int, seed: int, language: str = "en") -> dict[str, Any]:
    await asyncio.to_thread(load_language, language)  # Babel's data, before any timing
    with speaking(language):
        return await _run(db_path, n, seed)


async def _run(db_path: Path, n: int, seed: int) -> dict[str, Any]:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{db_path}", _env_file=None)  # type: ignore[call-arg]
    services = await build_services(settings, seed=seed)
    try:
        rng = random.Random(seed)
        docs = services.catalog.index.all_docs()
        picks = [rng.choice(docs) for _ in range(n)]
        queries = [typo(d.title, rng) if rng.random() < 0.3 else d.title for d in picks]
        films, index, catalog = services.films, services.catalog.index, services.catalog
        # warm-up on other films: first touch of each code path and of SQLite's page cache
        for d in rng.sample(docs, min(200, len(docs))):
            await films.lookup(d.title)
        catalog.cache.clear()
        statements = [0]

        def count(*_: Any) -> None:
            statements[0] += 1

        event.listen(services.db.engine.sync_engine, "before_cursor_execute", count)
        kinds: dict[str, int] = {}
        cold = _Clock()  # each film's first card since start: read from the database
        for q in queries:
            cold.start()
            reply = await films.lookup(q)
            cold.stop()
            kinds[type(reply).__name__] = kinds.get(type(reply).__name__, 0) + 1
        total = _Clock()  # the same queries again: cards of films asked for before
        for q in queries:
            total.start()
            await films.lookup(q)
            total.stop()
        search: list[float] = []
        card_cold = _Clock()
        card = _Clock()
        render: list[float] = []
        catalog.cache.clear()
        statements[0] = 0
        for clock in (card_cold, card):  # the split, first with an empty film cache, then with it filled
            for q in queries:
                t0 = time.perf_counter()
                found = resolve(index.search(q, limit=PICKER_SIZE * 2), parse_query(q).year)
                t1 = time.perf_counter()
                if clock is card:
                    search.append(t1 - t0)
                if found.best is None or not found.clear:
                    continue
                clock.start()
                built = await films.card(found.best.film_id, match=found.best)
                clock.stop()
                t2 = time.perf_counter()
                assert isinstance(built, FilmCard)
                if clock is card:
                    telegram_render(built)
                    discord_render(built)
                    render.append(time.perf_counter() - t2)
            if clock is card_cold:
                per_cold_card = statements[0] / max(1, len(card_cold.wall))
        event.remove(services.db.engine.sync_engine, "before_cursor_execute", count)
        return {
            "films": len(index),
            "queries": n,
            "replies": kinds,
            "reply_cold_ms": p50_p99_ms(cold.wall),
            "reply_ms": p50_p99_ms(total.wall),
            "search_ms": p50_p99_ms(search),
            "card_cold_ms": p50_p99_ms(card_cold.wall),
            "card_ms": p50_p99_ms(card.wall),
            "render_ms": p50_p99_ms(render),
            "reply_cold_cpu_ms": p50_p99_ms(cold.cpu),
            "reply_cpu_ms": p50_p99_ms(total.cpu),
            "card_cold_cpu_ms": p50_p99_ms(card_cold.cpu),
            "card_cpu_ms": p50_p99_ms(card.cpu),
            "statements_per_cold_card": round(per_cold_card, 2),
            "card_cache": catalog.cache_info(),
        }
    finally:
        await services.db.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="SQLite file to (re)use; default: a temporary one")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lang", default="en", help="the language of the replies: en, ko or ja (default: en)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with sqlite_file(args.db) as db:
        result = asyncio.run(run(db, args.queries, args.seed, args.lang))
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['films']:,} films, {result['queries']:,} /film queries in {args.lang}: {result['replies']}")
    for name in ("reply_cold", "reply", "search", "card_cold", "card", "render"):
        figures = result[f"{name}_ms"]
        line = f"  {name:<10} p50 {figures['p50']:.3f} ms   p99 {figures['p99']:.3f} ms"
        if (cpu := result.get(f"{name}_cpu_ms")) is not None:
            line += f"   cpu p50 {cpu['p50']:.3f} ms   p99 {cpu['p99']:.3f} ms"
        print(line)
    print(f"  SQL statements per card read from the database: {result['statements_per_cold_card']}")
    print(f"  film cache: {result['card_cache']}")


if __name__ == "__main__":
    main()
