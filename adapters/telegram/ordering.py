"""Process updates concurrently, except that updates about the same thing run one after another, in the
order Telegram sent them.

python-telegram-bot hands every update to `Application.update_processor` as its own task; the stock
processor only bounds how many run at once, so two answers of one member to one poll (in one getUpdates
batch) race and the last *commit* wins. `OrderedUpdateProcessor` gives each update a key — a poll answer's
is its poll and voter, a message's or button press's is its chat and sender — and runs updates of one key
strictly in arrival order, while updates of different keys still run side by side (at most `max_running`
at once). Per sender rather than per chat: one member's order is what a ballot needs, and a group's other
members (or a message waiting for the group's send rate limit) never hold up a button press.

The store refuses an older event as well (`bot.polls.voting`), so order is also kept across retries and
processes; this keeps it within one process without making users' updates wait for each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates accepted at once by the Application (waiting for their key's turn or for a running slot); past
# this PTB's own semaphore makes the update fetcher wait. Waiting updates cost a small task each.
BACKLOG = 4096


def update_key(update: object) -> Hashable | None:
    """What an update must stay in order with; None = nothing (it may run whenever)."""
    if not isinstance(update, Update):
        return None
    answer = update.poll_answer
    if answer is not None:
        voter = answer.user or answer.voter_chat
        return ("poll_answer", answer.poll_id, voter.id if voter is not None else None)
    query = update.callback_query
    if query is not None:
        place = query.message.chat.id if query.message is not None else query.inline_message_id
        return ("chat", place, query.from_user.id)
    if update.message is not None or update.edited_message is not None:
        chat, user = update.effective_chat, update.effective_user
        return ("chat", chat.id if chat else None, user.id if user else None)
    return None  # inline queries (each replaces the last), poll state updates: order doesn't matter


class OrderedUpdateProcessor(BaseUpdateProcessor):
    """At most `max_running` updates run at once; updates with the same `update_key` run in arrival order.

    PTB calls `do_process_update` in arrival order (one task per update, started in order, and the
    Application's semaphore is large enough not to queue them), so the chain of each key is built in that
    order before anything awaits.
    """

    def __init__(self, max_running: int, backlog: int = BACKLOG) -> None:
        super().__init__(max(max_running, backlog))
        self.max_running = max_running
        self._running = asyncio.BoundedSemaphore(max_running)
        self._tails: dict[Hashable, asyncio.Future[None]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = update_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        previous = self._tails.get(key)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[key] = mine
        started = False
        try:
            if previous is not None:
                await asyncio.shield(previous)
            async with self._running:
                started = True
                await coroutine
        finally:
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting (shutdown): never run

            def done(_: object = None) -> None:
                _resolve(mine)
                if self._tails.get(key) is mine:
                    del self._tails[key]

            if previous is not None and not previous.done():
                previous.add_done_callback(done)  # cancelled early: the next one still waits for `previous`
            else:
                done()

    async def initialize(self) -> None:
        """Nothing to set up: the semaphore and chains live with the processor."""

    async def shutdown(self) -> None:
        """Nothing to free: updates still waiting are cancelled by the Application."""


def _resolve(future: asyncio.Future[None]) -> None:
    with contextlib.suppress(asyncio.InvalidStateError):
        future.set_result(None)
