"""The update inbox (bot/inbox): recorded once per update_id, each key's updates handled in update_id order,
one worker at a time per key, nothing left behind — on a SQLite file and on PostgreSQL.

"Workers" on PostgreSQL are separate `Database` handles (own pools, own lock connection) on one schema, as
separate `filmbot run` processes would have; their key locks are real advisory locks. SQLite has one
process in webhook mode, so its tests use one worker (its key locks are process-wide)."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

import bot.inbox.models  # noqa: F401  (the table on Base.metadata)
from bot.inbox.keylocks import KeyLocks
from bot.inbox.ordered import Handler, OrderedInbox
from bot.inbox.store import InboxStore, Recorded
from bot.store.base import Base
from bot.store.db import Database
from tests.dbutil import POSTGRES_URL, postgres_database, postgres_skip_reason

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class Log:
    """What a worker's handler saw: every update, which worker ran it, and overlap per key."""

    def __init__(self) -> None:
        self.handled: dict[str, list[int]] = defaultdict(list)
        self.by: dict[int, str] = {}
        self.running: set[str] = set()
        self.overlaps: list[str] = []

    def handler(self, worker: str, delay: float = 0.0) -> Handler:
        async def handle(item: Recorded) -> None:
            key = item.payload.split("|")[0]
            if key in self.running:
                self.overlaps.append(key)
            self.running.add(key)
            try:
                await asyncio.sleep(delay)
                self.handled[key].append(item.update_id)
                self.by[item.update_id] = worker
            finally:
                self.running.discard(key)

        return handle


def worker_inbox(db: Database, log: Log, name: str, *, delay: float = 0.0, sweep_every: float = 0.05) -> OrderedInbox:
    return OrderedInbox(
        InboxStore(db, "telegram"),
        KeyLocks(db),
        log.handler(name, delay),
        sweep_every=sweep_every,
    )


async def settled(*inboxes: OrderedInbox) -> None:
    """Wait until no drain is running in any of `inboxes`."""
    for _ in range(500):
        if not any(i.draining for i in inboxes):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("drains still running")


@pytest.fixture
async def pg() -> AsyncIterator[Database]:
    """A migrated PostgreSQL schema: several workers sharing a database is a PostgreSQL setup (webhook mode on
    SQLite is one process)."""
    if (reason := await postgres_skip_reason()) is not None:
        pytest.skip(reason)
    async with postgres_database() as database:
        yield database


@asynccontextmanager
async def second_worker(db: Database) -> AsyncIterator[Database]:
    """Another handle on `db`'s PostgreSQL schema (its own pools and lock connection)."""
    other = Database(POSTGRES_URL, schema=db.schema)
    try:
        yield other
    finally:
        await other.dispose()


async def test_an_update_is_recorded_once_and_taken_oldest_first(db: Database) -> None:
    store = InboxStore(db, "telegram")
    for update_id in (12, 10, 11):
        assert await store.record(update_id, "chat:1", f"u{update_id}", NOW)
    assert await store.record(20, "chat:2", "u20", NOW)
    assert not await store.record(10, "chat:1", "retry", NOW)  # Telegram's retry of an answered update
    assert await store.waiting_keys(NOW + timedelta(seconds=1)) == ["chat:1", "chat:2"]
    assert await store.waiting_keys(NOW) == []  # received at NOW, not before it
    taken = [await store.take_next("chat:1", NOW) for _ in range(4)]
    assert taken == [Recorded(10, "u10"), Recorded(11, "u11"), Recorded(12, "u12"), None]
    assert not await store.has_pending("chat:1")
    assert await store.has_pending("chat:2")
    assert not await store.record(11, "chat:1", "retry", NOW)  # handled rows still recognise retries
    assert await InboxStore(db, "other").record(11, "chat:1", "another platform's 11", NOW)
    # Pruning forgets handled rows received before the cutoff, never a pending one.
    assert await store.prune(NOW + timedelta(seconds=1)) == 3
    assert await store.has_pending("chat:2")
    assert await store.take_next("chat:2", NOW) == Recorded(20, "u20")


async def test_one_worker_handles_each_key_in_order_while_keys_run_side_by_side(db: Database) -> None:
    log = Log()
    inbox = worker_inbox(db, log, "a", delay=0.002)
    ids = itertools.count(1)
    updates = [(next(ids), f"chat:{n % 3}") for n in range(30)]
    try:
        # Received concurrently, as the webhook server's requests are (each recorded before the next id).
        for update_id, key in updates:
            await inbox.receive(update_id, key, f"{key}|{update_id}")
        await settled(inbox)
    finally:
        await inbox.close()
    for key in ("chat:0", "chat:1", "chat:2"):
        assert log.handled[key] == [u for u, k in updates if k == key]
    assert log.overlaps == []


@pytest.mark.postgres
async def test_two_workers_receiving_one_chat_alternately_handle_it_in_order_once(pg: Database) -> None:
    log = Log()
    async with second_worker(pg) as other:
        workers = [worker_inbox(pg, log, "a", delay=0.003), worker_inbox(other, log, "b", delay=0.003)]
        ids = itertools.count(100)
        try:

            async def member(key: str, count: int) -> None:
                # One chat's updates alternate between the workers; each is recorded before the next is sent.
                for n in range(count):
                    update_id = next(ids)
                    await workers[n % 2].receive(update_id, key, f"{key}|{update_id}")

            await asyncio.gather(*(member(f"chat:{c}", 15) for c in range(4)))
            await settled(*workers)
        finally:
            for inbox in workers:
                await inbox.close()
    handled = [u for key in log.handled for u in log.handled[key]]
    assert sorted(handled) == list(range(100, 160))  # every update once
    for key, seen in log.handled.items():
        assert seen == sorted(seen), key
    assert log.overlaps == []


@pytest.mark.postgres
async def test_an_update_recorded_while_the_holder_releases_is_not_stranded(pg: Database) -> None:
    """Worker B records an update after A's last take and finds A's lock still held: A must run it."""
    log = Log()
    releasing, go_on = asyncio.Event(), asyncio.Event()

    class SlowRelease(KeyLocks):
        async def release(self, key: str) -> None:
            releasing.set()
            await go_on.wait()
            await super().release(key)

    async with second_worker(pg) as other:
        a = OrderedInbox(InboxStore(pg, "telegram"), SlowRelease(pg), log.handler("a"), sweep_every=3600)
        b = worker_inbox(other, log, "b", sweep_every=3600)
        try:
            await a.receive(1, "chat:1", "chat:1|1")
            await releasing.wait()  # A has taken and handled 1, found nothing more, and is releasing
            await b.receive(2, "chat:1", "chat:1|2")
            await settled(b)  # B found the lock held and left 2 to A
            assert log.handled["chat:1"] == [1]
            go_on.set()
            await settled(a)
        finally:
            go_on.set()
            await a.close()
            await b.close()
    assert log.handled["chat:1"] == [1, 2]


async def test_updates_left_by_a_stopped_worker_are_swept_up_once(db: Database) -> None:
    """A worker that acknowledged updates and died before handling them: the next sweep (another worker's,
    or its own after a restart) handles them, in order; one it had taken when it died is not repeated."""
    store = InboxStore(db, "telegram")
    for update_id in (5, 6, 7):
        assert await store.record(update_id, "chat:9", f"chat:9|{update_id}", NOW)
    assert await store.take_next("chat:9", NOW) == Recorded(5, "chat:9|5")  # it died handling 5
    log = Log()
    restarted = worker_inbox(db, log, "restarted")
    stop = asyncio.Event()
    sweeping = asyncio.create_task(restarted.run(stop))
    try:
        for _ in range(300):
            if len(log.handled["chat:9"]) == 2 and not restarted.draining:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # a few more sweeps: nothing runs twice
    finally:
        stop.set()
        await sweeping
        await restarted.close()
    assert log.handled["chat:9"] == [6, 7]


@pytest.mark.postgres
async def test_a_dead_holders_lock_goes_with_its_connection(pg: Database) -> None:
    async with second_worker(pg) as other:
        mine, theirs = KeyLocks(pg), KeyLocks(other)
        assert await mine.try_acquire("chat:1")
        assert not await mine.try_acquire("chat:1")  # re-entrant in PostgreSQL, not here
        assert not await theirs.try_acquire("chat:1")
        assert await theirs.try_acquire("chat:2")
        await mine.close()  # the process died: its session, and its locks, are gone
        assert await theirs.try_acquire("chat:1")
        await theirs.release("chat:1")
        await theirs.release("chat:2")
        assert await mine.try_acquire("chat:2")  # a new connection after the old one went
        await mine.close()
        await theirs.close()


def _inbox_diffs(conn: Connection) -> list[Any]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    return [d for d in compare_metadata(ctx, Base.metadata) if "update_inbox" in repr(d)]


async def test_settle_handles_every_update_recorded_before_it_and_returns_at_once_inside_its_own_drain(
    db: Database,
) -> None:
    """What a poll's close needs: every vote recorded before it handled first (`settle`), except when the
    close is itself an update of that chat being drained — then the earlier ones are done and the later
    ones must wait for it, so `settle` returns at once instead of running them inside it."""
    store = InboxStore(db, "telegram")
    order: list[str] = []
    inbox: OrderedInbox

    async def handle(item: Recorded) -> None:
        order.append(f"start {item.update_id}")
        if item.payload == "close":
            assert await inbox.settle("chat:1", within=1.0)  # in its own drain: at once, nothing run inside
        order.append(f"end {item.update_id}")

    inbox = OrderedInbox(store, KeyLocks(db), handle)
    try:
        for update_id in (1, 2):  # votes acknowledged, not yet handled (no drain started)
            await store.record(update_id, "chat:1", "vote", NOW)
        assert await inbox.settle("chat:1")  # the scheduler's close: the votes first
        assert order == ["start 1", "end 1", "start 2", "end 2"]
        assert not await store.has_pending("chat:1")
        for update_id, payload in ((3, "close"), (4, "vote")):
            await store.record(update_id, "chat:1", payload, NOW)
        await inbox.drain("chat:1")
        assert order[4:] == ["start 3", "end 3", "start 4", "end 4"]
    finally:
        await inbox.close()


@pytest.mark.postgres
async def test_settle_waits_for_another_workers_drain_of_the_key(pg: Database) -> None:
    log = Log()
    async with second_worker(pg) as other:
        holder, closer = worker_inbox(pg, log, "a"), worker_inbox(other, log, "b")
        try:
            assert await holder.locks.try_acquire("chat:7")  # worker a is draining chat:7
            await InboxStore(pg, "telegram").record(70, "chat:7", "chat:7|70", NOW)
            assert not await closer.settle("chat:7", within=0.2)  # waited, gave up: a still holds it
            assert log.handled["chat:7"] == []
            await holder.locks.release("chat:7")
            assert await closer.settle("chat:7", within=2.0)
            assert log.handled["chat:7"] == [70] and log.by[70] == "b"
        finally:
            await holder.close()
            await closer.close()


async def test_the_inbox_model_matches_its_migration(db: Database) -> None:
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_inbox_diffs) == []
