"""Rebuild the shipped catalog files from ../shared (run from anywhere: `python data/build_seed.py`).

- seed-films.jsonl: the seed film page parsed by our own page importer, completed with the facts the page
  lacks (miracle-in-cell-no-7.extra.json: trailer, imdb/tmdb ids, the cast with characters), written by
  our exporter. Rebuilding it is how we check that the importer still reads the page the project started from.
- starter-films.jsonl.gz: ../shared/data/starter-films.jsonl.gz with the record fixes listed in FIXES
  (data errors that the importer rightly refuses) and, where a record has no directors, the director its
  Wikipedia lead (`synopsis`) names unambiguously (`bot.films.importers.leads`). Written with a zero gzip
  timestamp: reproducible bytes.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from bot.films.importers import export_jsonl, parse_file  # noqa: E402
from bot.films.importers.leads import director_from_lead  # noqa: E402
from bot.films.model import Credit, Film  # noqa: E402

SEED_SOURCE = "filmbot seed page"
# id -> {field: (wrong value, right value)}
FIXES: dict[str, dict[str, tuple[Any, Any]]] = {
    "bangumi:218971": {"info_url": ("ttp://sayoasa.jp/", "http://sayoasa.jp/")},
}


def build_seed_film() -> Film:
    (film,) = parse_file(SHARED / "seed" / "miracle-in-cell-no-7.txt").films
    extra = json.loads((SHARED / "seed" / "miracle-in-cell-no-7.extra.json").read_text(encoding="utf-8"))
    assert (film.title, film.year) == (extra["title"], extra["year"]), "extra facts are for another film"
    cast = [Credit(c["name"], "cast", c.get("character")) for c in extra["cast"]]
    return film.replace(
        trailer_url=film.trailer_url or extra["trailer_url"],
        external_ids={**film.external_ids, **extra["external_ids"]},
        credits=[c for c in film.credits if c.role != "cast"] + cast,
        source=SEED_SOURCE,
    )


def build_starter(src: Path, dst: Path) -> tuple[int, int]:
    """Returns (fields fixed, records given a director from their lead)."""
    fixed = directed = 0
    out: list[str] = []
    with gzip.open(src, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            changed = False
            for field, (wrong, right) in FIXES.get(rec["id"], {}).items():
                if rec.get(field) == wrong:
                    rec[field] = right
                    fixed += 1
                    changed = True
            if not rec.get("directors") and (director := director_from_lead(rec.get("synopsis"))):
                rec["directors"] = [director]
                directed += 1
                changed = True
            out.append(json.dumps(rec, ensure_ascii=False) + "\n" if changed else line)
    with open(dst, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write("".join(out).encode("utf-8"))
    return fixed, directed


def main() -> None:
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} not found: this script rebuilds data/ from the shared reference material")
    seed = build_seed_film()
    export_jsonl([seed], HERE / "seed-films.jsonl")
    fixed, directed = build_starter(SHARED / "data" / "starter-films.jsonl.gz", HERE / "starter-films.jsonl.gz")
    print(f"seed-films.jsonl: {seed.title} ({seed.year}), {len(seed.cast)} cast")
    print(f"starter-films.jsonl.gz: {fixed} field(s) fixed, {directed} director(s) read from the leads")


if __name__ == "__main__":
    main()
