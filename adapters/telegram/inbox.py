"""Webhook workers on one database: each chat's updates recorded before Telegram gets its 200, then handled
in update_id order by whichever worker holds the chat's lock (the design: `bot.inbox.ordered`).

The seam is PTB's own update queue. Its webhook server awaits `update_queue.put(update)` before it answers
Telegram, so `UpdateIntake.put` records the update there: a failed insert becomes a 500 and Telegram sends
the update again. The inbox then hands each update, parsed from the recorded JSON, to the Application's
update processor and `process_update` — the path a queued update takes — so the handlers are unchanged.

Keys: a message or button press is ordered with everything else in its chat; a button under an inline
message with that message; a poll answer with the same voter's other answers to that poll (they carry no
chat). Inline queries and poll states bypass the inbox: each replaces the last, and nothing acts on order.

With the inbox, `OrderedUpdateProcessor` still bounds how many updates run at once; its per-sender order is
already given by the inbox (a chat's updates run one at a time). In polling mode (one getUpdates consumer
per token) the inbox is off and it alone keeps the order.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.inbox.keylocks import KeyLocks
from bot.inbox.ordered import OrderedInbox
from bot.inbox.store import InboxStore, Recorded
from bot.services import Services

log = logging.getLogger(__name__)

PLATFORM = "telegram"


def inbox_key(update: object) -> str | None:
    """What the update stays in order with across workers; None = it skips the inbox."""
    if not isinstance(update, Update):
        return None
    answer = update.poll_answer
    if answer is not None:
        voter = answer.user or answer.voter_chat
        return f"poll:{answer.poll_id}:{voter.id if voter is not None else ''}"
    query = update.callback_query
    if query is not None:
        if query.message is not None:
            return f"chat:{query.message.chat.id}"
        return f"inline:{query.inline_message_id}"
    if update.message is not None or update.edited_message is not None:
        chat = update.effective_chat
        return f"chat:{chat.id}" if chat is not None else None
    return None


class UpdateIntake(asyncio.Queue[object]):
    """The Application's update queue. With an inbox attached (webhook mode), an update with a key is
    recorded in it instead of queued; everything else (and everything without an inbox) is queued as usual.

    `poll_chat` (attached with the inbox) names the chat of a movie-night poll: a vote in it is then ordered
    with its chat, so a `/movienight close` sent after the votes is handled after them and counts every one
    (keyed by poll and voter, a vote could wait on one worker while the close ran on another)."""

    def __init__(self) -> None:
        super().__init__()
        self.inbox: OrderedInbox | None = None
        self.poll_chat: Callable[[str], Awaitable[str | None]] | None = None

    async def _key(self, item: object) -> str | None:
        if isinstance(item, Update) and item.poll_answer is not None and self.poll_chat is not None:
            chat = await self.poll_chat(item.poll_answer.poll_id)
            if chat is not None:
                return f"chat:{chat}"
        return inbox_key(item)

    async def put(self, item: object) -> None:
        key = await self._key(item) if self.inbox is not None else None
        if self.inbox is None or key is None:
            await super().put(item)
            return
        assert isinstance(item, Update)
        try:
            await self.inbox.receive(item.update_id, key, item.to_json())
        except Exception as exc:  # the webhook answers 500 and Telegram sends the update again later
            log.warning("telegram: could not record update %d (%s); Telegram will send it again", item.update_id, exc)
            raise


def telegram_inbox(services: Services, app: Application) -> OrderedInbox:  # type: ignore[type-arg]
    """The inbox of this worker: recorded updates go through `app`'s processor and handlers."""

    async def handle(recorded: Recorded) -> None:
        data: dict[str, Any] = json.loads(recorded.payload)
        update = Update.de_json(data, app.bot)
        await app.update_processor.process_update(update, app.process_update(update))

    return OrderedInbox(InboxStore(services.db, PLATFORM), KeyLocks(services.db), handle)
