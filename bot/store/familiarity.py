"""Suggestions people know, read from the store: the films' stored familiarity (`films.familiarity`, from their
records: `bot.films.familiarity`) plus the films our members look up (learned popularity,
`bot.films.popularity`), which count as known too.

The record's level is an indexed column, so `/random` counts and picks through that index; the learned films
are few (the popularity table is pruned) and read from their own table, by primary key. No per-film subquery
over the catalog (that took 0.2-0.7 s per call on the starter catalog).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.films.familiarity import CAST_LISTED, DESCRIBED, KNOWN
from bot.store.models import FilmPopularityRow

__all__ = ["CAST_LISTED", "DESCRIBED", "KNOWN", "learned_scores"]


async def learned_scores(session: AsyncSession) -> dict[int, float]:
    """Film id -> learned popularity, for the films with a positive score (they count as known)."""
    p = FilmPopularityRow
    rows = await session.execute(select(p.film_id, p.score).where(p.score > 0))
    return {film_id: score for film_id, score in rows}
