"""IMDb's TSV datasets -> domain films, streamed through a temporary SQLite file as the join area.

The full datasets are several GB (90M principals, 14M people), so nothing is joined in Python dicts:
1. `title.basics` is read once; the titles kept (movies by default) go to the staging file and their
   numeric ids to a compact sorted numpy array.
2. akas, ratings, principals and crew are read in chunks, filtered against that array (`np.isin`), and
   only rows of kept titles are staged.
3. The people those rows name are collected (again as an array) and `name.basics` is filtered to them.
4. `batches()` walks the kept titles in id order and assembles a few thousand films at a time.
Memory stays at the chunk size plus two int64 arrays; the staging file lives in a temporary directory
and is deleted by `close()`. Parsing is synchronous: callers run it in a worker thread.

Akas become alternative titles with their language and region (`Film.alt_title_locales`); a title listed
under several regions keeps the first one in IMDb's `ordering`.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.films.importers.errors import ImportFailed
from bot.films.importers.imdb_tsv import TsvFile, find_dataset, int_or_none, nullable
from bot.films.locales import locale_of
from bot.films.model import Credit, Film, TitleLocale
from bot.i18n import _

Aka = tuple[str, TitleLocale | None]  # an alternative title and where it is used
Progress = Callable[[str, int, int], None]  # (stage, done, total)
CHUNK = 50_000  # rows filtered and staged at a time
MAX_ALT_TITLES = 40  # a popular film has 100+ akas, mostly transliterations: enough for search
CAST_CATEGORIES = frozenset({"actor", "actress", "self"})
SCHEMA = """
CREATE TABLE basics (tid INTEGER PRIMARY KEY, tconst TEXT, title TEXT, original TEXT, year INTEGER,
                     runtime INTEGER, genres TEXT);
CREATE TABLE akas (tid INTEGER, ordering INTEGER, title TEXT, region TEXT, language TEXT);
CREATE TABLE ratings (tid INTEGER PRIMARY KEY, rating REAL, votes INTEGER);
CREATE TABLE principals (tid INTEGER, ordering INTEGER, nid INTEGER, category TEXT, characters TEXT);
CREATE TABLE crew (tid INTEGER, ordering INTEGER, role TEXT, nid INTEGER);
CREATE TABLE names (nid INTEGER PRIMARY KEY, name TEXT);
"""
INDEXES = """
CREATE INDEX ix_akas ON akas (tid, ordering);
CREATE INDEX ix_principals ON principals (tid, ordering);
CREATE INDEX ix_crew ON crew (tid, ordering);
"""


@dataclass(frozen=True, slots=True)
class ImdbOptions:
    title_types: frozenset[str] = frozenset({"movie"})  # IMDb titleType values: movie, tvMovie, short, …
    include_adult: bool = False


@dataclass(slots=True)
class StageCounts:
    titles: int = 0
    akas: int = 0
    ratings: int = 0
    principals: int = 0
    people: int = 0
    missing: list[str] = field(default_factory=list)  # optional datasets not found


def _numeric_id(value: str, prefix: str) -> int:
    if not value.startswith(prefix) or not value[2:].isdigit():
        raise ValueError(f"{value!r} is not an IMDb id ({prefix}…)")
    return int(value[2:])


class ImdbStage:
    """The staging area of one import. Use as a context manager (the temporary file is removed)."""

    def __init__(self, directory: Path, options: ImdbOptions | None = None, progress: Progress | None = None) -> None:
        self.directory = directory
        self.options = options or ImdbOptions()
        self.progress = progress
        self.counts = StageCounts()
        self._tmp = tempfile.TemporaryDirectory(prefix="filmbot-imdb-")
        self.db = sqlite3.connect(Path(self._tmp.name) / "stage.sqlite3", check_same_thread=False)
        self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;")
        self.db.executescript(SCHEMA)
        self.title_ids: np.ndarray[Any, np.dtype[np.int64]] = np.empty(0, dtype=np.int64)

    def __enter__(self) -> ImdbStage:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()
        self._tmp.cleanup()

    # --- staging ------------------------------------------------------------------------------

    def build(self) -> StageCounts:
        """Read every dataset into the staging file; raises ImportFailed on the first bad line."""
        basics = find_dataset(self.directory, "title.basics")
        if basics is None:
            raise ImportFailed(
                str(self.directory), None, _("has no title.basics.tsv.gz (or .tsv): download it from IMDb")
            )
        self._basics(TsvFile(basics, "title.basics"))
        for name, stage in (
            ("title.akas", self._akas),
            ("title.ratings", self._ratings),
            ("title.principals", self._principals),
            ("title.crew", self._crew),
        ):
            path = find_dataset(self.directory, name)
            if path is None:
                self.counts.missing.append(name)
            else:
                stage(TsvFile(path, name))
        self.db.executescript(INDEXES)
        people = find_dataset(self.directory, "name.basics")
        if people is None:
            self.counts.missing.append("name.basics")
        else:
            self._names(TsvFile(people, "name.basics"))
        self.db.commit()
        return self.counts

    def _report(self, tsv: TsvFile) -> None:
        if self.progress is not None:
            self.progress(tsv.name, tsv.bytes_read, tsv.size())

    def _rows(self, tsv: TsvFile) -> Iterator[tuple[int, list[str]]]:
        for i, (number, fields) in enumerate(tsv.rows()):
            if i % CHUNK == 0:
                self._report(tsv)
            yield number, fields
        self._report(tsv)

    def _basics(self, tsv: TsvFile) -> None:
        types, adult_ok = self.options.title_types, self.options.include_adult
        kept: list[int] = []
        rows: list[tuple[Any, ...]] = []
        for number, (tconst, kind, title, original, is_adult, start, _end, runtime, genres) in self._rows(tsv):
            if kind not in types or (is_adult == "1" and not adult_ok):
                continue
            try:
                tid = _numeric_id(tconst, "tt")
                year, minutes = int_or_none(start), int_or_none(runtime)
            except ValueError as exc:
                raise tsv.fail(number, f"bad value ({exc})") from None
            if not title or title == "\\N":
                raise tsv.fail(number, "has no primaryTitle")
            kept.append(tid)
            rows.append((tid, tconst, title, nullable(original), year, minutes, nullable(genres)))
            if len(rows) >= CHUNK:
                self._insert("basics", rows)
        self._insert("basics", rows)
        self.title_ids = np.unique(np.fromiter(kept, dtype=np.int64, count=len(kept)))
        if len(self.title_ids) != len(kept):
            raise tsv.fail(None, "lists a title id twice")
        self.counts.titles = len(kept)

    def _insert(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            marks = ",".join("?" * len(rows[0]))
            self.db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)  # table names are ours
            rows.clear()

    def _filtered(
        self,
        tsv: TsvFile,
        table: str,
        convert: Callable[[list[str]], tuple[int, list[tuple[Any, ...]]]],
        wanted: np.ndarray[Any, np.dtype[np.int64]],
    ) -> int:
        """Stage the rows of `tsv` whose key (first item of `convert`'s answer) is in `wanted`."""
        keys: list[int] = []
        pending: list[list[tuple[Any, ...]]] = []
        staged = 0

        def flush() -> int:
            if not keys:
                return 0
            mask = np.isin(np.fromiter(keys, dtype=np.int64, count=len(keys)), wanted)
            rows = [row for keep, group in zip(mask.tolist(), pending, strict=True) if keep for row in group]
            keys.clear()
            pending.clear()
            n = len(rows)
            self._insert(table, rows)
            return n

        for number, fields in self._rows(tsv):
            try:
                key, rows = convert(fields)
            except ValueError as exc:
                raise tsv.fail(number, f"bad value ({exc})") from None
            keys.append(key)
            pending.append(rows)
            if len(keys) >= CHUNK:
                staged += flush()
        return staged + flush()

    def _akas(self, tsv: TsvFile) -> None:
        def convert(f: list[str]) -> tuple[int, list[tuple[Any, ...]]]:
            tid = _numeric_id(f[0], "tt")
            return tid, [(tid, int(f[1]), f[2], nullable(f[3]), nullable(f[4]))] if f[2] and f[2] != "\\N" else []

        self.counts.akas = self._filtered(tsv, "akas", convert, self.title_ids)

    def _ratings(self, tsv: TsvFile) -> None:
        def convert(f: list[str]) -> tuple[int, list[tuple[Any, ...]]]:
            tid = _numeric_id(f[0], "tt")
            return tid, [(tid, float(f[1]), int(f[2]))]

        self.counts.ratings = self._filtered(tsv, "ratings", convert, self.title_ids)

    def _principals(self, tsv: TsvFile) -> None:
        def convert(f: list[str]) -> tuple[int, list[tuple[Any, ...]]]:
            tid = _numeric_id(f[0], "tt")
            return tid, [(tid, int(f[1]), _numeric_id(f[2], "nm"), f[3], nullable(f[5]))]

        self.counts.principals = self._filtered(tsv, "principals", convert, self.title_ids)

    def _crew(self, tsv: TsvFile) -> None:
        def convert(f: list[str]) -> tuple[int, list[tuple[Any, ...]]]:
            tid = _numeric_id(f[0], "tt")
            rows: list[tuple[Any, ...]] = []
            for role, column in (("director", f[1]), ("writer", f[2])):
                if column and column != "\\N":
                    rows.extend((tid, i, role, _numeric_id(n, "nm")) for i, n in enumerate(column.split(",")))
            return tid, rows

        self._filtered(tsv, "crew", convert, self.title_ids)

    def _names(self, tsv: TsvFile) -> None:
        needed = np.fromiter(
            (n for (n,) in self.db.execute("SELECT nid FROM principals UNION SELECT nid FROM crew")), dtype=np.int64
        )

        def convert(f: list[str]) -> tuple[int, list[tuple[Any, ...]]]:
            nid = _numeric_id(f[0], "nm")
            return nid, [(nid, f[1])] if f[1] and f[1] != "\\N" else []

        self.counts.people = self._filtered(tsv, "names", convert, np.unique(needed))

    # --- assembly -----------------------------------------------------------------------------

    def batches(self, size: int = 2000) -> Iterator[list[Film]]:
        """The staged titles as films, `size` at a time, in IMDb id order."""
        last = -1
        while True:
            rows = self.db.execute(
                "SELECT tid, tconst, title, original, year, runtime, genres FROM basics WHERE tid > ? "
                "ORDER BY tid LIMIT ?",
                (last, size),
            ).fetchall()
            if not rows:
                return
            lo, hi = rows[0][0], rows[-1][0]
            yield self._assemble(rows, lo, hi)
            last = hi

    def _assemble(self, rows: list[Any], lo: int, hi: int) -> list[Film]:
        q = self.db.execute
        akas: dict[int, list[Aka]] = {}
        for tid, title, region, language in q(
            "SELECT tid, title, region, language FROM akas WHERE tid BETWEEN ? AND ? ORDER BY tid, ordering",
            (lo, hi),
        ):
            akas.setdefault(tid, []).append((title, locale_of(language, region)))
        ratings = {
            tid: (rating, votes)
            for tid, rating, votes in q("SELECT tid, rating, votes FROM ratings WHERE tid BETWEEN ? AND ?", (lo, hi))
        }
        crew: dict[int, list[Credit]] = {}
        for tid, role, name in q(
            "SELECT c.tid, c.role, n.name FROM crew c JOIN names n ON n.nid = c.nid "
            "WHERE c.tid BETWEEN ? AND ? ORDER BY c.tid, c.role, c.ordering",
            (lo, hi),
        ):
            crew.setdefault(tid, []).append(Credit(name=name, role=role))
        principals: dict[int, list[Credit]] = {}
        for tid, category, characters, name in q(
            "SELECT p.tid, p.category, p.characters, n.name FROM principals p JOIN names n ON n.nid = p.nid "
            "WHERE p.tid BETWEEN ? AND ? ORDER BY p.tid, p.ordering",
            (lo, hi),
        ):
            credit = _principal(category, characters, name)
            if credit is not None:
                principals.setdefault(tid, []).append(credit)
        films = []
        for tid, tconst, title, original, year, runtime, genres in rows:
            films.append(
                _film(tconst, title, original, year, runtime, genres, akas.get(tid, []), ratings.get(tid),
                      crew.get(tid, []), principals.get(tid, []))
            )  # fmt: skip
        return films


def _characters(raw: str | None) -> str | None:
    """IMDb writes characters as a JSON array (``["Kim Ki-woo"]``); anything else is kept as written."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return raw.strip('[]"') or None
    if isinstance(value, list):
        names = [str(v) for v in value if v]
        return " / ".join(names) or None
    return str(value)


def _principal(category: str, characters: str | None, name: str) -> Credit | None:
    if category in CAST_CATEGORIES:
        return Credit(name=name, role="cast", character=_characters(characters))
    if category == "director":
        return Credit(name=name, role="director")
    if category == "writer":
        return Credit(name=name, role="writer")
    return None


def _film(
    tconst: str,
    title: str,
    original: str | None,
    year: int | None,
    runtime: int | None,
    genres: str | None,
    akas: list[Aka],
    rating: tuple[float, int] | None,
    crew: list[Credit],
    principals: list[Credit],
) -> Film:
    seen = {title, original}
    alt: list[str] = []
    locales: dict[str, TitleLocale] = {}
    for aka, locale in akas:
        if aka not in seen and len(alt) < MAX_ALT_TITLES:
            seen.add(aka)
            alt.append(aka)
        if locale is not None and aka in alt:
            locales.setdefault(aka, locale)
    # title.crew is the complete list of directors and writers; principals only name the top-billed ones.
    people = [c for c in crew if c.role == "director"] or [c for c in principals if c.role == "director"]
    people += [c for c in crew if c.role == "writer"] or [c for c in principals if c.role == "writer"]
    people += [c for c in principals if c.role == "cast"]
    return Film(
        title=title,
        year=year,
        original_title=original if original and original != title else None,
        alt_titles=alt,
        alt_title_locales=locales,
        runtime_minutes=runtime,
        genres=genres.split(",") if genres else [],
        rating=rating[0] if rating else None,
        votes=rating[1] if rating else None,
        info_url=f"https://www.imdb.com/title/{tconst}/",
        external_ids={"imdb": tconst},
        credits=people,
        source="imdb",
    )
