"""A SQLite file deleted or replaced under a running bot (issue 16 §5): no acknowledged write is lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.films.model import Film
from bot.store.errors import DatabaseFileGone
from bot.store.films import FilmRepository
from tests.dbutil import sqlite_database

pytestmark = pytest.mark.sqlite_only(reason="a SQLite file deleted or replaced under a running bot")


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@pytest.mark.parametrize("how", ["deleted", "replaced"])
async def test_write_into_a_vanished_file_is_refused_not_acknowledged(tmp_path: Path, how: str) -> None:
    path = tmp_path / "club.sqlite3"
    async with sqlite_database(path) as db:
        async with db.write() as s:
            await FilmRepository(s).add(Film(title="Ikiru", year=1952))
        _remove(path)
        if how == "replaced":
            path.write_bytes(b"")
        with pytest.raises(DatabaseFileGone, match=f"{path} was (deleted|replaced)"):
            async with db.write() as s:
                await FilmRepository(s).add(Film(title="Ran", year=1985))


def test_a_new_database_where_one_was_used_is_announced_on_the_cli(tmp_path: Path) -> None:
    db = tmp_path / "club.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM__", "DISCORD__", "DATABASE_URL"))}
    env |= {"DATABASE_URL": f"sqlite+aiosqlite:///{db}", "STARTER_CATALOG": "false"}

    def filmbot(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "bot", *args]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)

    first = filmbot("db", "upgrade")
    assert first.returncode == 0 and "was used before" not in first.stderr
    _remove(db)
    again = filmbot("film", "ikiru")
    assert "Traceback" not in again.stderr
    assert f"the database {db} was used before but its file is gone; starting a NEW, empty database" in again.stderr
    third = filmbot("film", "ikiru")
    assert "was used before" not in third.stderr  # said once, for the start that created the new file
