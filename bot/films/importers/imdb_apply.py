"""`filmbot import --format imdb DIR`: stage IMDb's datasets, then stream the films into the store.

All or nothing: every dataset is read and checked before the first write, and the films are written in
one transaction (`Database.write()`); a failure at any point leaves the catalog as it was. Re-importing
the same files changes nothing (films are matched by their ``imdb`` external id and unchanged ones are
not rewritten). Parsing and assembly run in a worker thread so a bot sharing the loop stays responsive.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.films.importers.apply import BeforeCommit, ImportReport
from bot.films.importers.imdb import ImdbOptions, ImdbStage, Progress
from bot.store.db import Database
from bot.store.streaming import StreamingUpsert

BATCH = 2000  # films assembled and written at a time


async def import_imdb(
    db: Database,
    directory: Path,
    options: ImdbOptions | None = None,
    progress: Progress | None = None,
    *,
    before_commit: BeforeCommit | None = None,
) -> ImportReport:
    """Import the IMDb datasets in `directory` (raises ImportFailed before writing anything)."""
    stage = ImdbStage(directory, options, progress)
    try:
        counts = await asyncio.to_thread(stage.build)
        warnings = [f"{name} not found in {directory}: its data is left out" for name in counts.missing]
        batches = stage.batches(BATCH)
        async with db.write() as session:
            writer = StreamingUpsert(session)
            await writer.start()
            while (films := await asyncio.to_thread(next, batches, None)) is not None:
                await writer.write(films)
                if progress is not None:
                    progress("films", writer.records, counts.titles)
            if before_commit is not None:
                await before_commit(session, writer.records, writer.counts)
            version = await writer.finish()
    finally:
        await asyncio.to_thread(stage.close)
    return ImportReport([directory.name], writer.records, writer.counts, warnings + writer.counts.warnings, version)
