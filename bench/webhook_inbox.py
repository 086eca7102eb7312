"""What the webhook update inbox costs per update: recording (before the 200) and draining in order.

    python -m bench.webhook_inbox [--updates 2000] [--chats 50] [--workers 2] [--url postgresql+asyncpg://…]

For SQLite (a temporary file, one worker) and PostgreSQL (a fresh schema, `--workers` inboxes with their own
connection pools and lock connections, as separate processes would have): `--updates` updates of `--chats`
chats are received (each chat's next update once its previous one was recorded, all chats at once, each
update at a worker in turn), handled by a no-op handler, and the run ends when every update was handled.
Prints: the time from receive to 200 (the record) p50/p99, updates handled per second, and the CPU time
(`time.process_time`) per update of this process (the bench itself included). Never fails on a threshold.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.inbox.keylocks import KeyLocks
from bot.inbox.ordered import OrderedInbox
from bot.inbox.store import InboxStore, Recorded
from bot.store.db import Database

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def run(dbs: list[Database], updates: int, chats: int) -> dict[str, float]:
    handled: dict[str, list[int]] = {}
    total = (updates // chats) * chats
    done = asyncio.Event()
    count = itertools.count(1)

    async def handle(item: Recorded) -> None:
        handled.setdefault(item.payload, []).append(item.update_id)
        if next(count) == total:
            done.set()

    inboxes = [OrderedInbox(InboxStore(db, "telegram"), KeyLocks(db), handle) for db in dbs]
    ids = itertools.count(1)
    turn = itertools.count()
    acks: list[float] = []

    async def chat(key: str, count: int) -> None:
        for _ in range(count):
            inbox = inboxes[next(turn) % len(inboxes)]
            started = time.perf_counter()
            await inbox.receive(next(ids), key, key)
            acks.append(time.perf_counter() - started)

    per_chat = updates // chats
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(chat(f"chat:{c}", per_chat) for c in range(chats)))
    await asyncio.wait_for(done.wait(), 300)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    for inbox in inboxes:
        await inbox.close()
    in_order = all(seen == sorted(seen) for seen in handled.values())
    acks.sort()
    return {
        "updates": total,
        "handled": sum(len(v) for v in handled.values()),
        "in_order": float(in_order),
        "ack_p50_ms": 1000 * statistics.median(acks),
        "ack_p99_ms": 1000 * acks[int(0.99 * (len(acks) - 1))],
        "per_second": total / wall,
        "cpu_ms_per_update": 1000 * cpu / total,
    }


async def sqlite(updates: int, chats: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'inbox.sqlite3'}")
        try:
            await db.upgrade()
            return await run([db], updates, chats)
        finally:
            await db.dispose()


async def postgres(url: str, updates: int, chats: int, workers: int) -> dict[str, float]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    dbs = [Database(url, schema=schema) for _ in range(workers)]
    try:
        await dbs[0].upgrade()
        return await run(dbs, updates, chats)
    finally:
        for db in dbs:
            await db.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


def show(name: str, r: dict[str, float]) -> None:
    print(
        f"{name:<22} {int(r['handled'])}/{int(r['updates'])} handled, in order: {bool(r['in_order'])}; "
        f"record (receive→200) p50 {r['ack_p50_ms']:.2f} ms p99 {r['ack_p99_ms']:.2f} ms; "
        f"{r['per_second']:.0f} updates/s; CPU {r['cpu_ms_per_update']:.2f} ms/update"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--url", default=os.environ.get("FILMBOT_TEST_POSTGRES_URL", DEFAULT_URL))
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; {args.updates} updates over {args.chats} chats")
    show("SQLite, 1 worker", await sqlite(args.updates, args.chats))
    show(f"PostgreSQL, {args.workers} workers", await postgres(args.url, args.updates, args.chats, args.workers))


if __name__ == "__main__":
    asyncio.run(main())
