"""Who may do what on Telegram: catalog owners are user ids from settings (`TELEGRAM__OWNER_IDS`); a group's
admins are its administrators and creator, asked from Telegram.

Anyone can create a group and add the bot, so being a group's admin only ever counts for that group (the
core decides what that allows). The `getChatMember` call is made only for commands that need it (never for
every message), and cached briefly so a burst of admin commands costs one call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from telegram import Bot
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

log = logging.getLogger(__name__)

CACHE_SECONDS = 60.0
CACHE_MAX = 4096
GROUP_TYPES = {ChatType.GROUP, ChatType.SUPERGROUP}
ADMIN_STATUSES = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


class AdminCheck:
    def __init__(
        self,
        owner_ids: Iterable[int],
        *,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.owner_ids = frozenset(owner_ids)
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[tuple[int, int], tuple[float, bool]] = {}

    def is_owner(self, user_id: int) -> bool:
        """A catalog owner, by settings alone: no API call."""
        return user_id in self.owner_ids

    async def is_group_admin(self, bot: Bot, user_id: int, chat_id: int, chat_type: str) -> bool:
        """An administrator (or the creator) of this group chat; never true in a private chat or channel."""
        if chat_type not in GROUP_TYPES:
            return False
        key = (chat_id, user_id)
        now = self.clock()
        cached = self._cache.get(key)
        if cached and cached[0] > now:
            return cached[1]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            log.warning("could not check admin status of user %s in chat %s: %s", user_id, chat_id, exc)
            return False
        verdict = member.status in ADMIN_STATUSES
        if len(self._cache) >= CACHE_MAX:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
        self._cache[key] = (now + self.ttl, verdict)
        return verdict
