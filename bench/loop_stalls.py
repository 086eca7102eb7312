"""How long the event loop is held by catalog work on a fresh install (figures, not a pass/fail test).

    python -m bench.loop_stalls [--db PATH]

A first-run SQLite database with the shipped starter catalog (prepared like `filmbot run` does), the catalog
loaded, then: an admin adds a film and the refresh tick runs; another process changes every film (a re-import)
and the refresh tick builds a new index in a worker thread; an admin exports the catalog. For each step a
ticker on the loop (every 1 ms) records the longest gap between its wake-ups: the longest time anything held
the loop, whether our code, the GIL held by a worker thread, or a busy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.database import sqlite_file


class Ticker:
    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last)
            last = now

    async def measure(self, step: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
        self.longest = 0.0
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0.01)
        started = time.perf_counter()
        await step()
        took = time.perf_counter() - started
        await asyncio.sleep(0.01)
        self._task.cancel()
        return took, self.longest


async def main(db_path: Path) -> None:
    from bot.app import build_services
    from bot.commands import Actor
    from bot.config import Settings
    from bot.curation.service import curation_of
    from bot.films.model import Film
    from bot.replies import FileReply
    from bot.store.films import FilmRepository

    settings = Settings(database_url=f"sqlite+aiosqlite:///{db_path}", _env_file=None)  # type: ignore[call-arg]
    ticker = Ticker()
    services: Any = None

    async def start() -> None:
        nonlocal services
        services = await build_services(settings)

    took, longest = await ticker.measure(start)
    print(f"start-up (seed {'+ ' if took > 5 else ''}load): {took:.2f} s, longest loop stall {longest * 1000:.1f} ms")
    catalog = services.catalog
    admin = Actor("telegram", "1", "1", is_owner=True)

    async def add_and_refresh() -> None:
        async with services.db.session() as session, session.begin():
            film = await FilmRepository(session).add(Film(title="Zyxwv Quartet", year=2031))
        catalog.film_changed(film)
        await catalog.refresh_if_changed()

    took, longest = await ticker.measure(add_and_refresh)
    print(f"admin add + refresh: {took * 1000:.0f} ms, longest loop stall {longest * 1000:.1f} ms")

    other = services.db.twin()
    async with other.session() as session, session.begin():
        repo = FilmRepository(session)
        films = [f.replace(votes=(f.votes or 0) + 1) async for f in repo.iter_films()]
        await repo.upsert_many(films)
    await other.dispose()

    took, longest = await ticker.measure(catalog.refresh_if_changed)
    print(f"refresh after another process changed {len(films)} films: {took:.2f} s, "
          f"longest loop stall {longest * 1000:.1f} ms")  # fmt: skip

    reply: Any = None

    async def export() -> None:
        nonlocal reply
        reply = await curation_of(services).export(admin)

    took, longest = await ticker.measure(export)
    size = reply.size if isinstance(reply, FileReply) else 0
    print(f"export ({size / 1e6:.1f} MB file): {took:.2f} s, longest loop stall {longest * 1000:.1f} ms")
    if isinstance(reply, FileReply) and reply.path is not None:
        reply.path.unlink(missing_ok=True)
    await services.db.dispose()


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="SQLite file (default: a fresh one in a temporary directory)")
    args = parser.parse_args()
    with sqlite_file(args.db) as db:
        asyncio.run(main(db))


if __name__ == "__main__":
    run()
