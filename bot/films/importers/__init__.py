"""Film importers and the exporter: files and pasted text -> validated domain films, and back.

Parsing touches no database (`parse_file`, `parse_text`); `bot.films.importers.apply.import_films`
writes a whole set of files in one transaction. Every malformed input raises `ImportFailed` naming the
file and line, and then nothing of that import is written.
"""

from bot.films.importers.errors import ImportFailed, ParsedBatch
from bot.films.importers.export import export_jsonl, export_jsonl_async
from bot.films.importers.reader import parse_file, parse_text

__all__ = ["ImportFailed", "ParsedBatch", "export_jsonl", "export_jsonl_async", "parse_file", "parse_text"]
