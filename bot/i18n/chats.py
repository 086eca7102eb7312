"""The language a group speaks: its admins' `/settings language`, else the platform's default for the chat.

Stored in `movie_night_settings` (`language`, `default_language`) and cached in memory, so choosing the language
of a reply costs no query once a chat has been seen. The cache holds a chat for `TTL` seconds (another process
sharing the database may change the setting); this process's own changes update it at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.i18n import DEFAULT_LANGUAGE, choose_language, normalize_language
from bot.polls.store import MovieNightStore, in_transaction

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.store.db import Database

TTL = 60.0
Chat = tuple[str, str]


@dataclass(frozen=True, slots=True)
class ChatLanguage:
    setting: str | None = None  # `/settings language`; None: auto
    default: str | None = None  # the platform's default for the chat, last seen


class ChatLanguages:
    def __init__(self, db: Database, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.monotonic = monotonic
        self._cache: dict[Chat, tuple[float, ChatLanguage]] = {}

    async def of(self, platform: str, chat_id: str) -> ChatLanguage:
        key = (platform[:20], chat_id[:64])
        cached = self._cache.get(key)
        if cached is not None and self.monotonic() - cached[0] < TTL:
            return cached[1]
        async with self.db.session() as session:
            settings = await MovieNightStore(session).settings(*key)
        found = ChatLanguage(normalize_language(settings.language), normalize_language(settings.default_language))
        self._cache[key] = (self.monotonic(), found)
        return found

    async def group_language(self, platform: str, chat_id: str) -> str:
        """What the group hears with no member to answer (announcements): setting, else chat default, else
        English."""
        found = await self.of(platform, chat_id)
        return choose_language(found.setting, found.default, DEFAULT_LANGUAGE)

    async def set(self, platform: str, chat_id: str, language: str | None, by: str) -> None:
        """Store the group's setting (None: auto)."""
        await self._save(platform, chat_id, by, language=language)
        old = await self.of(platform, chat_id)
        self._cache[(platform[:20], chat_id[:64])] = (self.monotonic(), ChatLanguage(language, old.default))

    async def note_default(self, platform: str, chat_id: str, locale: str | None) -> None:
        """Remember the platform's default language for the chat when it changed (one write per change)."""
        language = normalize_language(locale)
        if language is None:
            return
        old = await self.of(platform, chat_id)
        if old.default == language:
            return
        await self._save(platform, chat_id, None, default_language=language)
        self._cache[(platform[:20], chat_id[:64])] = (self.monotonic(), ChatLanguage(old.setting, language))

    async def _save(self, platform: str, chat_id: str, by: str | None, **values: str | None) -> None:
        async def work(session: AsyncSession) -> None:
            store = MovieNightStore(session)
            await store.save_setting(platform[:20], chat_id[:64], by, datetime.now(UTC), **values)

        await in_transaction(self.db, work)
