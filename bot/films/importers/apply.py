"""Import files into the catalog all-or-nothing: parse every file first, then write in one transaction.

Parsing runs in a worker thread (a 150k-film file takes seconds of CPU) so a bot stays responsive.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.films.importers.errors import ParsedBatch
from bot.films.importers.reader import parse_file
from bot.films.importers.source import CLI_LIMITS, ImportLimits
from bot.i18n import N_
from bot.store.db import Database
from bot.store.films import FilmRepository, ImportCounts

if TYPE_CHECKING:
    from bot.store.bootstrap import SetupReport

Progress = Callable[[int, int], None]
BeforeCommit = Callable[[AsyncSession, int, ImportCounts], Awaitable[None]]


@dataclass(slots=True)
class ImportReport:
    files: list[str]
    parsed: int  # records read from the files
    counts: ImportCounts
    warnings: list[str] = field(default_factory=list)
    version: int = 0  # catalog version after the import

    @property
    def added(self) -> int:
        return self.counts.added

    @property
    def updated(self) -> int:
        return self.counts.updated

    @property
    def unchanged(self) -> int:
        return self.counts.unchanged

    @property
    def skipped(self) -> int:
        return self.counts.skipped

    def summary(self) -> str:
        c = self.counts
        text = f"{c.added} added, {c.updated} updated, {c.unchanged} unchanged"
        if c.skipped:
            text += f", {c.skipped} duplicates merged"
        if self.warnings:
            text += f" ({len(self.warnings)} warnings)"
        return text


async def import_films(
    db: Database,
    paths: Sequence[Path],
    progress: Progress | None = None,
    *,
    before_commit: BeforeCommit | None = None,
    limits: ImportLimits = CLI_LIMITS,
) -> ImportReport:
    """Parse all `paths` (any ImportFailed aborts before anything is written), then upsert them together.

    `before_commit(session, records, counts)` runs inside the import's transaction (the audit row).
    `limits.max_records` bounds all files together (they are all held in memory until the commit).
    """
    batches: list[ParsedBatch] = []
    for path in paths:
        read = sum(len(b.films) for b in batches)
        batches.append(await asyncio.to_thread(parse_file, path, "auto", limits.less(read)))
    return await import_parsed(db, batches, [p.name for p in paths], progress, before_commit=before_commit)


async def import_films_marking_seeded(
    db: Database, paths: Sequence[Path], report: SetupReport | None = None
) -> ImportReport:
    """`import_films` that also records, in the same transaction, that the starter catalog is loaded.
    `report` hears the stage ("Creating the database and loading N films") and its progress; the caller
    says when it is done."""
    if report is not None:
        report.stage(N_("Reading the starter catalog"))
    batches = [await asyncio.to_thread(parse_file, path) for path in paths]
    progress = None
    if report is not None:
        report.done()
        report.stage(N_("Creating the database and loading {films} films"), films=sum(len(b.films) for b in batches))
        progress = report.progress
    return await import_parsed(db, batches, [p.name for p in paths], progress, mark_seeded=True)


async def import_parsed(
    db: Database,
    batches: Sequence[ParsedBatch],
    names: Sequence[str] = (),
    progress: Progress | None = None,
    *,
    mark_seeded: bool = False,
    before_commit: BeforeCommit | None = None,
) -> ImportReport:
    """Write already-parsed batches (e.g. text pasted in chat) in one transaction, version bumped once."""
    films = [film for batch in batches for film in batch.films]
    warnings = [w for batch in batches for w in batch.warnings]
    async with db.write() as session:
        repo = FilmRepository(session)
        counts = await repo.upsert_many(films, progress=progress)
        if mark_seeded:
            await repo.mark_seeded()
        if before_commit is not None:
            await before_commit(session, len(films), counts)
        version = await repo.catalog_version()
    return ImportReport(list(names), len(films), counts, warnings + counts.warnings, version)
