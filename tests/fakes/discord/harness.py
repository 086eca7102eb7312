"""An offline Discord for the real discord.py client: only the network is replaced.

Why a module here and not under tests/: the benchmark (`python -m bench.discord_load`) drives the bot through
the same harness, and it must be importable without pytest. Nothing runs at import time.

Two seams carry every request discord.py makes (see ../shared/testing.md):
1. `discord.http.HTTPClient.request` - ordinary REST: login, application info, command sync, messages.
2. `discord.webhook.async_.AsyncWebhookAdapter.request` - interaction callbacks, follow-ups, edits.
`FakeDiscord.installed()` patches both, answers like Discord (message objects, the
`{"interaction": ..., "resource": ...}` callback body, the synced command list), keeps the messages it created
so a test can click their components, and hands every request to an optional `validator` (the tests use
Discord's OpenAPI spec). A request the validator rejects is answered with a 400, as Discord would.

Events go through the client's real gateway parsers: READY, GUILD_CREATE, INTERACTION_CREATE, and (see
fake_channels.py) MESSAGE_POLL_VOTE_ADD / _REMOVE; channel messages, polls, CDN files and modals live there.

This module is the harness: it owns the fake's state, connects a client and sends it events, and waits for
the work they start. The rest lives in one module per job, and is re-exported here:
- fake_rest.py: the seams, request recording and validation, interaction/webhook/command routes;
- fake_records.py: `Request`, `Interaction` (what happened to one), `http_error`;
- fake_payloads.py: ids, users, READY / GUILD_CREATE / INTERACTION_CREATE bodies, `command_data`,
  `message_text` / `iter_components`;
- fake_channels.py: channel posts, polls and votes, CDN uploads, modals.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import discord

from tests.fakes.discord.channels import ChannelsAndPolls
from tests.fakes.discord.payloads import (
    ADMIN_ROLE_ID,
    ALICE,
    APP_ID,
    BOB,
    BOT_ID,
    CHANNEL_ID,
    EPHEMERAL,
    GUILD_ID,
    LOADING,
    OWNER_ID,
    command_data,
    guild_payload,
    interaction_payload,
    iter_components,
    message_text,
    ready_payload,
    user,
)
from tests.fakes.discord.records import Interaction, Request, Validator, http_error
from tests.fakes.discord.rest import FakeRest

__all__ = [
    "ADMIN_ROLE_ID",
    "ALICE",
    "APP_ID",
    "BACKGROUND",
    "BOB",
    "BOT_ID",
    "CHANNEL_ID",
    "EPHEMERAL",
    "GUILD_ID",
    "LOADING",
    "OWNER_ID",
    "FakeDiscord",
    "Interaction",
    "Request",
    "Validator",
    "command_data",
    "guild_payload",
    "http_error",
    "iter_components",
    "message_text",
    "user",
]


class FakeDiscord(FakeRest, ChannelsAndPolls):
    """Discord's side of the conversation, in memory. Use `installed()` around everything."""

    def __init__(self, *, validator: Validator | None = None) -> None:
        self.validator = validator
        self.requests: list[Request] = []
        self.violations: list[str] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.interactions: dict[str, Interaction] = {}
        self.poll_voters: dict[str, dict[int, list[dict[str, Any]]]] = {}
        self.cdn: dict[str, bytes] = {}
        self._ids = itertools.count(1_000_000_000_000_000_000)

    # -- events --------------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(
        self, services: Any, *, wait_ready: bool = True, guild_ready_timeout: float = 0.01, **options: Any
    ) -> AsyncIterator[Any]:
        """A logged-in, connected client built by the adapter's own `build_client` (use inside installed()).

        By default the test starts once on_ready (and the work READY started) is done. `wait_ready=False` hands
        the client over right after READY and GUILD_CREATE, as Discord starts sending interactions then, with
        discord.py's own `guild_ready_timeout` (2 s) before on_ready when the test asks for it."""
        from adapters.discord.client import build_client

        client = build_client(services, **options)
        async with client:
            await client.login("fake-token")
            before = asyncio.all_tasks()
            self.connect(client, guild_ready_timeout=guild_ready_timeout)
            if wait_ready:
                await asyncio.wait_for(client.wait_until_ready(), 5)
                await self.settle(before)  # let on_ready (movie-night catch-up) finish before the test acts
            try:
                yield client
            finally:
                waiting = getattr(client._connection, "_ready_task", None)
                if waiting is not None:  # still counting down to on_ready: discord.py's close leaves it
                    waiting.cancel()

    def connect(self, client: discord.Client, *, guild_ready_timeout: float = 0.01) -> None:
        """READY (one per shard) and GUILD_CREATE through the real parsers: the bot is in one server, #films."""
        state: Any = client._connection
        state.guild_ready_timeout = guild_ready_timeout
        shards: list[tuple[int, int]] = [(0, 1)]
        if isinstance(client, discord.AutoShardedClient):
            count = client.shard_count or 1
            state.shard_count = count
            state.shard_ids = client.shard_ids or list(range(count))
            shards = [(shard_id, count) for shard_id in state.shard_ids]
        for shard in shards:
            state.parsers["READY"](ready_payload(shard))
        state.parsers["GUILD_CREATE"](guild_payload())

    def interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        who: Mapping[str, Any] = ALICE,
        where: str = "guild",
        permissions: int = 0,
        roles: Sequence[int] = (),
        message: Mapping[str, Any] | None = None,
        locale: str = "en-US",
        guild_locale: str = "en-US",
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload. `where`: guild, dm (bot DM) or group (a group DM, user install);
        `locale` the member's Discord language, `guild_locale` the server's."""
        return interaction_payload(
            self.snowflake, kind, data, who=who, where=where, permissions=permissions, roles=roles, message=message,
            locale=locale, guild_locale=guild_locale,
        )  # fmt: skip

    async def send(self, client: discord.Client, payload: dict[str, Any], *, settle: bool = True) -> Interaction:
        record = Interaction(self, payload, sent_at=time.perf_counter())
        self.interactions[record.token] = record
        self.interactions[str(payload["id"])] = record
        before = asyncio.all_tasks()
        client._connection.parsers["INTERACTION_CREATE"](payload)
        if settle:
            await self.settle(before)
        return record

    async def settle(self, before: set[asyncio.Task[Any]] | None = None, limit_s: float = 10.0) -> None:
        """Let every task the event started (and the tasks those started) finish."""
        ignore = set(before or ()) | {asyncio.current_task()}
        deadline = time.monotonic() + limit_s
        while True:
            await asyncio.sleep(0)
            pending = {t for t in asyncio.all_tasks() if t not in ignore and not t.done() and not _is_background(t)}
            if not pending:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"tasks still running: {[t.get_name() for t in pending]}")
            await asyncio.wait(pending, timeout=left)

    # -- conveniences for tests and the benchmark ---------------------------------------------------

    async def slash(self, client: discord.Client, name: str, *, sub: str | None = None, **options: Any) -> Interaction:
        """Run `/name [sub] option:value ...`. Interaction keywords: who, where, permissions, roles, locale,
        guild_locale."""
        who, extra = _split_kwargs(options)
        data = command_data(client, name, sub, extra)
        return await self.send(client, self.interaction(2, data, **who))

    async def autocomplete(
        self, client: discord.Client, name: str, focused: str, *, sub: str | None = None, **options: Any
    ) -> Interaction:
        who, extra = _split_kwargs(options)
        data = command_data(client, name, sub, extra, focused=focused)
        return await self.send(client, self.interaction(4, data, **who))

    async def click(
        self,
        client: discord.Client,
        message: Mapping[str, Any],
        custom_id: str,
        *,
        values: Sequence[str] | None = None,
        **who: Any,
    ) -> Interaction:
        component = next(
            (c for c in iter_components(message.get("components") or []) if c.get("custom_id") == custom_id), None
        )
        if component is None:
            raise LookupError(f"no component {custom_id!r} in the message")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None:
            data["values"] = list(values)
        return await self.send(client, self.interaction(3, data, message=message, **who))


BACKGROUND = (
    "timeout_task_impl",
    "Clock.sleep",
    "Event.wait",
    "PollScheduler._run",
    "Queue.get",
    "RequestHandler.start",  # a loopback fake server's (TMDB, Wikidata) kept-alive connection
)


def _is_background(task: asyncio.Task[Any]) -> bool:
    """Tasks that wait on purpose, not work an event started: discord.py's 15-minute view timers on ephemeral
    messages, the movie-night scheduler and its sleeps (a clock's sleep, its wake-up event), discord.py's
    wait for the servers' GUILD_CREATE before on_ready (a queue get), a loopback fake server's connections."""
    name = getattr(task.get_coro(), "__qualname__", "")
    return any(name.endswith(b) for b in BACKGROUND)


def _split_kwargs(options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = {"who", "where", "permissions", "roles", "locale", "guild_locale"}
    return {k: v for k, v in options.items() if k in keys}, {k: v for k, v in options.items() if k not in keys}
