"""Film importers and the exporter: files and pasted text -> validated domain films, and back.

Parsing touches no database (`parse_file`, `parse_text`); `bot.films.importers.apply.import_films`
writes a whole set of files in one transaction. Every malformed input raises `ImportFailed` naming the
file and line, and then nothing of that import is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.films.importers.errors import ImportFailed, ParsedBatch

if TYPE_CHECKING:
    from bot.films.importers.export import export_jsonl, export_jsonl_async
    from bot.films.importers.reader import parse_file, parse_text

# The readers and the exporter are imported on first use: a start that imports nothing (a one-shot
# `filmbot film …`, a bot) does not load them.
_LAZY = {
    "export_jsonl": "bot.films.importers.export",
    "export_jsonl_async": "bot.films.importers.export",
    "parse_file": "bot.films.importers.reader",
    "parse_text": "bot.films.importers.reader",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name]), name)


__all__ = ["ImportFailed", "ParsedBatch", "export_jsonl", "export_jsonl_async", "parse_file", "parse_text"]
