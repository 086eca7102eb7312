"""The SQLite file a benchmark runs on: the one named with --db, or a temporary one."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def sqlite_file(db: Path | None) -> Iterator[Path]:
    """`db` when given (kept between runs, so only the first pays the starter catalog's import), else a file in a
    temporary directory removed afterwards."""
    if db is not None:
        yield db
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp) / "bench.sqlite3"
