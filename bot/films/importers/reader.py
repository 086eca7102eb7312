"""Pick the format, stream the text (gzip undone, UTF-8 decoded strictly) into the right parser.

Formats: "jsonl" (.jsonl/.ndjson), "json" (.json), "csv" (.csv), "page" (.txt/.md: film pages),
each optionally gzipped (.gz, recognised by its magic bytes, not only its name). Anything else is sniffed
from its first characters. All failures are ImportFailed naming the file (and line when there is one).
Nothing is read whole: see `source` for the size, ratio and record limits.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from bot.films.importers.errors import ImportFailed, ParsedBatch
from bot.films.importers.pages import parse_pages
from bot.films.importers.source import CHAT_LIMITS, CLI_LIMITS, ImportLimits, TextSource
from bot.films.importers.structured import parse_csv, parse_json, parse_jsonl
from bot.i18n import _

FORMATS: dict[str, Callable[[TextSource], ParsedBatch]] = {
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


def format_of(name: str) -> str:
    """The format a file name says ("auto" when it says nothing we know)."""
    stem = name[:-3] if name.lower().endswith(".gz") else name
    return EXTENSIONS.get(Path(stem).suffix.lower(), "auto")


def parse_file(path: Path, fmt: str = "auto", limits: ImportLimits = CLI_LIMITS) -> ParsedBatch:
    """Parse one file completely (nothing is written anywhere); raises ImportFailed."""
    name = path.name
    try:
        with path.open("rb") as raw:
            source = TextSource.of_stream(raw, name, limits)
            return parse_source(source, format_of(name) if fmt == "auto" else fmt)
    except OSError as exc:
        raise ImportFailed(name, None, _("cannot read the file ({reason})", reason=exc.strerror or exc)) from None


def parse_bytes(data: bytes, name: str, fmt: str = "auto", limits: ImportLimits = CHAT_LIMITS) -> ParsedBatch:
    """An uploaded file's bytes (gzip or not), streamed like a file on disk."""
    source = TextSource.of_stream(io.BytesIO(data), name, limits)
    return parse_source(source, format_of(name) if fmt == "auto" else fmt)


def parse_text(text: str, fmt: str, name: str, limits: ImportLimits = CHAT_LIMITS) -> ParsedBatch:
    """Parse text pasted in chat or read from an attachment. `fmt`: jsonl, json, csv, page or auto."""
    return parse_source(TextSource.of_text(text, name, limits), fmt)


def parse_source(source: TextSource, fmt: str) -> ParsedBatch:
    if fmt != "auto" and fmt not in FORMATS:
        raise ImportFailed(
            source.name,
            None,
            _("unknown format {format} (expected one of {formats})", format=repr(fmt), formats=", ".join(FORMATS)),
        )
    head = source.head()
    if not head.strip():
        raise ImportFailed(source.name, None, _("the file is empty"))
    return FORMATS[sniff(head) if fmt == "auto" else fmt](source)


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
