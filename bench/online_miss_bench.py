"""What asking the online sources adds to a /film miss (issue 12): bot-side, excluding the fake's delay.

    python -m bench.online_miss_bench [--runs 200]

A real Services (sample catalog, SQLite) with TMDB and Wikidata pointed at the loopback fakes, answering at
once (so every millisecond measured is ours: HTTP client, JSON, mapping, the store's duplicate check).
Prints, as medians and p95 over `--runs` misses:
- the store's answer (`registry.handle`, what the user gets first) with the sources enabled and disabled;
- `look_online` (what runs after that answer, before the message is edited) with TMDB up, and with both
  sources down (circuit breakers open after a failure: no network).
Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.stats import percentile
from bot.commands import Actor
from bot.replies import FilmList
from bot.services import Services
from bot.sources.online import look_online
from tests.fakes.sources import FakeTmdb, FakeWikidata, tmdb_movie
from tests.support.catalog import make_services

ACTOR = Actor("console", "bench", "bench")
QUERY = "/film train to busan"


def figures(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:.2f} ms, p95 {percentile(samples, 95) * 1000:.2f} ms"


async def timed_answers(services: Services, runs: int) -> tuple[list[float], FilmList]:
    times, reply = [], None
    for _ in range(runs):
        t = time.perf_counter()
        reply = await services.registry.handle(QUERY, services, ACTOR)
        times.append(time.perf_counter() - t)
    assert isinstance(reply, FilmList), reply
    return times, reply


async def run(runs: int) -> None:
    tmdb, wikidata = FakeTmdb(), FakeWikidata()
    tmdb.add(tmdb_movie(396535, "Train to Busan", "부산행", "2016-07-20", director="Yeon Sang-ho", runtime=118))
    await tmdb.start()
    await wikidata.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            offline = await make_services(Path(tmp) / "a")
            base, _ = await timed_answers(offline, runs)
            await offline.db.dispose()
            online = await make_services(
                Path(tmp) / "b",
                tmdb={"read_token": tmdb.token, "base_url": tmdb.url, "timeout": 0.5},
                wikidata={"contact": "bench@example.org", "base_url": wikidata.url, "timeout": 0.5},
            )
            answers, reply = await timed_answers(online, runs)
            print(f"store answer, sources disabled: {figures(base)}")
            print(f"store answer, sources enabled:  {figures(answers)}  (the online look-up runs after it)")
            up = []
            for _ in range(runs):
                t = time.perf_counter()
                found = await look_online(online, reply)
                up.append(time.perf_counter() - t)
            assert found is not None and found.found_online, "TMDB's find was not offered"
            print(f"look_online, TMDB up (search + details, answered at once): {figures(up)}")
            assert online.sources.tmdb is not None and online.sources.wikidata is not None
            online.sources.tmdb.breaker.failure()
            online.sources.wikidata.breaker.failure()
            down = []
            for _ in range(runs):
                t = time.perf_counter()
                found = await look_online(online, reply)
                down.append(time.perf_counter() - t)
            assert found is None
            print(f"look_online, both sources down (breakers open): {figures(down)}")
            await online.sources.close()
            await online.db.dispose()
    finally:
        await tmdb.stop()
        await wikidata.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    asyncio.run(run(parser.parse_args().runs))


if __name__ == "__main__":
    main()
