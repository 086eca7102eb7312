"""Reading IMDb's TSV datasets line by line: the format's rules and nothing else.

IMDb's files (https://developer.imdb.com/non-commercial-datasets/) are UTF-8, tab-separated, with a header
line, no quoting at all (a quote is a literal character) and ``\\N`` for null. Each may be gzipped. A line
that is not UTF-8 or has the wrong number of fields is refused with its file and line number; in a file
with exactly one free-text column (akas' title, a person's name) extra tabs are taken to belong to that
text, since the other columns are codes that never hold a tab.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from bot.films.importers.errors import ImportFailed
from bot.i18n import _

NULL = "\\N"

# The datasets this importer reads: name -> the columns it expects (in IMDb's order) and the index of the
# only free-text column (None when several columns hold free text, so a stray tab cannot be placed).
DATASETS: dict[str, tuple[tuple[str, ...], int | None]] = {
    "title.basics": (
        (
            "tconst",
            "titleType",
            "primaryTitle",
            "originalTitle",
            "isAdult",
            "startYear",
            "endYear",
            "runtimeMinutes",
            "genres",
        ),
        None,
    ),
    "title.akas": (
        ("titleId", "ordering", "title", "region", "language", "types", "attributes", "isOriginalTitle"),
        2,
    ),
    "title.ratings": (("tconst", "averageRating", "numVotes"), None),
    "title.principals": (("tconst", "ordering", "nconst", "category", "job", "characters"), None),
    "title.crew": (("tconst", "directors", "writers"), None),
    "name.basics": (
        ("nconst", "primaryName", "birthYear", "deathYear", "primaryProfession", "knownForTitles"),
        1,
    ),
}


def find_dataset(directory: Path, name: str) -> Path | None:
    """`name.tsv.gz` or `name.tsv` (also IMDb's `data.tsv` inside a folder of that name) in `directory`."""
    for candidate in (
        directory / f"{name}.tsv.gz",
        directory / f"{name}.tsv",
        directory / f"{name}.tsv" / "data.tsv",
        directory / name / "data.tsv",
    ):
        if candidate.is_file():
            return candidate
    return None


def _open(path: Path) -> IO[bytes]:
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return io.BufferedReader(gzip.open(path, "rb"), buffer_size=1 << 20)  # gzip's readline is slow
    return path.open("rb", buffering=1 << 20)


def nullable(value: str) -> str | None:
    return None if value == NULL or value == "" else value


def int_or_none(value: str) -> int | None:
    if value == NULL or value == "":
        return None
    return int(value)


class TsvFile:
    """One dataset file: `rows()` yields (line number, fields) with the header checked."""

    def __init__(self, path: Path, dataset: str) -> None:
        self.path = path
        self.name = path.name if path.name != "data.tsv" else f"{path.parent.name}/data.tsv"
        self.columns, self.text_column = DATASETS[dataset]
        self.bytes_read = 0  # for a progress bar over the (compressed) size

    def size(self) -> int:
        return self.path.stat().st_size

    def fail(self, line: int | None, reason: str) -> ImportFailed:
        return ImportFailed(self.name, line, reason)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        width = len(self.columns)
        try:
            stream = _open(self.path)
        except OSError as exc:
            raise self.fail(None, _("cannot be read ({reason})", reason=exc.strerror or exc)) from None
        with stream:
            try:
                for number, raw in enumerate(stream, start=1):
                    self.bytes_read += len(raw)
                    line = self._decode(raw, number).rstrip("\r\n")
                    fields = line.split("\t")
                    if number == 1:
                        self._check_header(fields)
                        continue
                    if not line:
                        continue
                    if len(fields) != width:
                        fields = self._mend(fields, number)
                    yield number, fields
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                raise self.fail(None, _("is damaged or truncated ({reason})", reason=exc)) from None

    def _decode(self, raw: bytes, number: int) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1].hex()
            raise self.fail(
                number,
                _(
                    "is not UTF-8 text (byte 0x{byte} at byte {position} of the line); nothing was imported",
                    byte=bad,
                    position=exc.start + 1,
                ),
            ) from None

    def _check_header(self, fields: list[str]) -> None:
        if tuple(fields) != self.columns:
            expected = "\t".join(self.columns)
            raise self.fail(1, _("does not start with IMDb's header line ({expected})", expected=repr(expected)))

    def _mend(self, fields: list[str], number: int) -> list[str]:
        """A line with more fields than columns: extra tabs belong to the one free-text column, if any."""
        width = len(self.columns)
        extra = len(fields) - width
        if extra > 0 and self.text_column is not None:
            i = self.text_column
            return [*fields[:i], "\t".join(fields[i : i + extra + 1]), *fields[i + extra + 1 :]]
        raise self.fail(number, _("has {found} tab-separated fields, expected {width}", found=len(fields), width=width))
