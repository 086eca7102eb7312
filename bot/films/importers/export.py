"""Write films as JSON Lines in the record schema that the importer reads back into equal films."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterable, Iterable
from pathlib import Path
from typing import TextIO

from bot.films.importers.records import record_from_film
from bot.films.model import Film


def film_line(film: Film) -> str:
    return json.dumps(record_from_film(film), ensure_ascii=False) + "\n"


def export_jsonl(films: Iterable[Film], out: TextIO | Path) -> int:
    """Write one record per line to a text stream or a path (".gz" paths are gzipped); returns the count."""
    if isinstance(out, Path):
        opener = gzip.open if out.suffix == ".gz" else open
        with opener(out, "wt", encoding="utf-8", newline="\n") as f:
            return export_jsonl(films, f)
    count = 0
    for film in films:
        out.write(film_line(film))
        count += 1
    return count


async def export_jsonl_async(films: AsyncIterable[Film], out: TextIO) -> int:
    """The same for `FilmRepository.iter_films()`, which streams in batches."""
    count = 0
    async for film in films:
        out.write(film_line(film))
        count += 1
    return count
