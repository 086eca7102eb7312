"""Pick the format, undo gzip, decode UTF-8 strictly, and hand the text to the right parser.

Formats: "jsonl" (.jsonl/.ndjson), "json" (.json), "csv" (.csv), "page" (.txt/.md: film pages),
each optionally gzipped (.gz, recognised by its magic bytes, not only its name). Anything else is sniffed
from its first characters. All failures are ImportFailed naming the file (and line when there is one).
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable
from pathlib import Path

from bot.films.importers.errors import ImportFailed, ParsedBatch
from bot.films.importers.pages import parse_pages
from bot.films.importers.structured import parse_csv, parse_json, parse_jsonl

MAX_BYTES = 1 << 30  # decompressed; a gzip bomb stops here instead of eating the machine's memory
FORMATS: dict[str, Callable[[str, str], ParsedBatch]] = {
    "jsonl": parse_jsonl,
    "json": parse_json,
    "csv": parse_csv,
    "page": parse_pages,
}
EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".txt": "page",
    ".md": "page",
}


def parse_file(path: Path, fmt: str = "auto") -> ParsedBatch:
    """Parse one file completely (nothing is written anywhere); raises ImportFailed."""
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(name, None, f"cannot read the file ({exc.strerror or exc})") from None
    data = gunzip(raw, name) if raw[:2] == b"\x1f\x8b" else raw
    if fmt == "auto":
        stem = name[:-3] if name.lower().endswith(".gz") else name
        fmt = EXTENSIONS.get(Path(stem).suffix.lower(), "auto")
    return parse_text(decode(data, name), fmt, name)


def parse_text(text: str, fmt: str, name: str) -> ParsedBatch:
    """Parse text pasted in chat or read from an attachment. `fmt`: jsonl, json, csv, page or auto."""
    text = text.removeprefix("\ufeff")
    if fmt == "auto":
        fmt = sniff(text)
    parser = FORMATS.get(fmt)
    if parser is None:
        raise ImportFailed(name, None, f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    if not text.strip():
        raise ImportFailed(name, None, "the file is empty")
    return parser(text, name)


def sniff(text: str) -> str:
    head = text.lstrip()[:1]
    if head == "[":
        return "json"
    if head == "{":
        return "jsonl"
    first = text.lstrip().split("\n", 1)[0].casefold()
    if "," in first and "title" in [c.strip().strip('"') for c in first.split(",")]:
        return "csv"
    return "page"


def gunzip(raw: bytes, name: str) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as f:
            data = f.read(MAX_BYTES + 1)
    except EOFError:
        raise ImportFailed(name, None, "the gzip data is truncated (the file was cut short)") from None
    except (OSError, zlib.error) as exc:
        raise ImportFailed(name, None, f"not valid gzip data ({exc})") from None
    if len(data) > MAX_BYTES:
        raise ImportFailed(name, None, f"more than {MAX_BYTES >> 20} MB once decompressed")
    return data


def decode(data: bytes, name: str) -> str:
    if len(data) > MAX_BYTES:
        raise ImportFailed(name, None, f"larger than {MAX_BYTES >> 20} MB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise ImportFailed(name, line, f"not UTF-8 text (byte 0x{bad} at column {column})") from None
