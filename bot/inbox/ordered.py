"""Updates of one key handled one after another, in update_id order, by whichever worker process is free,
with nothing lost when a worker dies after acknowledging an update.

The problem: Telegram sends a bot's updates to one webhook URL; behind the proxy several worker processes
take the requests. Two updates of one chat (a nomination, then "open the poll") can land on two workers and
run at the same time, the later one first. And a worker answers Telegram 200 before it handles the update,
so a worker killed in between loses it: Telegram will not send it again.

The design (PostgreSQL is the only coordination point):

1. **Record, then acknowledge.** The worker that receives an update inserts it into `update_inbox`
   (update_id, order key, the update's JSON) in one short transaction, and only then answers 200. A crash
   after the 200 loses nothing; a crash before it makes Telegram send the update again, and the retry is
   recognised by its update_id (primary key, `ON CONFLICT DO NOTHING`).
2. **One drainer per key.** The receiver then tries the key's lock (`KeyLocks`: a PostgreSQL advisory lock,
   never waited for). The holder takes the key's oldest pending update (`UPDATE … SET processed_at WHERE
   update_id = (SELECT min …) RETURNING`), hands it to the platform's normal handler path, waits for it to
   finish, and repeats until none is pending. A worker that does not get the lock leaves its row to the
   holder, which will find it.
3. **The release/insert race.** A row committed after the holder's last look, by a worker that then found
   the lock still held, would be stranded. So the holder looks again after releasing: the other worker's
   commit came before its failed try, which came before the release, so the second look sees it, and the
   holder drains again (or someone else now holds the lock and will).
4. **Left-over rows.** Every worker sweeps every `sweep_every` seconds (and once at start-up) for keys
   with updates pending since before the last sweep (left by a worker that died, or stopped, holding or
   about to take them) and drains those it can lock. A killed worker's session dies with it, and so do its
   advisory locks.
5. **At most once per update.** An update is marked taken before its handler runs, so a worker that dies
   mid-handler leaves nothing to run twice: that one update (per key) is not repeated (each use-case commits
   its own unit of work, so the database is never half-written). Every other acknowledged update runs
   exactly once. Handled rows are kept `keep` (26 h: longer than Telegram retries) to recognise retries, then
   pruned.

What order this gives exactly: for each key, updates run in update_id order **among those recorded** when
the drainer takes the next one. An update still in flight to another worker is not yet there: with
setWebhook `max_connections` = 1 Telegram sends the next update only after the previous one's 200, so every
update is recorded before any later one and the order is exact; with N > 1 only updates sent at the same
moment (in flight together) can be recorded, and run, the other way round.

The key is the platform's business (Telegram: the chat, so everything in one chat is ordered). Updates of
different keys run side by side. Cost per update on PostgreSQL: the insert, the try-lock, two takes (one
finds nothing), the unlock and the second look — about six short statements.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from bot.inbox.keylocks import KeyLocks
from bot.inbox.store import InboxStore, Recorded

log = logging.getLogger(__name__)

Handler = Callable[[Recorded], Awaitable[None]]

SWEEP_EVERY = 1.0  # seconds between looks for updates left pending
KEEP = timedelta(hours=26)  # Telegram keeps an unanswered update 24 h: a retry can come no later
PRUNE_EVERY = 600.0  # seconds between prunes of handled rows
SETTLE_WITHIN = 5.0  # seconds `settle` waits for another worker's drain of the key before it gives up
SETTLE_POLL = 0.02  # seconds between its tries of the key's lock

# The key whose recorded update the current task is handling (None outside a drain).
_handling: ContextVar[str | None] = ContextVar("inbox_handling", default=None)


def utcnow() -> datetime:
    return datetime.now(UTC)


class OrderedInbox:
    """Record updates, and drain each key's pending updates in order through `handler`."""

    def __init__(
        self,
        store: InboxStore,
        locks: KeyLocks,
        handler: Handler,
        *,
        clock: Callable[[], datetime] = utcnow,
        sweep_every: float = SWEEP_EVERY,
        keep: timedelta = KEEP,
    ) -> None:
        self.store = store
        self.locks = locks
        self.handler = handler
        self.clock = clock
        self.sweep_every = sweep_every
        self.keep = keep
        self._tasks: set[asyncio.Task[int]] = set()
        self._closing = False

    @property
    def draining(self) -> int:
        """How many drains are running in this process now."""
        return len(self._tasks)

    async def receive(self, update_id: int, key: str, payload: str) -> bool:
        """Record the update (durable when this returns: then acknowledge it) and start draining its key.
        False when it had been recorded before (a retry): it is not run again."""
        new = await self.store.record(update_id, key, payload, self.clock())
        self.schedule(key)
        return new

    def schedule(self, key: str) -> None:
        """Drain `key` in the background (returns at once)."""
        if self._closing:
            return
        task = asyncio.get_running_loop().create_task(self._drain_logged(key), name=f"inbox drain {key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, key: str) -> int:
        """Handle `key`'s pending updates in order if its lock is free; how many this call handled."""
        handled = 0
        while not self._closing:
            if not await self.locks.try_acquire(key):
                return handled  # the holder will find whatever is pending
            handled += await self._run_pending(key)
            # An update recorded after our last take by a worker that found the lock held is ours to run.
            if not await self.store.has_pending(key):
                break
        return handled

    async def settle(self, key: str, within: float = SETTLE_WITHIN) -> bool:
        """Make sure every update of `key` recorded so far has been handled: wait (up to `within` seconds) for
        whoever drains it, then drain what is left here while holding its lock. A poll's close calls this
        first, so a vote acknowledged before the close is counted, whichever worker recorded it. Inside that
        key's own drain (a `/movienight close` being handled) it returns at once: the updates before the
        current one are done, and the later ones must wait for it. False when it gave up."""
        if _handling.get() == key:
            return True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not self._closing:
            if await self.locks.try_acquire(key):  # no drain of the key is running anywhere now
                await self._run_pending(key)
                return True
            if loop.time() >= deadline:
                log.warning("inbox: %s was still being drained after %.1f s; going on without waiting", key, within)
                return False
            await asyncio.sleep(SETTLE_POLL)
        return False

    async def _run_pending(self, key: str) -> int:
        """With `key`'s lock taken: handle its pending updates oldest first, then release the lock; how many."""
        handled = 0
        try:
            while not self._closing and (item := await self.store.take_next(key, self.clock())) is not None:
                await self._handle(item, key)
                handled += 1
        finally:
            await self.locks.release(key)
        return handled

    async def sweep(self, received_before: datetime | None = None) -> int:
        """Start draining every key with updates pending since before `received_before` (default: one
        sweep interval ago); how many keys."""
        cutoff = received_before or self.clock() - timedelta(seconds=self.sweep_every)
        keys = [k for k in await self.store.waiting_keys(cutoff) if not self.locks.holds(k)]
        for key in keys:
            self.schedule(key)
        return len(keys)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set: sweep (everything left pending at once, then every `sweep_every` seconds)
        and prune handled rows older than `keep` every PRUNE_EVERY seconds."""
        loop = asyncio.get_running_loop()
        cutoff: datetime | None = self.clock()  # at start-up: everything already pending
        next_prune = loop.time()
        while not stop.is_set():
            try:
                await self.sweep(cutoff)
                if loop.time() >= next_prune:
                    pruned = await self.store.prune(self.clock() - self.keep)
                    if pruned:
                        log.info("inbox: forgot %d handled updates older than %s", pruned, self.keep)
                    next_prune = loop.time() + PRUNE_EVERY
            except Exception as exc:  # the database is away: the next sweep tries again
                log.warning("inbox: sweep failed (%s); retrying in %.1f s", exc, self.sweep_every)
            cutoff = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.sweep_every)

    async def close(self, within: float = 30.0) -> None:
        """Stop taking updates, let the ones being handled finish (others stay for the next worker), and
        release the locks."""
        self._closing = True
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=within)
            for task in late:
                task.cancel()
        await self.locks.close()

    async def _handle(self, item: Recorded, key: str) -> None:
        handling = _handling.set(key)
        try:
            await self.handler(item)
        except Exception:  # ours: log it; the next update of the key still runs
            log.exception("inbox: handling update %d failed", item.update_id)
        finally:
            _handling.reset(handling)

    async def _drain_logged(self, key: str) -> int:
        try:
            return await self.drain(key)
        except Exception as exc:  # the database is away: the rows stay pending for a later sweep
            log.warning("inbox: draining %s failed (%s); a later sweep retries", key, exc)
            return 0
