"""JSON Lines, JSON and CSV: one film record per line / array item / row (schema in `records`).

CSV: the first row names the columns, using the record field names (case and spaces don't matter:
"Original Title" = original_title). List columns (alt_titles, aliases, genres, directors, writers, cast)
hold items separated by "|", or a JSON array; a cast item may be "Name as Character". `external_ids` holds
a JSON object or "source:key" items separated by "|". Empty cells are missing values.

Unknown fields or columns are reported once per file as a warning (with the first line they occur on).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from typing import Any

from bot.films.importers.errors import BadValue, ImportFailed, ParsedBatch
from bot.films.importers.records import KNOWN_FIELDS, film_from_record
from bot.films.importers.source import MAX_RECORD_CHARS, ImportLimits, TextSource
from bot.i18n import N_, _, ngettext

LIST_FIELDS = ("alt_titles", "aliases", "genres", "directors", "writers", "cast")
_WS = re.compile(r"\s*")
_FILMS = re.compile(r'\{\s*"films"\s*:\s*\[')
TOO_DEEP = N_("the JSON is nested too deeply to be a film record")


class _Collector:
    """Turns records into films, tracking lines and unknown fields for one file; at most `max_records`."""

    def __init__(self, source: TextSource) -> None:
        self.name = source.name
        self.limits = source.limits
        self.batch = ParsedBatch()
        self.unknown: dict[str, tuple[int, int]] = {}  # field -> (first line, count)

    def add(self, rec: Any, line: int, convert: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
        check_count(self.name, line, len(self.batch.films), self.limits)
        if not isinstance(rec, dict):
            raise ImportFailed(self.name, line, _("expected a film object, found {found}", found=type(rec).__name__))
        for key in rec.keys() - KNOWN_FIELDS:
            first, count = self.unknown.get(key, (line, 0))
            self.unknown[key] = (first, count + 1)
        try:
            film = film_from_record(convert(rec) if convert else rec)
        except BadValue as exc:
            raise ImportFailed(self.name, line, str(exc)) from None
        self.batch.films.append(film)
        self.batch.lines.append(line)

    def finish(self) -> ParsedBatch:
        for key, (first, count) in sorted(self.unknown.items(), key=lambda kv: kv[1][0]):
            where = f"{self.name} " + _("line {line}", line=first)
            ignored = (
                ngettext("unknown field {field} ignored ({n} record)", "unknown field {field} ignored ({n} records)",
                         count, field=repr(key))
                if count > 1
                else _("unknown field {field} ignored", field=repr(key))
            )  # fmt: skip
            self.batch.warnings.append(f"{where}: {ignored}")
        return self.batch


def check_count(name: str, line: int, count: int, limits: ImportLimits) -> None:
    """Refuse the record after the last one allowed (the list of parsed films is what stays in memory)."""
    if count >= limits.max_records:
        raise ImportFailed(
            name,
            line,
            _(
                "more than {count} films in one import ({setting})",
                count=f"{limits.max_records:,}",
                setting=f"{limits.what}_RECORDS",
            ),
        )


def _loads(text: str, name: str, line: int) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            name, line, _("bad JSON: {reason} (column {column})", reason=exc.msg, column=exc.colno)
        ) from None
    except RecursionError:
        raise ImportFailed(name, line, _(TOO_DEEP)) from None


def parse_jsonl(source: TextSource) -> ParsedBatch:
    out = _Collector(source)
    for number, line in enumerate(source.lines(), 1):
        if line.strip():
            out.add(_loads(line, source.name, number), number)
    return out.finish()


def parse_json(source: TextSource) -> ParsedBatch:
    """A JSON array of records, or {"films": [...]}, or one record, or several (JSON Lines under a .json
    name); each record keeps its line number. Read as a stream: only one record is held as text at once."""
    stream = _JsonStream(source)
    out = _Collector(source)
    if stream.peek() == "[":
        _array(stream, out)
        stream.end("the array")
    elif stream.films_wrapper():
        _array(stream, out)
        if stream.peek() != "}":
            raise stream.fail("bad JSON: expected '}' after the films array")
        stream.take()
        stream.end("the object")
    else:
        while stream.peek():
            line, value = stream.value()
            out.add(value, line)
    return out.finish()


def _array(stream: _JsonStream, out: _Collector) -> None:
    stream.take()  # "["
    if stream.peek() == "]":
        stream.take()
        return
    while True:
        line, value = stream.value()
        out.add(value, line)
        found = stream.peek()
        if found == "]":
            stream.take()
            return
        if not found:
            raise stream.fail("bad JSON: the array is not closed")
        if found != ",":
            raise stream.fail("bad JSON: expected ',' or ']'")
        stream.take()


class _JsonStream:
    """JSON values read one at a time from a text stream, with the line each starts on."""

    def __init__(self, source: TextSource) -> None:
        self.name = source.name
        self.pieces = source.pieces()
        self.buf, self.pos, self.line, self.eof = "", 0, 1, False
        self.decoder = json.JSONDecoder()

    def fail(self, reason: str) -> ImportFailed:
        return ImportFailed(self.name, self.line, reason)

    def _more(self) -> bool:
        piece = next(self.pieces, None)
        if piece is None:
            self.eof = True
            return False
        self.buf, self.pos = self.buf[self.pos :] + piece, 0
        return True

    def _advance(self, to: int) -> None:
        self.line += self.buf.count("\n", self.pos, to)
        self.pos = to

    def peek(self) -> str:
        """The next non-blank character ("" at the end), without taking it."""
        while True:
            self._advance(_WS.match(self.buf, self.pos).end())  # type: ignore[union-attr]
            if self.pos < len(self.buf) or not self._more():
                return self.buf[self.pos : self.pos + 1]

    def take(self) -> None:
        self._advance(self.pos + 1)

    def films_wrapper(self) -> bool:
        """At `{"films": [`? Then step past `{"films":` (the array follows)."""
        while len(self.buf) - self.pos < 64 and self._more():
            pass
        found = _FILMS.match(self.buf, self.pos)
        if found is None:
            return False
        self._advance(found.end() - 1)
        return True

    def value(self) -> tuple[int, Any]:
        """(line, value) of the next JSON value; reads more text until it is complete (or too long)."""
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof or len(self.buf) - self.pos > MAX_RECORD_CHARS or not self._more():
                    line = self.line + self.buf.count("\n", self.pos, exc.pos)
                    raise ImportFailed(self.name, line, _("bad JSON: {reason}", reason=exc.msg)) from None
                continue
            except RecursionError:
                raise self.fail(_(TOO_DEEP)) from None
            if end == len(self.buf) and not self.eof and self._more():
                continue  # a number cut by the chunk boundary ("12|3") must be read whole
            line = self.line
            self._advance(end)
            return line, value

    def end(self, what: str) -> None:
        if self.peek():
            raise self.fail(_("bad JSON: text after {what}", what=what))


def parse_csv(source: TextSource) -> ParsedBatch:
    name = source.name
    reader = csv.reader(source.lines(), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed(name, 1, _("the file is empty (expected a header row)")) from None
    except csv.Error as exc:
        raise ImportFailed(name, 1, _("bad CSV: {reason}", reason=exc)) from None
    columns = [re.sub(r"[\s-]+", "_", h.strip().casefold()) for h in header]
    if "title" not in columns:
        raise ImportFailed(name, 1, _("the header row has no 'title' column"))
    out = _Collector(source)
    line = 2
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                if len(row) > len(columns):
                    raise ImportFailed(
                        name,
                        line,
                        _("{cells} cells but the header names {columns}", cells=len(row), columns=len(columns)),
                    )
                rec = {c: v for c, v in zip(columns, row, strict=False) if c and v.strip()}
                out.add(rec, line, _csv_values)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFailed(name, reader.line_num, _("bad CSV: {reason}", reason=exc)) from None
    return out.finish()


def _csv_values(rec: dict[str, Any]) -> dict[str, Any]:
    out = dict(rec)
    for key in LIST_FIELDS:
        if key in out:
            out[key] = _cells(out[key], key)
    if "cast" in out and isinstance(out["cast"], list):
        out["cast"] = [_cast_item(item) for item in out["cast"]]
    if "external_ids" in out:
        raw = out["external_ids"].strip()
        if raw.startswith("{"):
            out["external_ids"] = _json(raw, "external_ids")
        else:
            pairs = [p.strip().partition(":") for p in raw.split("|") if p.strip()]
            if any(not sep for _, sep, _ in pairs):
                raise BadValue(_("external_ids {value} is not 'source:key|source:key'", value=repr(raw)))
            out["external_ids"] = {s.strip(): k.strip() for s, _, k in pairs}
    return out


def _cells(raw: str, what: str) -> Any:
    raw = raw.strip()
    if raw.startswith("["):
        return _json(raw, what)
    return [part.strip() for part in raw.split("|") if part.strip()]


def _cast_item(item: Any) -> Any:
    if isinstance(item, str) and " as " in item:
        name, _, character = item.partition(" as ")
        return {"name": name, "character": character}
    return item


def _json(raw: str, what: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadValue(_("{what} is not valid JSON ({reason})", what=what, reason=exc.msg)) from None
