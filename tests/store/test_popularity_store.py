"""Learned popularity in the store (SQLite and PostgreSQL): batched, decayed on write, shared by processes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.films.learning import Learning
from bot.films.model import Film
from bot.films.popularity import FILM_WEIGHTS, LearnRules
from bot.store.db import Database
from bot.store.films import FilmRepository
from bot.store.models import FilmPopularityRow, QueryChoiceRow

T0 = datetime(2026, 1, 1, tzinfo=UTC)
RULES = LearnRules(half_life=timedelta(days=30))


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


async def _films(db: Database) -> tuple[int, int]:
    async with db.session() as session, session.begin():
        repo = FilmRepository(session)
        a = await repo.add(Film(title="Top Gun", year=1986))
        b = await repo.add(Film(title="Top Gun", year=1955))
    assert a.id is not None and b.id is not None
    return a.id, b.id


async def _rows(db: Database) -> int:
    async with db.session() as session:
        films = await session.scalar(select(func.count()).select_from(FilmPopularityRow))
        pairs = await session.scalar(select(func.count()).select_from(QueryChoiceRow))
    return int(films or 0) + int(pairs or 0)


async def test_signals_are_batched_then_shared_and_decayed_on_write(db: Database) -> None:
    new, old = await _films(db)
    clock = Clock()
    one, two = Learning(db, RULES, clock=clock), Learning(db, RULES, clock=clock)  # two processes
    await one.load()
    await two.load()
    for _ in range(3):
        one.chosen("Top Gun", new)
    one.card_shown(old)
    assert one.lifted("top gun") == new  # at once, in this process
    assert await _rows(db) == 0  # nothing written yet: no write per signal
    assert await one.flush() is True
    assert await one.flush() is False  # nothing new
    assert await _rows(db) == 3
    assert two.lifted("top gun") is None
    await two.refresh()  # what its idle flush tick does
    assert two.lifted("TOP GUN!") == new  # the other process, after it reads the store
    assert two.rank[new] > two.rank[old] > 0
    clock.now = T0 + timedelta(days=30)  # a half-life later, the other process adds one choice
    two.chosen("top gun", new)
    assert await two.flush() is True
    assert abs(two.book.film_value(new, clock.now) - (9 * 0.5 + 3)) < 1e-6  # stored 9 decayed, plus 3
    assert abs(two.book.choices("top gun", clock.now)[new] - (3 * 0.5 + 1)) < 1e-6
    two.reported(new, "top gun")  # a Wrong film? report: the pair drops, the film's score too
    await two.flush()
    await one.refresh()
    assert one.lifted("top gun") is None
    assert one.book.choices("top gun", clock.now)[new] == 0.0
    assert abs(one.book.film_value(new, clock.now) - (7.5 - 5)) < 1e-6


async def test_signals_about_a_film_deleted_meanwhile_are_dropped(db: Database) -> None:
    new, _ = await _films(db)
    learning = Learning(db, RULES)
    learning.chosen("top gun", new)
    learning.card_shown(new + 999)  # no such film (gone before the flush)
    assert await learning.flush() is True
    assert await _rows(db) == 2


async def test_scores_untouched_for_eight_half_lives_are_pruned(db: Database) -> None:
    new, old = await _films(db)
    clock = Clock()
    learning = Learning(db, RULES, clock=clock)
    learning.chosen("top gun", new)
    await learning.flush()
    assert await _rows(db) == 2
    clock.now = T0 + 9 * RULES.half_life  # ~1/500 of a choice left
    learning.card_shown(old)
    await learning.flush()
    assert await _rows(db) == 1  # only the fresh card of the other film


async def test_two_processes_flushing_the_same_new_film_at_once_both_count(db: Database) -> None:
    """Each process reads the film's row (none yet), then inserts it: without a lock between processes the
    second insert failed with a UniqueViolation (seen in `python -m bench.cluster`) and its flush was lost
    until a retry. The flushes now take turns, and the stored score is the sum of both."""
    new, _ = await _films(db)
    other = Database(db.url, schema=db.schema) if db.schema is not None else Database(db.url)
    try:
        clock = Clock()
        one, two = Learning(db, RULES, clock=clock), Learning(other, RULES, clock=clock)
        await one.load()
        await two.load()
        for _ in range(3):
            one.chosen("Top Gun", new)
        for _ in range(2):
            two.chosen("Top Gun", new)
        for _ in range(10):  # a few rounds: the race needs both reads before either insert commits
            results = await asyncio.gather(one.flush(), two.flush(), return_exceptions=True)
            assert [r for r in results if isinstance(r, BaseException)] == []
            one.chosen("Top Gun", new)
            two.chosen("Top Gun", new)
        await asyncio.gather(one.flush(), two.flush())
        async with db.session() as session:
            scores = list(await session.scalars(select(FilmPopularityRow.score)))
        assert len(scores) == 1
        choices = 3 + 2 + 10 * 2  # nothing decayed: the clock stands
        assert abs(scores[0] - choices * FILM_WEIGHTS["choice"]) < 1e-6
    finally:
        await other.dispose()
