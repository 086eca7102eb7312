"""`/search` word index on the shared catalog: build time, memory and query latency.

    python -m bench.words_bench [--catalog ../shared/data/films.jsonl.gz] [--queries 2000]

Queries are two words drawn (seeded) from random films' titles, in random order, as people type `/search`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import time
import tracemalloc
from pathlib import Path

from bot.films.search import SearchDoc
from bot.films.words import WordIndex

ROOT = Path(__file__).resolve().parents[1]


def load(path: Path) -> list[SearchDoc]:
    docs = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for i, line in enumerate(lines):
            d = json.loads(line)
            titles = tuple(t for t in [d["title"], d.get("original_title"), *(d.get("alt_titles") or [])] if t)
            docs.append(SearchDoc(i, d["title"], titles, d.get("year"), d.get("votes")))
    return docs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catalog", type=Path, default=ROOT.parent / "shared" / "data" / "films.jsonl.gz")
    ap.add_argument("--queries", type=int, default=2000)
    args = ap.parse_args(argv)
    docs = load(args.catalog)
    tracemalloc.start()
    started = time.perf_counter()
    index = WordIndex.build(docs)
    build_s = time.perf_counter() - started
    memory_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    rng = random.Random(1)
    queries: list[str] = []
    while len(queries) < args.queries:
        words = rng.choice(docs).title.split()
        if len(words) >= 2:
            queries.append(" ".join(rng.sample(words, 2)))
    latencies = []
    for query in queries:
        started = time.perf_counter()
        index.search(query, limit=50)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    print(f"films {len(docs)}  build {build_s:.2f} s  memory {memory_mb:.0f} MB (tracemalloc)")
    print(f"queries {len(queries)}  p50 {pct(0.5):.2f} ms  p95 {pct(0.95):.2f} ms  p99 {pct(0.99):.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
