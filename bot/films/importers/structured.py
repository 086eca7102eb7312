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

LIST_FIELDS = ("alt_titles", "aliases", "genres", "directors", "writers", "cast")
_WS = re.compile(r"\s*")


class _Collector:
    """Turns records into films, tracking lines and unknown fields for one file."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.batch = ParsedBatch()
        self.unknown: dict[str, tuple[int, int]] = {}  # field -> (first line, count)

    def add(self, rec: Any, line: int, convert: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
        if not isinstance(rec, dict):
            raise ImportFailed(self.name, line, f"expected a film object, found {type(rec).__name__}")
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
            times = f" ({count} records)" if count > 1 else ""
            self.batch.warnings.append(f"{self.name} line {first}: unknown field {key!r} ignored{times}")
        return self.batch


def parse_jsonl(text: str, name: str) -> ParsedBatch:
    out = _Collector(name)
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportFailed(name, number, f"bad JSON: {exc.msg} (column {exc.colno})") from None
        out.add(rec, number)
    return out.finish()


def parse_json(text: str, name: str) -> ParsedBatch:
    """A JSON array of records (or {"films": [...]}, or one record); each record keeps its line number."""
    start = _WS.match(text, 0).end()  # type: ignore[union-attr]
    if start < len(text) and text[start] == "[":
        return _parse_array(text, start, name)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several objects, one per line: JSON Lines under a .json name
            return parse_jsonl(text, name)
        raise ImportFailed(name, exc.lineno, f"bad JSON: {exc.msg} (column {exc.colno})") from None
    out = _Collector(name)
    if isinstance(doc, dict) and isinstance(doc.get("films"), list):
        for rec in doc["films"]:
            out.add(rec, 1)  # nested: no per-item positions; rare, and the reason still names the field
    else:
        out.add(doc, text.count("\n", 0, start) + 1)
    return out.finish()


def _parse_array(text: str, pos: int, name: str) -> ParsedBatch:
    decoder = json.JSONDecoder()
    out = _Collector(name)
    pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
    first = True
    while True:
        if pos >= len(text):
            raise ImportFailed(name, text.count("\n") + 1, "bad JSON: the array is not closed")
        if text[pos] == "]":
            break
        if not first:
            if text[pos] != ",":
                raise ImportFailed(name, text.count("\n", 0, pos) + 1, "bad JSON: expected ',' or ']'")
            pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
        try:
            rec, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise ImportFailed(name, exc.lineno, f"bad JSON: {exc.msg} (column {exc.colno})") from None
        out.add(rec, text.count("\n", 0, pos) + 1)
        pos = _WS.match(text, end).end()  # type: ignore[union-attr]
        first = False
    if text[pos + 1 :].strip():
        raise ImportFailed(name, text.count("\n", 0, pos + 1) + 1, "bad JSON: text after the array")
    return out.finish()


def parse_csv(text: str, name: str) -> ParsedBatch:
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed(name, 1, "the file is empty (expected a header row)") from None
    except csv.Error as exc:
        raise ImportFailed(name, 1, f"bad CSV: {exc}") from None
    columns = [re.sub(r"[\s-]+", "_", h.strip().casefold()) for h in header]
    if "title" not in columns:
        raise ImportFailed(name, 1, "the header row has no 'title' column")
    out = _Collector(name)
    line = 2
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                if len(row) > len(columns):
                    raise ImportFailed(name, line, f"{len(row)} cells but the header names {len(columns)}")
                rec = {c: v for c, v in zip(columns, row, strict=False) if c and v.strip()}
                out.add(rec, line, _csv_values)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFailed(name, reader.line_num, f"bad CSV: {exc}") from None
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
                raise BadValue(f"external_ids {raw!r} is not 'source:key|source:key'")
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
        raise BadValue(f"{what} is not valid JSON ({exc.msg})") from None
