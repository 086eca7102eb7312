"""Search benchmark: recall and latency of `SearchIndex` against a QRatio full-scan baseline.

    filmbot bench search --catalog ../shared/data/films.jsonl.gz --queries ../shared/data/queries-dev.jsonl
    python -m bench.search_bench --catalog ... --queries ... [--limit N] [--json] [--no-baseline] [--misses]
    python -m bench.search_bench --catalog ... --queries ... --edits 10000   # edit latency, then queries

Prints numbers; it never fails on a threshold (see bench/README.md for the figures and targets).
"""

from __future__ import annotations

import argparse
import gc
import gzip
import itertools
import json
import random
import statistics
import sys
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.stats import percentile
from bot.films.normalize import normalize_title
from bot.films.search import SearchDoc, SearchIndex, parse_query

BASELINE_SAMPLE = 1000


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    expected: str
    kind: str


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """JSON lines, gzipped or not."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def doc_from_record(film_id: int, rec: dict[str, Any]) -> SearchDoc:
    return SearchDoc(
        film_id=film_id,
        title=rec["title"],
        titles=tuple(t for t in rec.get("alt_titles") or () if t),
        year=rec.get("year"),
        votes=rec.get("votes"),
        original_title=rec.get("original_title"),
        country=rec.get("country"),
    )


def load_catalog(records: Iterable[dict[str, Any]]) -> tuple[list[SearchDoc], dict[str, int]]:
    """Docs with sequential integer ids, and the map from the catalog's string id to them."""
    docs: list[SearchDoc] = []
    ids: dict[str, int] = {}
    for rec in records:
        film_id = len(docs) + 1
        ids[str(rec["id"])] = film_id
        docs.append(doc_from_record(film_id, rec))
    return docs, ids


def load_queries(path: Path, ids: dict[str, int], limit: int | None) -> list[Query]:
    """Queries whose expected film is in the catalog (a catalog slice drops the others)."""
    out: list[Query] = []
    for rec in read_records(path):
        if rec["expected_id"] in ids:
            out.append(Query(rec["query"], rec["expected_id"], rec["kind"]))
    if limit is not None and limit < len(out):
        out = random.Random(0).sample(out, limit)
    return out


def measure_build(docs: list[SearchDoc], memory: str) -> tuple[SearchIndex, float, float]:
    """Build time (plain run) and retained index memory in MB (tracemalloc rerun, or RSS delta)."""
    gc.collect()
    rss0 = _rss_mb()
    start = time.perf_counter()
    index = SearchIndex.build(docs)
    build_s = time.perf_counter() - start
    if memory == "rss":
        gc.collect()
        return index, build_s, _rss_mb() - rss0
    del index
    gc.collect()
    tracemalloc.start()
    index = SearchIndex.build(docs)
    gc.collect()
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return index, build_s, current / 2**20


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_queries(index: SearchIndex, queries: list[Query], ids: dict[str, int]) -> tuple[list[float], list[list[int]]]:
    latencies: list[float] = []
    results: list[list[int]] = []
    for q in queries:
        start = time.perf_counter_ns()
        found = index.search(q.text, limit=5)
        latencies.append((time.perf_counter_ns() - start) / 1e6)
        results.append([m.film_id for m in found])
    return latencies, results


BASELINE_YEAR_BONUS = 10.0  # a fair naive scan uses a year written in the query, as the index does


def run_baseline(docs: list[SearchDoc], queries: list[Query]) -> tuple[list[float], list[list[int]]]:
    """rapidfuzz QRatio over every normalised title string, one full scan per query reading.

    Fair to the naive scan: a year written in the query ("Title 2019", "(2019)", "y:2019") is split off
    with the same `parse_query`, the title part scanned too, and films of that year lifted by
    BASELINE_YEAR_BONUS among its results (the literal reading, year included, still competes).
    """
    from rapidfuzz import fuzz, process

    choices: list[str] = []
    owner: list[int] = []
    year_of: dict[int, int | None] = {}
    for doc in docs:
        year_of[doc.film_id] = doc.year
        for title in doc.all_titles():
            key = normalize_title(title)
            if key:
                choices.append(key)
                owner.append(doc.film_id)
    latencies: list[float] = []
    results: list[list[int]] = []
    for q in queries:
        start = time.perf_counter_ns()
        parsed = parse_query(q.text)
        best: dict[int, float] = {}
        readings: list[tuple[str, int | None]] = [(normalize_title(q.text), None)]
        if parsed.year is not None:
            readings.append((normalize_title(parsed.text), parsed.year))
        for text, year in readings:
            for _, score, i in process.extract(text, choices, scorer=fuzz.QRatio, limit=20):
                film = owner[i]
                if year is not None and year_of[film] == year:
                    score += BASELINE_YEAR_BONUS
                if score > best.get(film, -1.0):
                    best[film] = score
        ranked = sorted(best, key=lambda film: -best[film])
        latencies.append((time.perf_counter_ns() - start) / 1e6)
        results.append(ranked[:5])
    return latencies, results


def recall(queries: list[Query], results: list[list[int]], ids: dict[str, int], k: int) -> float:
    if not queries:
        return 0.0
    return sum(ids[q.expected] in r[:k] for q, r in zip(queries, results, strict=True)) / len(queries)


def report(args: argparse.Namespace) -> dict[str, Any]:
    records = list(itertools.islice(read_records(Path(args.catalog)), args.films))
    docs, ids = load_catalog(records)
    del records
    queries = load_queries(Path(args.queries), ids, args.limit)
    base_docs, held = split_for_edits(docs, args.edits) if args.edits else (docs, [])
    index, build_s, index_mb = measure_build(base_docs, args.memory)
    index.search("warm up", limit=5)
    protected = {ids[q.expected] for q in queries}
    edits = run_edits(index, base_docs, held, protected, args.edits) if args.edits else None
    gc.collect()
    latencies, results = run_queries(index, queries, ids)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for i, q in enumerate(queries):
        by_kind[q.kind].append(i)
    per_kind = {
        kind: {
            "n": len(idx),
            "recall_at_1": recall([queries[i] for i in idx], [results[i] for i in idx], ids, 1),
            "recall_at_5": recall([queries[i] for i in idx], [results[i] for i in idx], ids, 5),
        }
        for kind, idx in sorted(by_kind.items())
    }
    out: dict[str, Any] = {
        "films": len(docs),
        "queries": len(queries),
        "recall_at_1": recall(queries, results, ids, 1),
        "recall_at_5": recall(queries, results, ids, 5),
        "per_kind": per_kind,
        "latency_ms": {p: percentile(latencies, n, default=0.0) for p, n in (("p50", 50), ("p95", 95), ("p99", 99))},
        "latency_max_ms": max(latencies, default=0.0),
        "latency_mean_ms": statistics.fmean(latencies) if latencies else 0.0,
        "build_s": build_s,
        "index_mb": index_mb,
        "memory_method": args.memory,
    }
    if edits is not None:
        out["edits"] = edits
        start = time.perf_counter()
        index.compact()
        edits["compact_s"] = time.perf_counter() - start
        gc.collect()
        c_lat, c_res = run_queries(index, queries, ids)
        edits["after_compact"] = {
            "recall_at_1": recall(queries, c_res, ids, 1),
            "recall_at_5": recall(queries, c_res, ids, 5),
            "latency_ms": {"p50": percentile(c_lat, 50, default=0.0), "p99": percentile(c_lat, 99, default=0.0)},
        }
    if not args.no_baseline:
        sample = queries if len(queries) <= BASELINE_SAMPLE else random.Random(1).sample(queries, BASELINE_SAMPLE)
        b_lat, b_res = run_baseline(docs, sample)
        out["baseline"] = {
            "scorer": "rapidfuzz QRatio full scan, year-aware",
            "queries": len(sample),
            "recall_at_1": recall(sample, b_res, ids, 1),
            "recall_at_5": recall(sample, b_res, ids, 5),
            "latency_ms": {"p50": percentile(b_lat, 50, default=0.0), "p99": percentile(b_lat, 99, default=0.0)},
        }
        ours_p50 = out["latency_ms"]["p50"]
        out["speedup_p50"] = out["baseline"]["latency_ms"]["p50"] / ours_p50 if ours_p50 else None
    if args.misses:
        id_to_ext = {v: k for k, v in ids.items()}
        out["misses"] = [
            {"query": q.text, "kind": q.kind, "expected": q.expected, "got": [id_to_ext[i] for i in r]}
            for q, r in zip(queries, results, strict=True)
            if not r or r[0] != ids[q.expected]
        ]
    return out


def split_for_edits(docs: list[SearchDoc], n: int) -> tuple[list[SearchDoc], list[SearchDoc]]:
    """The films to build the index from, and a fifth of `n` real films held back to be added as edits."""
    held_ids = set(random.Random(2).sample([d.film_id for d in docs], min(len(docs), n // 5)))
    return [d for d in docs if d.film_id not in held_ids], [d for d in docs if d.film_id in held_ids]


def run_edits(
    index: SearchIndex, docs: list[SearchDoc], held: list[SearchDoc], protected: set[int], n: int
) -> dict[str, Any]:
    """`n` deterministic edits on the built index, each timed alone; nothing compacts in between.

    Mix (seed 0): 70% re-upsert of a random film with one extra alias (its keys move to the delta),
    20% adding a held-back real film (its queries can then only be answered from the delta), 10%
    removing a film no query targets. Full rebuilds are counted, and Python's full GC pauses, which
    also land inside edits, are reported apart.
    """
    rng = random.Random(0)
    words = [w for d in docs[:20000] for w in d.title.split()]
    removable = [d.film_id for d in docs if d.film_id not in protected]
    rng.shuffle(removable)
    pending = list(held)
    rebuilds, gc_pauses, gc_start = 0, [], [0.0]
    times: list[float] = []
    real_rebuild = index._rebuild

    def counting_rebuild(batch: Iterable[SearchDoc]) -> None:
        nonlocal rebuilds
        rebuilds += 1
        real_rebuild(batch)

    def gc_watch(phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                gc_start[0] = time.perf_counter()
            else:
                gc_pauses.append((time.perf_counter() - gc_start[0]) * 1000)

    index._rebuild = counting_rebuild  # type: ignore[method-assign,assignment]
    gc.callbacks.append(gc_watch)
    counts = {"edit": 0, "add": 0, "remove": 0}
    for _ in range(n):
        r = rng.random()
        op = "add" if r < 0.2 and pending else "remove" if r < 0.3 and removable else "edit"
        counts[op] += 1
        if op == "remove":
            film_id = removable.pop()
            start = time.perf_counter_ns()
            index.remove(film_id)
        else:
            if op == "add":
                doc = pending.pop()
            else:
                old = index.get(docs[rng.randrange(len(docs))].film_id) or docs[0]
                alias = f"{old.title} {words[rng.randrange(len(words))]}"
                doc = SearchDoc(old.film_id, old.title, (*old.titles, alias), old.year, old.votes, old.original_title)
            start = time.perf_counter_ns()
            index.upsert(doc)
        times.append((time.perf_counter_ns() - start) / 1e6)
    del index._rebuild
    gc.callbacks.remove(gc_watch)
    return {
        "edits": n,
        "ops": counts,
        "rebuilds": rebuilds,
        "delta_keys": index.delta_size,
        "gc_full_collections": len(gc_pauses),
        "gc_full_max_ms": max(gc_pauses, default=0.0),
        "edit_ms": {
            "p50": percentile(times, 50, default=0.0),
            "p99": percentile(times, 99, default=0.0),
            "max": max(times, default=0.0),
            "total_s": sum(times) / 1000,
        },
    }


def print_text(out: dict[str, Any]) -> None:
    print(f"films {out['films']}  queries {out['queries']}")
    print(f"recall@1 {out['recall_at_1']:.4f}  recall@5 {out['recall_at_5']:.4f}")
    for kind, row in out["per_kind"].items():
        print(f"  {kind:15} n={row['n']:6}  @1 {row['recall_at_1']:.4f}  @5 {row['recall_at_5']:.4f}")
    lat = out["latency_ms"]
    print(
        f"latency ms  p50 {lat['p50']:.3f}  p95 {lat['p95']:.3f}  p99 {lat['p99']:.3f}  max {out['latency_max_ms']:.2f}"
    )
    print(f"build {out['build_s']:.2f} s  index {out['index_mb']:.1f} MB ({out['memory_method']})")
    if "edits" in out:
        e, t = out["edits"], out["edits"]["edit_ms"]
        print(
            f"edits {e['edits']} {e['ops']} before the queries: "
            f"p50 {t['p50']:.3f}  p99 {t['p99']:.3f}  max {t['max']:.2f} ms  total {t['total_s']:.2f} s  "
            f"rebuilds {e['rebuilds']}  delta keys {e['delta_keys']}"
        )
        if e["gc_full_collections"]:
            print(f"  (of which Python's full GC: {e['gc_full_collections']}x, longest {e['gc_full_max_ms']:.1f} ms)")
        c = e["after_compact"]
        print(
            f"after compact() ({e['compact_s']:.2f} s, same catalog, empty delta): recall@1 {c['recall_at_1']:.4f}  "
            f"@5 {c['recall_at_5']:.4f}  p50 {c['latency_ms']['p50']:.3f}  p99 {c['latency_ms']['p99']:.3f} ms"
        )
    if "baseline" in out:
        b = out["baseline"]
        print(
            f"baseline ({b['scorer']}, {b['queries']} queries): recall@1 {b['recall_at_1']:.4f}  "
            f"p50 {b['latency_ms']['p50']:.2f} ms  p99 {b['latency_ms']['p99']:.2f} ms  "
            f"speedup_p50 {out['speedup_p50']:.1f}x"
        )
    for miss in out.get("misses", []):
        print(f"MISS [{miss['kind']}] {miss['query']!r} expected {miss['expected']} got {miss['got']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="filmbot bench search", description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", required=True, help="films JSON lines (.gz ok), shared schema")
    parser.add_argument("--queries", required=True, help="queries JSON lines: query, expected_id, kind")
    parser.add_argument("--limit", type=int, default=None, help="run a deterministic sample of N queries")
    parser.add_argument("--films", type=int, default=None, help="use only the first N films of the catalog")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-baseline", action="store_true", help="skip the QRatio full-scan baseline")
    parser.add_argument("--misses", action="store_true", help="list queries whose top hit is wrong")
    parser.add_argument("--edits", type=int, default=0, help="time N upserts/removals before the queries")
    parser.add_argument(
        "--memory",
        choices=("tracemalloc", "rss"),
        default="tracemalloc",
        help="index memory: tracemalloc of a second build (default) or RSS delta of the first",
    )
    args = parser.parse_args(argv)
    out = report(args)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print_text(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
