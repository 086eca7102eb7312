"""First-run setup: migrate the schema and load the shipped starter catalog once.

"Once" is recorded in catalog_state.seeded (in the same transaction as the import), so an admin who
empties the catalog on purpose does not get it refilled on the next start.

A SQLite database leaves a marker file beside it ("<name>.used"). When the database file is missing but
its marker is there, the database that was used at that path is gone (deleted, moved, a lost volume): a
new one is still created, so the bot keeps working, but never silently — a warning says so. A catalog seeded by an older
version takes in what a newer release of the starter data adds (synopses, directors) once, without
overwriting anything (`bot.store.starter_upgrade`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Protocol

from bot.i18n import N_
from bot.store.db import Database
from bot.store.films import FilmRepository
from bot.store.starter_upgrade import mark_release, upgrade_starter

log = logging.getLogger(__name__)

# Starter first, seed last: if both describe one film, the seed's full record wins.
STARTER_FILES = ("starter-films.jsonl.gz", "seed-films.jsonl")


class SetupReport(Protocol):
    """Told what a first run is doing, so a person is never left with a silent terminal (the CLI shows a
    progress bar on a terminal, one line per stage otherwise; `filmbot run` logs each stage).
    Called from the setup worker thread."""

    def stage(self, message: str, /, **params: int) -> None:
        """A stage begins: `message` is an English msgid marked with `N_` (a person's terminal shows it in its
        language, a log keeps the English), e.g. "Creating the database and loading {films} films", films=36070."""

    def progress(self, done: int, total: int) -> None:
        """Films written so far in the current stage."""

    def done(self) -> None:
        """The current stage finished."""


@dataclass(slots=True)
class BootstrapResult:
    seeded_now: bool  # the starter catalog was imported by this call
    films: int  # non-removed films in the catalog afterwards
    version: int
    files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def data_dir() -> Path | None:
    """Where the shipped data lives: bot/_data in an installed wheel, else <repo root>/data."""
    packaged = resources.files("bot") / "_data"
    if packaged.is_dir():
        return Path(str(packaged))
    repo_data = Path(__file__).resolve().parents[2] / "data"
    return repo_data if repo_data.is_dir() else None


def starter_catalog_paths() -> list[Path]:
    directory = data_dir()
    if directory is None:
        return []
    return [directory / name for name in STARTER_FILES if (directory / name).is_file()]


def used_marker(db: Database) -> Path | None:
    return None if db.file is None else db.file.with_name(db.file.name + ".used")


def _lost_database(db: Database) -> str | None:
    """A warning when a database was used at this SQLite path before and its file is gone now."""
    marker = used_marker(db)
    if db.file is None or marker is None or db.file.exists() or not marker.exists():
        return None
    return (
        f"the database {db.file} was used before but its file is gone; starting a NEW, empty database there "
        f"(the old catalog, movie nights and audit log are not in it). Restore the file and restart to get them back."
    )


async def _migrate(db: Database, report: SetupReport | None) -> None:
    """Bring the schema to the newest revision; creating or upgrading it (seconds: Alembic and every
    migration) is a stage the person waiting is told about. At the head already: one query, no stage."""
    if await db.at_head():
        return
    if report is not None:
        try:
            new = await db.revision() is None
        except Exception:  # Alembic will say what is wrong
            new = False
        report.stage(N_("Setting up the database") if new else N_("Upgrading the database to this version of filmbot"))
    await db.upgrade()
    if report is not None:
        report.done()


def _mark_used(db: Database) -> None:
    marker = used_marker(db)
    if marker is not None and not marker.exists():
        marker.write_text("filmbot used a database at this path; see bot/store/bootstrap.py\n", encoding="utf-8")


async def ensure_ready(
    db: Database, paths: list[Path] | None = None, report: SetupReport | None = None
) -> BootstrapResult:
    """Upgrade the schema; on a never-seeded catalog import the starter files. Safe on every start.

    Processes that start together take turns through the database's setup lock: the first migrates and
    seeds, the others then find the schema current and the catalog seeded."""
    from bot.store.locks import setup_lock

    async with setup_lock(db):
        return await _ensure_ready_locked(db, paths, report)


async def _ensure_ready_locked(db: Database, paths: list[Path] | None, report: SetupReport | None) -> BootstrapResult:
    lost = _lost_database(db)
    await _migrate(db, report)
    _mark_used(db)
    wanted = paths is None
    paths = starter_catalog_paths() if paths is None else paths
    async with db.session() as session:
        seeded = await FilmRepository(session).is_seeded()
    if seeded:
        if paths:  # a catalog seeded by an older version takes in the newer starter data, once
            await upgrade_starter(db, paths)
        async with db.session() as session:
            repo = FilmRepository(session)
            return BootstrapResult(False, await repo.count(), await repo.catalog_version())
    if lost is not None:
        log.warning("%s", lost)
    if not paths:
        if wanted:
            log.warning("no starter catalog found (looked in %s); the catalog starts empty", data_dir())
        async with db.session() as session:
            repo = FilmRepository(session)
            return BootstrapResult(False, await repo.count(), await repo.catalog_version())
    from bot.films.importers.apply import import_films_marking_seeded  # a first run only: not on every start

    imported = await import_films_marking_seeded(db, paths, report)
    async with db.session() as session, session.begin():
        await mark_release(session)  # the shipped files are the current release
    if report is not None:
        report.done()
    log.info("starter catalog loaded from %s: %s", [p.name for p in paths], imported.summary())
    async with db.session() as session:
        films = await FilmRepository(session).count()
    return BootstrapResult(True, films, imported.version, imported.files, imported.warnings)
