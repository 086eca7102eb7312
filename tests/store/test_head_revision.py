"""A start on a database at the newest migration skips Alembic; that shortcut must agree with Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.store.db import MIGRATIONS_DIR, Database, _read_head, head_revision
from tests.dbutil import sqlite_database


def alembic_heads() -> list[str]:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return list(ScriptDirectory.from_config(cfg).get_heads())


def test_the_head_read_from_the_files_is_alembics() -> None:
    assert [head_revision()] == alembic_heads()


def test_two_heads_or_an_unreadable_file_leave_it_to_alembic(tmp_path: Path) -> None:
    def migration(name: str, down: str | None) -> None:
        parent = "None" if down is None else f'"{down}"'
        (tmp_path / f"{name}.py").write_text(f'revision: str = "{name}"\ndown_revision: str | None = {parent}\n')

    migration("0001_a", None)
    migration("0002_b", "0001_a")
    assert _read_head(tmp_path) == "0002_b"
    migration("0003_c", "0002_b")
    migration("0003_d", "0002_b")  # two branches not merged yet
    assert _read_head(tmp_path) is None
    (tmp_path / "0004_merge.py").write_text('revision = "0004_merge"\ndown_revision = ("0003_c", "0003_d")\n')
    assert _read_head(tmp_path) == "0004_merge"
    (tmp_path / "0005_odd.py").write_text("import something\n")
    assert _read_head(tmp_path) is None


async def test_a_database_behind_the_head_is_still_migrated(tmp_path: Path) -> None:
    async with sqlite_database(tmp_path / "old.sqlite3", migrate=False) as db:
        assert await db.at_head() is False  # no schema at all
        await db.upgrade("0005_film_identity")
        assert await db.at_head() is False
        await db.upgrade()
        assert await db.at_head() is True
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar() == head_revision()


async def test_a_fresh_in_memory_database_is_not_at_the_head() -> None:
    db = Database("sqlite+aiosqlite://")
    try:
        assert await db.at_head() is False
    finally:
        await db.dispose()
