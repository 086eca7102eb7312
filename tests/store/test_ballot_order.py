"""Votes count in the order the platform sent them, whatever order they are applied in (issue 10 §1).

A ballot keeps the sequence of the event that set it; the database refuses an older event in the same
statement that takes the voter's row, so a retry, a reordered batch or a second worker can't bring an old
vote back. A retraction is an event like any other (a tombstone with its sequence). On a SQLite file and on
PostgreSQL, with several connection pools ("workers") applying one voter's events in shuffled order.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from bot.polls import movienight_service
from bot.polls.models import BallotRow, MovieNightRow
from bot.polls.service import ClosedPoll
from bot.polls.store import SEQ_TRUSTED_FOR
from bot.polls.voting import NATIVE_ONLY, NOT_HERE, STALE, Voting, Where
from bot.store.db import MIGRATIONS_DIR, Database
from tests.store.test_movienight_store import NOW, Factory, new_db, open_poll, start

__all__ = ["new_db"]  # the fixture, shared with the movie-night store tests


class Worker(Voting):
    """The voting half of the service on its own connection pool: another worker or process."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock


async def test_an_older_event_is_ignored_and_a_retraction_is_ordered_too(new_db: Factory) -> None:
    services = await start(new_db(), seed_films=True)
    card = await open_poll(services, "parasite", "spirited away", "1917")
    mn = movienight_service(services)
    await mn.attach_native_poll(card.night_id, "p", None)
    a, b, c = (o.film_id for o in card.options)

    assert (await mn.record_native_vote("telegram", "p", "u", [0], seq=5)).choices == (a,)
    late = await mn.record_native_vote("telegram", "p", "u", [1], seq=3)  # sent before the one we hold
    assert late.ok and late.message == STALE and late.choices == (a,)
    again = await mn.record_native_vote("telegram", "p", "u", [2], seq=5)  # a retry of the held event
    assert again.message == STALE and await mn.ballot_of(card.night_id, "u") == (a,)

    assert (await mn.record_native_vote("telegram", "p", "u", [], seq=9)).message == "Vote retracted."
    assert (await mn.record_native_vote("telegram", "p", "u", [1], seq=8)).message == STALE  # no resurrection
    assert await mn.ballot_of(card.night_id, "u") == ()
    assert (await mn.record_native_vote("telegram", "p", "u", [2], seq=10)).choices == (c,)

    # Button ballots (toggles) are ordered the same way.
    assert (await mn.toggle_ballot_choice(card.night_id, "v", b, seq=20)).choices == (b,)
    assert (await mn.toggle_ballot_choice(card.night_id, "v", a, seq=19)).message == STALE
    assert (await mn.record_ballot(card.night_id, "v", [], seq=19)).message == STALE
    assert await mn.ballot_of(card.night_id, "v") == (b,)

    # A ballot button works only in its own poll's platform and chat (crafted data from elsewhere).
    for where in (Where("telegram", "-999"), Where("discord", "-100"), Where("telegram", None)):
        forged = await mn.toggle_ballot_choice(card.night_id, "w", a, where=where, seq=30)
        assert (forged.ok, forged.message) == (False, NOT_HERE)
    assert await mn.ballot_of(card.night_id, "w") == ()
    native = await mn.toggle_ballot_choice(card.night_id, "w", a, where=Where("telegram", "-100"))
    assert (native.ok, native.message) == (False, NATIVE_ONLY)  # this poll's votes come from Telegram's poll

    # Telegram restarts its update ids at random after a week without updates: a ballot untouched for
    # longer than that trusts a lower id.
    services.clock = lambda: NOW + SEQ_TRUSTED_FOR + timedelta(minutes=1)
    assert (await mn.record_native_vote("telegram", "p", "u", [0], seq=2)).choices == (a,)

    assert isinstance(await mn.close(card.night_id, None), ClosedPoll)
    poll = await mn.poll(card.night_id)
    assert poll is not None and poll.voters == 2 and dict(poll.scores) == {a: 1, b: 1, c: 0}
    await services.db.dispose()


async def test_shuffled_events_on_several_workers_end_at_the_newest(new_db: Factory) -> None:
    services = await start(new_db(), seed_films=True)
    card = await open_poll(services, "parasite", "spirited away", "1917", "amelie", mode="multiple")
    mn = movienight_service(services)
    await mn.attach_native_poll(card.night_id, "p", None)
    workers = [Worker(new_db(), services.clock) for _ in range(4)]
    rng = random.Random(1016)
    expected: dict[str, tuple[int, ...]] = {}
    events: list[tuple[str, list[int], int]] = []
    seq = 0
    for voter in (f"m{i}" for i in range(8)):
        for _ in range(12):
            seq += 1
            options = sorted(rng.sample(range(4), rng.choice([0, 1, 1, 2])))  # [] = a retraction
            events.append((voter, options, seq))
        expected[voter] = tuple(card.options[i].film_id for i in events[-1][1])
    rng.shuffle(events)
    try:
        receipts = await asyncio.gather(
            *(
                workers[n % len(workers)].record_native_vote("telegram", "p", voter, options, seq=s)
                for n, (voter, options, s) in enumerate(events)
            )
        )
        assert all(r.ok for r in receipts)
        assert {v: await mn.ballot_of(card.night_id, v) for v in expected} == expected
        async with services.db.session() as session:
            held = dict((await session.execute(select(BallotRow.voter_id, BallotRow.seq))).all())
        newest = {voter: max(s for v, _, s in events if v == voter) for voter in expected}
        assert held == newest
    finally:
        for worker in workers:
            await worker.db.dispose()
        await services.db.dispose()


async def test_migration_0004_downgrades_to_ballots_without_tombstones(db: Database) -> None:
    """(`db`: migrated to head, SQLite and PostgreSQL.) Going back to 0003 drops `seq` and the retractions
    kept as tombstones, which 0003's code would not know to skip; going forward again works."""
    async with db.session() as session, session.begin():
        session.add(
            MovieNightRow(id=1, platform="telegram", chat_id="-1", mode="single", question="?", opened_by="1",
                          opened_at=NOW, closes_at=NOW, native=False, voters=0)
        )  # fmt: skip
        await session.flush()
        session.add_all([
            BallotRow(night_id=1, voter_id="kept", choices=[5], updated_at=NOW, seq=3),
            BallotRow(night_id=1, voter_id="retracted", choices=[], updated_at=NOW, seq=4),
        ])  # fmt: skip

    def down(sync: Connection) -> set[str]:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["connection"] = sync
        command.downgrade(cfg, "0003_curation")
        return {c["name"] for c in inspect(sync).get_columns("movie_night_ballots")}

    async with db.engine.begin() as conn:
        assert "seq" not in await conn.run_sync(down)
        voters = (await conn.execute(text("SELECT voter_id FROM movie_night_ballots"))).scalars().all()
    assert voters == ["kept"]
    await db.upgrade()
    async with db.session() as session:
        assert (await session.execute(select(BallotRow.seq))).scalars().all() == [None]
