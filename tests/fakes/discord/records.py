"""The offline Discord's records: what the bot asked for, and what happened to each interaction.

Part of `testing.FakeDiscord`, kept apart so each module has one job. `Request` is one request as Discord would
see it; `Interaction` collects an interaction's requests, its callback, its original response and follow-ups
(and reads them as a user would). `http_error` is the error discord.py raises for a Discord error response.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from tests.fakes.discord.payloads import EPHEMERAL, message_text

if TYPE_CHECKING:
    from tests.fakes.discord.harness import FakeDiscord

Validator = Callable[[str, str, Any, Mapping[str, Any] | None], list[str]]


@dataclass
class Request:
    """One request the bot made, as Discord would see it."""

    method: str
    path: str
    body: Any
    query: dict[str, Any]
    seam: str
    at: float = field(default_factory=time.perf_counter)


class _Response:
    """Enough of an aiohttp response for discord.HTTPException."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason


def http_error(status: int, code: int, message: str) -> discord.HTTPException:
    cls = discord.NotFound if status == 404 else discord.HTTPException
    return cls(_Response(status, message), {"code": code, "message": message})


@dataclass
class Interaction:
    """What happened to one interaction: its requests, its original response, its follow-ups."""

    fake: FakeDiscord
    payload: dict[str, Any]
    sent_at: float
    requests: list[Request] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    callback: dict[str, Any] | None = None
    answered_at: float | None = None
    original_id: str | None = None

    @property
    def token(self) -> str:
        return str(self.payload["token"])

    @property
    def latency_ms(self) -> float | None:
        """Bot-side time from the event to its first answer (what Discord's 3 s rule measures)."""
        return None if self.answered_at is None else (self.answered_at - self.sent_at) * 1000

    @property
    def message(self) -> dict[str, Any] | None:
        """The original response as it stands now (after any edits)."""
        return self.fake.messages.get(self.original_id) if self.original_id else None

    @property
    def choices(self) -> list[dict[str, Any]]:
        if not self.callback or self.callback.get("type") != 8:
            return []
        return list(self.callback["data"].get("choices") or [])

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot answered with (callback type 9), for `FakeDiscord.submit`."""
        if not self.callback or self.callback.get("type") != 9:
            return None
        return dict(self.callback["data"])

    @property
    def ephemeral(self) -> bool:
        message = self.message or (self.followups[0] if self.followups else None)
        return bool(message and int(message.get("flags") or 0) & EPHEMERAL)

    @property
    def visible(self) -> list[dict[str, Any]]:
        """Every message this interaction left: the original, then follow-ups."""
        return [m for m in [self.message, *self.followups] if m is not None]

    @property
    def text(self) -> str:
        """Everything a user can read in the messages, flattened (content, embeds, labels, options)."""
        return "\n".join(message_text(m) for m in self.visible)
