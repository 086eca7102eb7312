"""`upsert_many` for a stream of batches inside one transaction: for imports too big to hold in memory.

The matching rules are exactly `bot.store.bulk`'s (its planner is reused); only what is loaded differs:
`bulk` loads the keys of the whole catalog once, which for a catalog of a million films is a gigabyte.
Here each batch loads only the stored films it can concern: those holding one of its external ids, and
those with one of its titles (case-folded, then compared as `identity_title`) — plus their ids, hashes,
aliases and people. Films written by earlier batches of the same run are found the same way (same
transaction), so memory stays at one batch whatever the catalog's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.films.model import Film
from bot.store.bulk import (
    ROW_CHUNK,
    ImportCounts,
    _Existing,
    _insert_films,
    _Progress,
    _title_year,
    _update_films,
    chunks,
    plan_writes,
)
from bot.store.films import FilmRepository
from bot.store.mapping import external_ids_t, films_t, identity_title, titles_t


async def existing_for(session: AsyncSession, films: Sequence[Film]) -> _Existing:
    """An `_Existing` holding only the stored films that share an external id or a title with `films`."""
    ex = _Existing()
    f, e, t = films_t.c, external_ids_t.c, titles_t.c
    ids: set[int] = set()
    by_source: dict[str, set[str]] = {}
    for film in films:
        for source, key in film.external_ids.items():
            by_source.setdefault(source, set()).add(key)
    for source, keys in by_source.items():
        for chunk in chunks(sorted(keys), ROW_CHUNK):
            ids.update(await session.scalars(select(e.film_id).where(and_(e.source == source, e.key.in_(chunk)))))
    wanted = {_title_year(film) for film in films}
    folded = sorted({film.title.casefold() for film in films})
    for chunk in chunks(folded, ROW_CHUNK):
        for film_id, title, year in await session.execute(
            select(f.id, f.title, f.year).where(f.title_folded.in_(chunk))
        ):
            if (identity_title(title), year) in wanted:
                ids.add(film_id)
    for id_chunk in chunks(sorted(ids), ROW_CHUNK):
        q = select(f.id, f.title, f.year, f.content_hash, f.identity_key).where(f.id.in_(id_chunk)).order_by(f.id)
        for film_id, title, year, digest, key in await session.execute(q):
            ex.by_title_year.setdefault((identity_title(title), year), []).append(film_id)
            ex.hashes[film_id] = digest
            ex.keys[film_id] = key
        for film_id, source, key in await session.execute(
            select(e.film_id, e.source, e.key).where(e.film_id.in_(id_chunk))
        ):
            ex.owner[(source, key)] = film_id
            ex.ext.setdefault(film_id, {})[source] = key
        q = select(t.film_id, t.title).where(t.kind == "alias", t.film_id.in_(id_chunk)).order_by(t.film_id, t.position)
        for film_id, title in await session.execute(q):
            ex.aliases.setdefault(film_id, []).append(title)
    await ex._load_people(session, films)
    return ex


class StreamingUpsert:
    """Feed batches with `write()`; the caller's transaction (`Database.write()`) makes it all or nothing."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = FilmRepository(session)
        self.counts = ImportCounts()
        self.records = 0
        self.version: int | None = None  # bumped before the first film row is written; rows carry it

    async def start(self) -> None:
        await self.repo.lock_identity()

    async def write(self, films: Sequence[Film]) -> None:
        self.records += len(films)
        ex = await existing_for(self.session, films)
        new, changed = plan_writes(ex, films, self.counts)
        if not (new or changed):
            return
        if self.version is None:
            self.version = await self.repo.bump_version()
        now = datetime.now(UTC)
        report = _Progress(None, len(new) + len(changed))
        new_ids = await _insert_films(self.session, new, now, self.version, report)
        await _update_films(self.session, changed, now, self.version, report, ex.keys)
        self.counts.added += len(new)
        self.counts.updated += len(changed)
        self.counts.changed_ids += new_ids + [f.id for f in changed if f.id is not None]

    async def finish(self) -> int:
        """The catalog version this import wrote under (bumped once, before its first row), else the current one."""
        if self.version is not None:
            return self.version
        return await self.repo.catalog_version()
