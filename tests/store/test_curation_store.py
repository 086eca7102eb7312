"""Curation tables on SQLite and PostgreSQL: the 0003 migration matches the models and downgrades cleanly;
audit rows, miss counting (an upsert on both backends), pruning and reports round-trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot.commands import Actor
from bot.curation import models
from bot.curation.store import MAX_VALUE_CHARS, CurationRepository
from bot.films.model import Film
from bot.store.base import Base
from bot.store.db import MIGRATIONS_DIR, Database
from bot.store.films import FilmRepository

TABLES = {"audit_log", "search_misses", "film_reports"}
ADA = Actor("discord", "1", "g", is_owner=True, display_name="Ada")
BOB = Actor("telegram", "2", "c")
T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def _ours(diff: Any) -> bool:
    op = diff[0] if isinstance(diff, list) else diff
    for item in op[1:]:
        table = getattr(item, "table", None)
        name = table.name if table is not None else getattr(item, "name", None)
        if name in TABLES or (isinstance(item, str) and item in TABLES):
            return True
    return False


def _diff(conn: Connection) -> list[Any]:
    assert models.AuditRow.__tablename__ in Base.metadata.tables
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    return [d for d in compare_metadata(ctx, Base.metadata) if _ours(d)]


async def test_migration_matches_models(db: Database) -> None:
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert names >= TABLES


def _downgrade(conn: Connection, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    command.downgrade(cfg, revision)


async def test_downgrade_drops_only_curation_tables_and_upgrade_restores_them(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(_downgrade, "0002_movie_nights")
    async with db.engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert not names & TABLES and "films" in names
    await db.upgrade()
    async with db.engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert names >= TABLES


async def test_audit_rows_round_trip_newest_first(db: Database) -> None:
    async with db.session() as s, s.begin():
        repo = CurationRepository(s)
        await repo.add_audit(ADA, "edit", at=T0, film_id=7, field="year", old="2012", new="2013")
        await repo.add_audit(BOB, "import", at=T0 + timedelta(minutes=1), field="f.jsonl", new="3 added")
        await repo.add_audit(ADA, "edit", at=T0 + timedelta(minutes=2), film_id=7, field="synopsis", new="x" * 9000)
    async with db.session() as s:
        repo = CurationRepository(s)
        everything = await repo.audit()
        film = await repo.audit(7)
    assert [e.action for e in everything] == ["edit", "import", "edit"]
    assert everything[0].at == T0 + timedelta(minutes=2) and everything[0].at.tzinfo is not None
    assert [e.field for e in film] == ["synopsis", "year"]
    assert len(film[0].new_value or "") == MAX_VALUE_CHARS
    assert (film[1].who, film[1].old_value, film[1].new_value) == ("Ada (discord:1)", "2012", "2013")
    assert everything[1].who == "(telegram:2)" and everything[1].film_id is None


async def test_misses_count_up_and_prune_to_a_bound(db: Database) -> None:
    async with db.session() as s, s.begin():
        repo = CurationRepository(s)
        await repo.record_miss("zzyzx road", "Zzyzx Road", T0)
        await repo.record_miss("zzyzx road", "zzyzx road!", T0 + timedelta(hours=1))
        await repo.record_miss("qwerty", "qwerty", T0 - timedelta(days=200))
        for i in range(5):
            await repo.record_miss(f"rare {i}", f"rare {i}", T0 + timedelta(minutes=i))
    async with db.session() as s:
        top = await CurationRepository(s).top_misses(since=T0 - timedelta(days=30), limit=3)
    assert [(m.query, m.count) for m in top] == [("zzyzx road!", 2), ("rare 4", 1), ("rare 3", 1)]
    assert top[0].first_seen == T0 and top[0].last_seen == T0 + timedelta(hours=1)
    async with db.session() as s, s.begin():
        removed = await CurationRepository(s).prune_misses(keep=3, before=T0 - timedelta(days=90))
    async with db.session() as s:
        repo = CurationRepository(s)
        assert removed == 4 and await repo.miss_count() == 3
        kept = await repo.top_misses(since=T0 - timedelta(days=1000), limit=10)
    assert [m.query_key for m in kept] == ["zzyzx road", "rare 4", "rare 3"]


async def test_reports_open_rate_window_and_resolve_once(db: Database) -> None:
    async with db.session() as s, s.begin():
        film = await FilmRepository(s).add(Film(title="Parasite", year=2019))
        assert film.id is not None
        repo = CurationRepository(s)
        first = await repo.add_report(BOB, film.id, query="parasite", note="wrong year", at=T0)
        await repo.add_report(ADA, film.id, query=None, note=None, at=T0 + timedelta(hours=1))
    async with db.session() as s, s.begin():
        repo = CurationRepository(s)
        assert await repo.last_report_at(BOB, film.id) == T0
        assert await repo.last_report_at(Actor("telegram", "3", "c"), film.id) is None
        assert [r.id for r in await repo.reports()] == [first, first + 1]
        assert await repo.resolve_report(first, by="Ada (discord:1)", at=T0 + timedelta(days=1))
        assert not await repo.resolve_report(first, by="again", at=T0 + timedelta(days=2))
    async with db.session() as s:
        repo = CurationRepository(s)
        closed = await repo.report(first)
        assert closed is not None and closed.status == "resolved" and closed.resolved_by == "Ada (discord:1)"
        assert closed.resolved_at == T0 + timedelta(days=1)
        assert await repo.count_reports() == 1 and await repo.count_reports("resolved") == 1
