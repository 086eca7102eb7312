"""The learned popularity tables: read them whole, add a batch of decaying deltas.

Scores are stored as (score, updated_at) and decay on write: adding a delta stores the old score decayed to
now plus the delta, so several processes' batches add up. Films that are gone by the time a batch is
written are skipped (their rows would cascade away anyway). No user ids here: only films and queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.films.popularity import Decaying, Pending
from bot.store.bulk import chunks
from bot.store.models import FilmPopularityRow, FilmRow, QueryChoiceRow

film_pop_t = cast(Table, FilmPopularityRow.__table__)
choices_t = cast(Table, QueryChoiceRow.__table__)
films_t = cast(Table, FilmRow.__table__)
CHUNK = 500


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite hands back naive times


class PopularityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def film_scores(self, since: datetime | None = None) -> list[tuple[int, Decaying]]:
        """Every film's score, or those written at or after `since`."""
        q = select(film_pop_t.c.film_id, film_pop_t.c.score, film_pop_t.c.updated_at)
        if since is not None:
            q = q.where(film_pop_t.c.updated_at >= since)
        return [(film_id, Decaying(score, _utc(at))) for film_id, score, at in await self.session.execute(q)]

    async def choice_scores(self, since: datetime | None = None) -> list[tuple[str, int, Decaying]]:
        c = choices_t.c
        q = select(c.query_key, c.film_id, c.score, c.updated_at)
        if since is not None:
            q = q.where(c.updated_at >= since)
        return [(key, film_id, Decaying(score, _utc(at))) for key, film_id, score, at in await self.session.execute(q)]

    async def prune(self, before: datetime) -> int:
        """Forget scores last moved before `before` (decayed to almost nothing): the tables stay small."""
        removed = 0
        for t in (film_pop_t, choices_t):
            result = await self.session.execute(delete(t).where(t.c.updated_at < before))
            removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
        return removed

    async def add(self, pending: Pending, half_life: timedelta) -> None:
        """Merge a batch of deltas into the stored scores (the caller commits).

        Read, merge, write: two processes flushing at once would both read "no row" for a film and both
        insert it (a UniqueViolation for the second). On PostgreSQL the flushes take turns under a
        transaction-scoped advisory lock (released at the commit); SQLite has one writer at a time anyway."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext('filmbot:popularity:' || coalesce(current_schema(), '')))")
            )
        existing = await self._existing_films({f for f in pending.films} | {f for _, f in pending.pairs})
        films = {f: d for f, d in pending.films.items() if f in existing}
        pairs = {p: d for p, d in pending.pairs.items() if p[1] in existing}
        for chunk in chunks(sorted(films), CHUNK):
            rows = await self.session.execute(
                select(film_pop_t.c.film_id, film_pop_t.c.score, film_pop_t.c.updated_at).where(
                    film_pop_t.c.film_id.in_(chunk)
                )
            )
            stored = {film_id: Decaying(score, _utc(at)) for film_id, score, at in rows}
            for film_id in chunk:
                await self._merge(film_pop_t, {"film_id": film_id}, stored.get(film_id), films[film_id], half_life)
        c = choices_t.c
        for pair_chunk in chunks(sorted(pairs), CHUNK):
            pair_rows = await self.session.execute(
                select(c.query_key, c.film_id, c.score, c.updated_at).where(
                    tuple_(c.query_key, c.film_id).in_(pair_chunk)
                )
            )
            stored_pairs = {(key, film_id): Decaying(score, _utc(at)) for key, film_id, score, at in pair_rows}
            for key, film_id in pair_chunk:
                where = {"query_key": key, "film_id": film_id}
                await self._merge(choices_t, where, stored_pairs.get((key, film_id)), pairs[(key, film_id)],
                                  half_life, floor=0.0)  # fmt: skip

    async def _merge(
        self,
        table: Table,
        keys: dict[str, object],
        old: Decaying | None,
        delta: Decaying,
        half_life: timedelta,
        floor: float | None = None,
    ) -> None:
        new = delta if old is None else old.plus(delta.value(max(old.at, delta.at), half_life), delta.at, half_life)
        score = new.score if floor is None else max(floor, new.score)
        if old is None:
            await self.session.execute(table.insert().values(**keys, score=score, updated_at=new.at))
            return
        cond = [table.c[name] == value for name, value in keys.items()]
        await self.session.execute(update(table).where(*cond).values(score=score, updated_at=new.at))

    async def _existing_films(self, ids: Iterable[int]) -> set[int]:
        found: set[int] = set()
        for chunk in chunks(sorted(set(ids)), CHUNK):
            rows = await self.session.execute(select(films_t.c.id).where(films_t.c.id.in_(chunk)))
            found.update(r[0] for r in rows)
        return found
