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
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import discord
from discord.http import HTTPClient, Route
from discord.webhook.async_ import AsyncWebhookAdapter

from adapters.discord.fake_channels import NOT_MINE, ChannelsAndPolls

Validator = Callable[[str, str, Any, Mapping[str, Any] | None], list[str]]

APP_ID = 900000000000000001
BOT_ID = 900000000000000002
GUILD_ID = 910000000000000001
CHANNEL_ID = 920000000000000001
OWNER_ID = 930000000000000001
ADMIN_ROLE_ID = 940000000000000001
EPHEMERAL = 1 << 6
LOADING = 1 << 7


def user(user_id: int, name: str = "someone") -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name, "avatar": None}


ALICE = user(100000000000000001, "alice")
BOB = user(100000000000000002, "bob")


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
    return cls(_Response(status, message), {"code": code, "message": message})  # type: ignore[arg-type]


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


def message_text(message: Mapping[str, Any]) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for f in embed.get("fields") or []:
            parts += [f.get("name") or "", f.get("value") or ""]
        parts.append((embed.get("footer") or {}).get("text") or "")
    for component in iter_components(message.get("components") or []):
        parts.append(component.get("label") or "")
        parts += [o.get("label", "") + " " + (o.get("description") or "") for o in component.get("options") or []]
    poll = message.get("poll")
    if poll:
        parts.append(poll["question"]["text"])
        parts += [a["poll_media"]["text"] for a in poll["answers"]]
    return "\n".join(p for p in parts if p)


def iter_components(components: Sequence[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for component in components:
        yield component
        yield from iter_components(component.get("components") or [])


class FakeDiscord(ChannelsAndPolls):
    """Discord's side of the conversation, in memory. Use `installed()` around everything."""

    _active: FakeDiscord | None = None

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

    # -- installation --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def installed(self) -> Iterator[FakeDiscord]:
        fake = self
        saved = HTTPClient.request, AsyncWebhookAdapter.request, HTTPClient.get_from_cdn

        async def http_request(
            http: HTTPClient, route: Route, *, files: Any = None, form: Any = None, **kw: Any
        ) -> Any:
            body = kw.get("json")
            if form:
                body = _form_json(form)
            return await fake.handle("http", route, body, kw.get("params") or {})

        async def webhook_request(
            adapter: AsyncWebhookAdapter,
            route: Route,
            session: Any,
            *,
            payload: Any = None,
            multipart: Any = None,
            params: Any = None,
            **kw: Any,
        ) -> Any:
            body = _form_json(multipart) if multipart else payload
            return await fake.handle("webhook", route, body, params or {})

        async def get_from_cdn(http: HTTPClient, url: str) -> bytes:
            return await fake.from_cdn(url)

        HTTPClient.request = http_request  # type: ignore[assignment]
        AsyncWebhookAdapter.request = webhook_request  # type: ignore[assignment]
        HTTPClient.get_from_cdn = get_from_cdn  # type: ignore[method-assign, assignment]
        FakeDiscord._active = self
        try:
            yield self
        finally:
            HTTPClient.request, AsyncWebhookAdapter.request, HTTPClient.get_from_cdn = saved  # type: ignore[method-assign]
            FakeDiscord._active = None

    def snowflake(self) -> str:
        return str(next(self._ids))

    # -- requests ------------------------------------------------------------------------------------

    async def handle(self, seam: str, route: Route, body: Any, query: Mapping[str, Any]) -> Any:
        path = route.url.removeprefix(Route.BASE)
        request = Request(route.method, path, body, dict(query), seam)
        self.requests.append(request)
        token = route.webhook_token if route.webhook_token else None
        interaction = self.interactions.get(token) if token else None
        if interaction is None and "/interactions/" in path:
            interaction = self.interactions.get(path.split("/")[3])
        if interaction is not None:
            interaction.requests.append(request)
        if self.validator is not None:
            problems = self.validator(route.method, path, body, query)
            if problems:
                self.violations.extend(problems)
                raise http_error(400, 50035, "Invalid Form Body: " + "; ".join(problems)[:500])
        return self._answer(route, path, body, query, interaction)

    def _answer(
        self, route: Route, path: str, body: Any, query: Mapping[str, Any], interaction: Interaction | None
    ) -> Any:
        method, template = route.method, route.path
        if (method, template) == ("GET", "/users/@me"):
            return {**user(BOT_ID, "filmbot"), "bot": True}
        if (method, template) == ("GET", "/oauth2/applications/@me"):
            return _application()
        if template.endswith("/commands") and method == "PUT":
            guild = int(route.guild_id) if route.guild_id else None
            stored = [{**c, "id": self.snowflake(), "application_id": str(APP_ID), "version": "1"} for c in body or []]
            if guild:
                for c in stored:
                    c["guild_id"] = str(guild)
            self.commands[guild] = stored
            return stored
        if template.endswith("/commands") and method == "GET":
            return self.commands.get(int(route.guild_id) if route.guild_id else None, [])
        if template.startswith("/interactions/") and template.endswith("/callback"):
            return self._callback(interaction, body, bool(query.get("with_response")))
        if template.startswith("/webhooks/{webhook_id}/{webhook_token}"):
            return self._webhook(route, template, body, interaction)
        found = self.answer_channels(route, body, query)
        if found is not NOT_MINE:
            return found
        raise http_error(404, 10000, f"the fake Discord does not know {method} {template}")

    def _callback(self, interaction: Interaction | None, body: Any, with_response: bool) -> Any:
        if interaction is None:
            raise http_error(404, 10062, "Unknown interaction")
        if interaction.callback is not None:
            raise http_error(400, 40060, "Interaction has already been acknowledged.")
        interaction.callback = body
        interaction.answered_at = time.perf_counter()
        kind = int(body["type"])
        data = body.get("data") or {}
        message: dict[str, Any] | None = None
        if kind in (4, 5):
            flags = int(data.get("flags") or 0) | (LOADING if kind == 5 else 0)
            message = self._new_message(interaction, {**data, "flags": flags})
            interaction.original_id = message["id"]
        elif kind in (6, 7):
            source = interaction.payload.get("message") or {}
            interaction.original_id = source.get("id")
            if kind == 7 and interaction.original_id in self.messages:
                message = self._edit(interaction.original_id, data)
        if not with_response:
            return None
        response: dict[str, Any] = {
            "interaction": {
                "id": str(interaction.payload["id"]),
                "type": interaction.payload["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(message and int(message.get("flags") or 0) & EPHEMERAL),
            }
        }
        if message is not None:
            response["interaction"]["response_message_id"] = message["id"]
            response["resource"] = {"type": kind, "message": message}
        return response

    def _webhook(self, route: Route, template: str, body: Any, interaction: Interaction | None) -> Any:
        if interaction is None:
            raise http_error(404, 10015, "Unknown Webhook")
        if template.endswith("/messages/@original"):
            target = interaction.original_id
        elif template.endswith("/messages/{message_id}"):
            target = route.url.rsplit("/", 1)[1]
        else:
            target = None
        if route.method == "POST" and target is None:
            if interaction.original_id and int(self.messages[interaction.original_id].get("flags", 0)) & LOADING:
                # The first follow-up after a "thinking" defer fills in the deferred message.
                return self._edit(interaction.original_id, {**body, "flags": int(body.get("flags") or 0)})
            message = self._new_message(interaction, body or {})
            interaction.followups.append(message)
            return message
        if target is None or target not in self.messages:
            raise http_error(404, 10008, "Unknown Message")
        if route.method == "GET":
            return self.messages[target]
        if route.method == "DELETE":
            del self.messages[target]
            return None
        return self._edit(target, body or {})

    def _new_message(self, interaction: Interaction, data: Mapping[str, Any]) -> dict[str, Any]:
        payload = interaction.payload
        message: dict[str, Any] = {
            "id": self.snowflake(),
            "channel_id": payload.get("channel_id"),
            "author": {**user(BOT_ID, "filmbot"), "bot": True},
            "content": "",
            "embeds": [],
            "components": [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "type": 20 if payload["type"] == 2 else 0,
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            "edited_timestamp": None,
            "flags": 0,
            "webhook_id": str(APP_ID),
            "application_id": str(APP_ID),
        }
        if payload.get("guild_id"):
            message["guild_id"] = payload["guild_id"]
        self.messages[message["id"]] = message
        self._apply(message, data)
        return message

    def _edit(self, message_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        message = self.messages[message_id]
        message["edited_timestamp"] = dt.datetime.now(dt.UTC).isoformat()
        message["flags"] = int(message.get("flags") or 0) & ~LOADING
        self._apply(message, data)
        return message

    def _apply_message(self, message: dict[str, Any], data: Mapping[str, Any]) -> None:
        self._apply(message, data)

    @staticmethod
    def _apply(message: dict[str, Any], data: Mapping[str, Any]) -> None:
        for key in ("content", "embeds", "components", "attachments"):
            if key in data:
                message[key] = data[key] if data[key] is not None else ("" if key == "content" else [])
        if "flags" in data and data["flags"] is not None:
            message["flags"] = int(message.get("flags") or 0) | int(data["flags"])
        for embed in message["embeds"]:
            embed.setdefault("type", "rich")
        if data.get("poll"):
            poll = data["poll"]
            hours = int(poll.get("duration") or 24)
            message["poll"] = {
                "question": poll["question"],
                "answers": [{"answer_id": n, **a} for n, a in enumerate(poll["answers"], start=1)],
                "expiry": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)).isoformat(),
                "allow_multiselect": bool(poll.get("allow_multiselect")),
                "layout_type": poll.get("layout_type", 1),
                "results": {"is_finalized": False, "answer_counts": []},
            }

    # -- events --------------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self, services: Any, **options: Any) -> AsyncIterator[Any]:
        """A logged-in, connected client built by the adapter's own `build_client` (use inside installed())."""
        from adapters.discord.client import build_client

        client = build_client(services, **options)
        async with client:
            await client.login("fake-token")
            before = asyncio.all_tasks()
            self.connect(client)
            await asyncio.wait_for(client.wait_until_ready(), 5)
            await self.settle(before)  # let on_ready (movie-night catch-up) finish before the test acts
            yield client

    def connect(self, client: discord.Client) -> None:
        """READY (one per shard) and GUILD_CREATE through the real parsers: the bot is in one server, #films."""
        state: Any = client._connection
        state.guild_ready_timeout = 0.01
        shards: list[tuple[int, int]] = [(0, 1)]
        if isinstance(client, discord.AutoShardedClient):
            count = client.shard_count or 1
            state.shard_count = count
            state.shard_ids = client.shard_ids or list(range(count))
            shards = [(shard_id, count) for shard_id in state.shard_ids]
        for shard in shards:
            state.parsers["READY"](
                {
                    "v": 10,
                    "user": {**user(BOT_ID, "filmbot"), "bot": True},
                    "guilds": [{"id": str(GUILD_ID), "unavailable": True}] if shard[0] == 0 else [],
                    "session_id": "fake-session",
                    "resume_gateway_url": "wss://gateway.invalid",
                    "application": {"id": str(APP_ID), "flags": 0},
                    "shard": list(shard),
                }
            )
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
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload. `where`: guild, dm (bot DM) or group (a group DM, user install)."""
        iid = self.snowflake()
        payload: dict[str, Any] = {
            "id": iid,
            "application_id": str(APP_ID),
            "type": kind,
            "data": data,
            "token": f"tok-{iid}",
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": str(discord.Permissions.all().value),
        }
        if where == "guild":
            payload.update(
                guild_id=str(GUILD_ID),
                guild_locale="en-US",
                channel_id=str(CHANNEL_ID),
                channel={"id": str(CHANNEL_ID), "type": 0, "guild_id": str(GUILD_ID), "name": "films"},
                member={
                    "user": dict(who),
                    "roles": [str(r) for r in roles],
                    "permissions": str(permissions),
                    "joined_at": "2024-01-01T00:00:00+00:00",
                    "deaf": False,
                    "mute": False,
                    "flags": 0,
                },
                context=0,
                authorizing_integration_owners={"0": str(GUILD_ID)},
            )
        else:
            channel_id = self.snowflake()
            channel_type = 1 if where == "dm" else 3
            channel: dict[str, Any] = {"id": channel_id, "type": channel_type, "recipients": [dict(who)]}
            if channel_type == 3:
                channel.update(name=None, owner_id=str(who["id"]), icon=None)
            payload.update(
                channel_id=channel_id,
                channel=channel,
                user=dict(who),
                context=1 if where == "dm" else 2,
                authorizing_integration_owners={"1": str(who["id"])},
            )
        if message is not None:
            payload["message"] = json.loads(json.dumps(message))
        return payload

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
        """Run `/name [sub] option:value ...`. Interaction keywords: who, where, permissions, roles."""
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


BACKGROUND = ("timeout_task_impl", "Clock.sleep", "Event.wait", "PollScheduler._run")


def _is_background(task: asyncio.Task[Any]) -> bool:
    """Tasks that wait on purpose, not work an event started: discord.py's 15-minute view timers on ephemeral
    messages, the movie-night scheduler and its sleeps (a clock's sleep, its wake-up event)."""
    name = getattr(task.get_coro(), "__qualname__", "")
    return any(name.endswith(b) for b in BACKGROUND)


def _split_kwargs(options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = {"who", "where", "permissions", "roles"}
    return {k: v for k, v in options.items() if k in keys}, {k: v for k, v in options.items() if k not in keys}


def command_data(
    client: discord.Client, name: str, sub: str | None, options: Mapping[str, Any], focused: str | None = None
) -> dict[str, Any]:
    """`data` of an application command interaction, with option types as Discord sends them."""

    attachments: dict[str, Any] = {}

    def option(key: str, value: Any) -> dict[str, Any]:
        kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
        if isinstance(value, Mapping) and "filename" in value:  # an upload(): an attachment option
            attachments[str(value["id"])] = dict(value)
            kind, value = 11, str(value["id"])
        out: dict[str, Any] = {"name": key, "type": kind, "value": value}
        if key == focused:
            out["focused"] = True
        return out

    opts = [option(k, v) for k, v in options.items() if v is not None]
    data: dict[str, Any] = {"id": "1", "name": name, "type": 1}
    data["options"] = [{"type": 1, "name": sub, "options": opts}] if sub else opts
    if attachments:
        data["resolved"] = {"attachments": attachments}
    return data


def guild_payload() -> dict[str, Any]:
    everyone = {
        "id": str(GUILD_ID),
        "name": "@everyone",
        "permissions": str(discord.Permissions.general().value),
        "position": 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }
    admins = {**everyone, "id": str(ADMIN_ROLE_ID), "name": "Film admins", "position": 1}
    return {
        "id": str(GUILD_ID),
        "name": "Film Club",
        "owner_id": str(OWNER_ID),
        "unavailable": False,
        "member_count": 3,
        "roles": [everyone, admins],
        "channels": [{"id": str(CHANNEL_ID), "type": 0, "name": "films", "position": 0, "permission_overwrites": []}],
        "members": [],
        "emojis": [],
        "stickers": [],
        "features": [],
        "threads": [],
        "voice_states": [],
        "presences": [],
        "preferred_locale": "en-US",
    }


def _application() -> dict[str, Any]:
    return {
        "id": str(APP_ID),
        "name": "filmbot",
        "icon": None,
        "description": "A film club bot",
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user(OWNER_ID, "owner"),
        "verify_key": "0" * 64,
        "flags": 0,
    }


def _form_json(form: Any) -> Any:
    for part in form or []:
        if part.get("name") == "payload_json":
            return json.loads(part["value"])
    return None
