"""How often the romanizers read a native title the way the query set writes it (exact roman form or near).

    python -m bench.romanize_check --queries ../shared/data/queries-romanized-dev.jsonl \
        --catalog ../shared/data/films.jsonl.gz

Per script (Japanese = any kana, Chinese = Han only, Korean = Hangul): the share of queries whose roman form
equals one of the film's romanized native titles ("exact"), or is within 90% edit similarity ("near").
Prints numbers; never fails on a threshold.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from rapidfuzz.distance import OSA

from bench.search_bench import read_records
from bot.films.romanize import has_native_script, roman_form, romanizations


def script_of(title: str) -> str:
    if re.search("[\uac00-\ud7a3]", title):
        return "korean"
    if re.search("[\u3040-\u30ff]", title):
        return "japanese"
    return "chinese"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", required=True)
    parser.add_argument("--catalog", required=True)
    args = parser.parse_args(argv)
    wanted = {rec["expected_id"]: rec["query"] for rec in read_records(Path(args.queries))}
    counts: Counter[str] = Counter()
    for rec in read_records(Path(args.catalog)):
        query = wanted.get(str(rec["id"]))
        if query is None:
            continue
        natives = [t for t in (rec["title"], rec.get("original_title"), *(rec.get("alt_titles") or ())) if t]
        natives = [t for t in natives if has_native_script(t)]
        if not natives:
            continue
        script = script_of(natives[0])
        typed = roman_form(query)
        forms = [f for t in natives for f in romanizations(t)]
        best = max((OSA.normalized_similarity(typed, f) for f in forms), default=0.0)
        counts[f"{script}:n"] += 1
        counts[f"{script}:exact"] += typed in forms
        counts[f"{script}:near"] += best >= 0.9
    for script in ("japanese", "chinese", "korean"):
        n = counts[f"{script}:n"]
        if n:
            exact, near = counts[f"{script}:exact"] / n, counts[f"{script}:near"] / n
            print(f"{script:9} n={n:3}  exact {exact:.2f}  near(>=0.9) {near:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
