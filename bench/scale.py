"""Search at scale: a deterministic synthetic catalog of up to 1M films grown from the real one.

    python -m bench.scale --catalog ../shared/data/films.jsonl.gz --queries ../shared/data/queries-dev.jsonl \\
        [--sizes 10000,100000,1000000] [--limit 3000] [--json]

The first films are the real catalog (so the dev queries keep their answers); the rest are made by
`synthesize`: a real title with some words swapped for words of other real titles, a few alternative
titles derived the same way, a real film's year and votes. Same seed, same catalog, byte for byte, so
runs are comparable. Memory is measured with tracemalloc on a second build (what the index keeps);
build time on the first.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bench.search_bench import (
    load_catalog,
    load_queries,
    measure_build,
    read_records,
    recall,
    run_queries,
)
from bench.stats import percentile


def synthesize(records: Sequence[dict[str, Any]], total: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """The real records, then synthetic ones until `total`: same seed, same output."""
    yield from records[:total]
    rng = random.Random(seed)
    words = [w for rec in records for w in rec["title"].split()]
    for n in range(len(records), total):
        base = records[rng.randrange(len(records))]
        alts = [t for t in base.get("alt_titles") or () if t][: rng.choice((0, 0, 1, 2, 4))]
        yield {
            "id": f"syn:{n}",
            "title": _mutate(base["title"], words, rng),
            "year": records[rng.randrange(len(records))].get("year"),
            "original_title": None,
            "alt_titles": [_mutate(t, words, rng) for t in alts],
            "votes": records[rng.randrange(len(records))].get("votes"),
            "country": base.get("country"),
        }


def _mutate(title: str, words: Sequence[str], rng: random.Random) -> str:
    parts = title.split() or [title]
    for _ in range(1 + rng.randrange(2)):
        pos = rng.randrange(len(parts) + 1)
        word = words[rng.randrange(len(words))]
        if pos < len(parts) and rng.random() < 0.6:
            parts[pos] = word
        else:
            parts.insert(pos, word)
    return " ".join(parts)


def run_size(records: Sequence[dict[str, Any]], size: int, queries_path: Path, limit: int) -> dict[str, Any]:
    docs, ids = load_catalog(synthesize(records, size))
    queries = load_queries(queries_path, ids, limit)
    index, build_s, index_mb = measure_build(docs, "tracemalloc")
    index.search("warm up", limit=5)
    latencies, results = run_queries(index, queries, ids)
    titles = sum(len(d.all_titles()) for d in docs)
    return {
        "films": len(docs),
        "titles": titles,
        "queries": len(queries),
        "build_s": build_s,
        "index_mb": index_mb,
        "latency_ms": {p: percentile(latencies, n, default=0.0) for p, n in (("p50", 50), ("p95", 95), ("p99", 99))},
        "recall_at_1": recall(queries, results, ids, 1),
        "recall_at_5": recall(queries, results, ids, 5),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--queries", required=True)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--limit", type=int, default=3000, help="queries per size (deterministic sample)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    records = list(itertools.islice(read_records(Path(args.catalog)), max(sizes)))
    rows = []
    for size in sizes:
        row = run_size(records, size, Path(args.queries), args.limit)
        rows.append(row)
        if not args.json:
            lat = row["latency_ms"]
            print(
                f"{row['films']:>9} films {row['titles']:>9} titles  build {row['build_s']:6.2f} s  "
                f"index {row['index_mb']:7.1f} MB  p50 {lat['p50']:.3f}  p95 {lat['p95']:.3f}  "
                f"p99 {lat['p99']:.3f} ms  recall@1 {row['recall_at_1']:.4f} ({row['queries']} q)",
                flush=True,
            )
    if args.json:
        print(json.dumps(rows))
    elif len(rows) > 1:
        first, last = rows[0], rows[-1]
        factor = last["films"] / first["films"]
        print(
            f"growth x{factor:.0f} films: p50 x{last['latency_ms']['p50'] / first['latency_ms']['p50']:.1f}, "
            f"p99 x{last['latency_ms']['p99'] / first['latency_ms']['p99']:.1f}, "
            f"memory x{last['index_mb'] / first['index_mb']:.1f}, build x{last['build_s'] / first['build_s']:.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
