"""`upsert_many` for a stream of batches inside one transaction: for imports too big to hold in memory.

The matching rules are exactly `bot.store.bulk`'s (its planner is reused); only the bookkeeping differs:
the catalog's keys are loaded once (not once per batch), and films *created* by this run are forgotten
after their batch is written. That is safe because every streamed record carries an external id of the
streaming source (e.g. ``imdb``) that is unique within the run, so no later record of the run can be the
same film as one created earlier, and it keeps memory at the size of the existing catalog plus one batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.films.model import Film
from bot.store.bulk import (
    ImportCounts,
    _Existing,
    _insert_films,
    _Planner,
    _Progress,
    _title_year,
    _update_films,
)
from bot.store.films import FilmRepository
from bot.store.mapping import content_hash


class StreamingUpsert:
    """Feed batches with `write()`; the caller's transaction (`Database.write()`) makes it all or nothing."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = FilmRepository(session)
        self.counts = ImportCounts()
        self.records = 0
        self._existing: _Existing | None = None

    async def start(self) -> None:
        await self.repo.lock_identity()
        self._existing = await _Existing.load(self.session, [])

    async def write(self, films: Sequence[Film]) -> None:
        ex = self._existing
        if ex is None:
            raise RuntimeError("call start() first")
        self.records += len(films)
        await ex._load_people(self.session, films)
        planner = _Planner(ex, self.counts)
        for film in films:
            planner.add(film)
        new: list[Film] = []
        changed: list[Film] = []
        for target, film in planner.plan.items():
            if target < 0:
                new.append(film)
            elif content_hash(film) == ex.hashes[target]:
                self.counts.unchanged += 1
            else:
                changed.append(film)
                ex.hashes[target] = content_hash(film)
        now = datetime.now(UTC)
        report = _Progress(None, len(new) + len(changed))
        new_ids = await _insert_films(self.session, new, now, report)
        await _update_films(self.session, changed, now, report, ex.keys)
        self.counts.added += len(new)
        self.counts.updated += len(changed)
        self.counts.changed_ids += new_ids + [f.id for f in changed if f.id is not None]
        self._forget_new(ex, planner)

    @staticmethod
    def _forget_new(ex: _Existing, planner: _Planner) -> None:
        for target, film in planner.plan.items():
            if target > 0:
                continue
            for source, key in ex.ext.pop(target, {}).items():
                if ex.owner.get((source, key)) == target:
                    del ex.owner[(source, key)]
            same = ex.by_title_year.get(_title_year(film))
            if same is not None and target in same:
                same.remove(target)
                if not same:
                    del ex.by_title_year[_title_year(film)]
        ex.people.clear()

    async def finish(self) -> int:
        """Bump the catalog version once if anything changed; returns the version."""
        if self.counts.added or self.counts.updated:
            return await self.repo.bump_version()
        return await self.repo.catalog_version()
