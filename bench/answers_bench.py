"""Answers benchmark: what `/film <query>` answers (card, picker, miss), judged against the film meant.

    filmbot bench answers --queries ../shared/data/user-queries-dev.jsonl            # shipped starter catalog
    filmbot bench answers --queries ../shared/data/queries-romanized-dev.jsonl --catalog ../shared/data/films.jsonl.gz
    python -m bench.answers_bench --queries FILE [--catalog FILE] [--json] [--wrong]

Each query goes through `bot.films.service.decide`, the same decision `/film` makes. Without `--catalog` the
shipped starter catalog is loaded as a fresh install would (migrated and seeded into a temporary SQLite
database); with it, the index is built straight from that JSON lines file. A query names its film by
`expected_id` (the catalog's id) or by `expected_title` + `expected_year`.

Outcomes: `card_right`, `card_wrong`, `picker_has` (of which `picker_first`), `picker_missing`, `miss`, plus
recall@1 / recall@5 of the ranked list behind the decision. Prints numbers; never fails on a threshold.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.search_bench import load_catalog, read_records
from bot.films.normalize import normalize_title
from bot.films.search import SearchDoc, SearchIndex
from bot.films.service import Decision, decide
from bot.films.words import WordIndex

OUTCOMES = ("card_right", "card_wrong", "picker_has", "picker_first", "picker_missing", "miss")


@dataclass(frozen=True, slots=True)
class AnswerQuery:
    text: str
    kind: str
    expected: frozenset[int]  # any of these film ids is the film meant (a title + year can name several)
    label: str


def expected_films(
    rec: dict[str, Any], ids: dict[str, int], by_title: dict[tuple[str, int | None], list[int]]
) -> frozenset[int]:
    """The film ids a query record means: its `expected_id`, else its title (normalised) and year."""
    if rec.get("expected_id") is not None:
        film_id = ids.get(str(rec["expected_id"]))
        return frozenset(() if film_id is None else (film_id,))
    key = (normalize_title(rec.get("expected_title") or ""), rec.get("expected_year"))
    return frozenset(by_title.get(key, ()))


def load_answer_queries(path: Path, docs: Iterable[SearchDoc], ids: dict[str, int]) -> tuple[list[AnswerQuery], int]:
    """The queries whose film is in the catalog, and how many were dropped for naming no film of it."""
    by_title: dict[tuple[str, int | None], list[int]] = defaultdict(list)
    for doc in docs:
        by_title[(normalize_title(doc.title), doc.year)].append(doc.film_id)
    out: list[AnswerQuery] = []
    dropped = 0
    for rec in read_records(path):
        expected = expected_films(rec, ids, by_title)
        if not expected:
            dropped += 1
            continue
        label = str(rec.get("expected_id") or f"{rec.get('expected_title')} ({rec.get('expected_year')})")
        out.append(AnswerQuery(rec["query"], rec.get("kind", "all"), expected, label))
    return out, dropped


def judge(decision: Decision, expected: frozenset[int]) -> list[str]:
    """The outcome names one decision counts for (a picker with the film first counts twice)."""
    ids = [m.film_id for m in decision.matches]
    if decision.kind == "card":
        return ["card_right" if ids[0] in expected else "card_wrong"]
    if decision.kind == "picker":
        if not any(i in expected for i in ids):
            return ["picker_missing"]
        return ["picker_has", "picker_first"] if ids[0] in expected else ["picker_has"]
    return ["miss"]


def score(
    queries: list[AnswerQuery], answer: Callable[[str], Decision], rank: Callable[[str], list[int]]
) -> dict[str, Any]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    wrong: list[dict[str, Any]] = []
    for q in queries:
        decision = answer(q.text)
        outcome = judge(decision, q.expected)
        ranked = rank(q.text)
        outcome += [name for name, k in (("at_1", 1), ("at_5", 5)) if any(i in q.expected for i in ranked[:k])]
        for group in (q.kind, "all"):
            counts[group].update(outcome)
            counts[group]["n"] += 1
        if "card_right" not in outcome and "picker_first" not in outcome:
            wrong.append(
                {
                    "query": q.text,
                    "kind": q.kind,
                    "expected": q.label,
                    "answer": decision.kind,
                    "got": [f"{m.doc.title} ({m.doc.year})" for m in decision.matches[:3]],
                }
            )
    table = {
        group: {
            "n": c["n"],
            **{name: c[name] / c["n"] for name in OUTCOMES},
            "recall_at_1": c["at_1"] / c["n"],
            "recall_at_5": c["at_5"] / c["n"],
        }
        for group, c in sorted(counts.items(), key=lambda item: (item[0] == "all", item[0]))
    }
    return {"overall": table.pop("all", {"n": 0}), "per_kind": table, "not_right": wrong}


def run_on_index(index: SearchIndex, words: WordIndex, queries: list[AnswerQuery]) -> dict[str, Any]:
    return score(
        queries,
        lambda text: decide(index, words, text),
        lambda text: [m.film_id for m in index.search(text, limit=5)],
    )


async def run_on_starter(path: Path) -> tuple[dict[str, Any], int, int]:
    """A fresh install: the shipped starter catalog seeded into a temporary SQLite database."""
    from bot.app import build_services
    from bot.config import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'filmbot.db'}", starter_catalog=True)
        services = await build_services(settings)
        try:
            docs = services.catalog.index.all_docs()
            queries, dropped = load_answer_queries(path, docs, {})
            index = services.films.index
            out = score(
                queries,
                services.films.decide,
                lambda text: [m.film_id for m in index.search(text, limit=5)],
            )
            return out, len(docs), dropped
        finally:
            await services.db.dispose()


def report(args: argparse.Namespace) -> dict[str, Any]:
    if args.catalog:
        docs, ids = load_catalog(read_records(Path(args.catalog)))
        index = SearchIndex.build(docs)
        words = WordIndex.build(docs)
        queries, dropped = load_answer_queries(Path(args.queries), docs, ids)
        out = run_on_index(index, words, queries)
        films = len(docs)
    else:
        out, films, dropped = asyncio.run(run_on_starter(Path(args.queries)))
    out["films"] = films
    out["catalog"] = args.catalog or "starter (fresh install)"
    out["dropped_queries"] = dropped
    if not args.wrong:
        out.pop("not_right")
    return out


def print_text(out: dict[str, Any]) -> None:
    n, dropped = out["overall"]["n"], out["dropped_queries"]
    print(f"catalog {out['catalog']}: {out['films']} films; queries {n} (dropped {dropped})")
    head = "card_right card_wrong picker_has picker_first picker_missing   miss    @1     @5"
    print(f"  {'kind':16} {'n':>5}  {head}")
    rows = [*out["per_kind"].items(), ("ALL", out["overall"])]
    for kind, row in rows:
        if not row.get("n"):
            continue
        cells = " ".join(f"{row[name]:>{len(name)}.3f}" for name in OUTCOMES)
        print(f"  {kind:16} {row['n']:>5}  {cells} {row['recall_at_1']:.3f}  {row['recall_at_5']:.3f}")
    for miss in out.get("not_right", []):
        print(
            f"NOT RIGHT [{miss['kind']}] {miss['query']!r} expected {miss['expected']}: {miss['answer']} {miss['got']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="filmbot bench answers", description=__doc__.splitlines()[0])
    parser.add_argument("--queries", required=True, help="JSON lines: query, kind, expected_id or expected_title+year")
    parser.add_argument(
        "--catalog", default=None, help="films JSON lines (.gz ok); default: the shipped starter catalog"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object (fractions)")
    parser.add_argument("--wrong", action="store_true", help="list every query not answered by the right card/first")
    args = parser.parse_args(argv)
    out = report(args)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print_text(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
