"""Write files in IMDb's TSV dataset format (header, tabs, no quoting, ``\\N``), gzipped or not.

Used by the tests (small hand-made sets) and by `bench.imdb_import` (a synthetic set of any size).
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.films.importers.imdb_tsv import DATASETS


def write_dataset(directory: Path, name: str, rows: Iterable[Sequence[object]], *, gz: bool = True) -> Path:
    """`rows` are lists of values; None becomes ``\\N``; str values are written as they are (no quoting)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (f"{name}.tsv.gz" if gz else f"{name}.tsv")
    with gzip.open(path, "wb", compresslevel=1) if gz else path.open("wb") as stream:
        stream.write(("\t".join(DATASETS[name][0]) + "\n").encode())
        buf: list[str] = []
        for row in rows:
            buf.append("\t".join("\\N" if v is None else str(v) for v in row))
            if len(buf) >= 10_000:
                stream.write(("\n".join(buf) + "\n").encode())
                buf.clear()
        if buf:
            stream.write(("\n".join(buf) + "\n").encode())
    return path


GENRES = ["Drama", "Comedy", "Thriller", "Horror", "Romance", "Action", "Crime", "Documentary", "Animation"]
WORDS = ["night", "day", "love", "city", "house", "river", "ghost", "king", "last", "first", "red", "road"]


def synthetic(directory: Path, titles: int, *, seed: int = 1, gz: bool = True) -> None:
    """A synthetic dataset shaped like IMDb's: ~85% movies among other title types, 2 akas, a rating,
    5 principals and crew per title, 1.5 people per title in name.basics."""
    rng = random.Random(seed)
    people = max(10, titles * 3 // 2)
    kinds = ["movie"] * 17 + ["tvMovie", "short", "tvEpisode"]

    def title_of(i: int) -> str:
        return f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {i}"

    write_dataset(
        directory,
        "title.basics",
        (
            (f"tt{i:07d}", rng.choice(kinds), t := title_of(i), t if i % 3 else f"{t} (orig)", 0,
             rng.randint(1920, 2025), None, rng.choice([None, 90, 101, 123]), ",".join(rng.sample(GENRES, 2)))
            for i in range(1, titles + 1)
        ),
        gz=gz,
    )  # fmt: skip
    write_dataset(
        directory,
        "title.akas",
        ((f"tt{i:07d}", k, f"Aka {k} of {i}", "FR", "fr", None, None, 0) for i in range(1, titles + 1) for k in (1, 2)),
        gz=gz,
    )
    write_dataset(
        directory,
        "title.ratings",
        ((f"tt{i:07d}", round(rng.uniform(1, 10), 1), rng.randint(5, 900_000)) for i in range(1, titles + 1)),
        gz=gz,
    )
    write_dataset(
        directory,
        "title.principals",
        (
            (f"tt{i:07d}", k, f"nm{rng.randrange(1, people):07d}", "director" if k == 5 else "actor", None,
             None if k == 5 else f'["Role {k}"]')
            for i in range(1, titles + 1) for k in range(1, 6)
        ),
        gz=gz,
    )  # fmt: skip
    write_dataset(
        directory,
        "title.crew",
        ((f"tt{i:07d}", f"nm{rng.randrange(1, people):07d}", f"nm{rng.randrange(1, people):07d}")
         for i in range(1, titles + 1)),
        gz=gz,
    )  # fmt: skip
    write_dataset(
        directory,
        "name.basics",
        ((f"nm{n:07d}", f"Person {n}", 1950, None, "actor", None) for n in range(1, people + 1)),
        gz=gz,
    )
