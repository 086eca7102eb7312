"""A loopback fake Discord over real sockets: REST on `http://127.0.0.1:PORT/api/v10` and a websocket gateway.

For tests that run `filmbot run` as a separate process (`DISCORD__API_BASE_URL=fake.api_base_url`), where the
in-process seams of `testing.FakeDiscord` cannot reach. It answers what the bot needs to start and to answer
slash commands: login (`GET /users/@me`, the application), `GET /gateway/bot` (naming this gateway), the
interaction callback (`?with_response=1` gets Discord's `{"interaction", "resource"}` body) and the interaction
webhook messages (follow-ups, `@original`), and native polls: a message sent with a poll keeps it, members
`vote` (MESSAGE_POLL_VOTE_ADD / _REMOVE go to the bot when it is online; offline votes are only recorded,
as Discord never replays them), `GET .../polls/{m}/answers/{a}` pages through an answer's voters and
`POST .../polls/{m}/expire` ends a poll, answering with its final counts. Anything else is answered 404 with
a Discord error body, and recorded.
The gateway says HELLO, answers heartbeats, takes IDENTIFY with READY (one server, still unavailable) and then
GUILD_CREATE, and sends what a test dispatches (`slash` builds an INTERACTION_CREATE). Frames are plain JSON text,
which discord.py reads without decompressing.

Every request is recorded (`requests`) and, when a `validator` is given (tests pass the OpenAPI checker from
`tests/specs`), checked: a rejected request is answered 400, as Discord would, and kept in `violations`.
Needs aiohttp (a discord.py dependency); nothing happens at import time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import discord
from aiohttp import WSMsgType, web

from tests.fakes.discord.payloads import (
    ALICE,
    APP_ID,
    EPHEMERAL,
    LOADING,
    application_payload,
    bot_message,
    bot_user,
    command_data,
    guild_payload,
    interaction_payload,
    poll_vote_payload,
    ready_payload,
)
from tests.fakes.discord.records import Request, Validator

API_PREFIX = "/api/v10"
HEARTBEAT_INTERVAL_MS = 41_250
_CALLBACK = re.compile(r"^/interactions/(\d+)/([^/]+)/callback$")
_WEBHOOK = re.compile(r"^/webhooks/(\d+)/([^/]+)(?:/messages/([^/]+))?$")
_POLL = re.compile(r"^/channels/(\d+)/polls/(\d+)/(expire|answers/(\d+))$")
POLL_EXPIRED = 520001
VOTERS_PAGE_DEFAULT = 25


class DiscordError(Exception):
    """An error answer: the HTTP status and Discord's JSON error code."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class SentInteraction:
    """An interaction the fake dispatched, and how the bot answered it."""

    payload: dict[str, Any]
    callback: dict[str, Any] | None = None
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)

    @property
    def token(self) -> str:
        return str(self.payload["token"])


@dataclass
class FakeDiscordServer:
    """The fake: start it, point the bot at `api_base_url`, dispatch events, wait for the bot's requests."""

    validator: Validator | None = None
    requests: list[Request] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)  # every gateway frame the bot sent
    interactions: dict[str, SentInteraction] = field(default_factory=dict)
    reject_token: bool = False  # answer every REST call 401, as Discord does for a wrong token
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # every message the bot sent, by id
    poll_voters: dict[str, dict[int, list[dict[str, Any]]]] = field(default_factory=dict)  # message -> answer

    def __post_init__(self) -> None:
        self.port = 0
        self._ids = itertools.count(950000000000000001)
        self._seq = itertools.count(1)
        self._sockets: set[web.WebSocketResponse] = set()
        self._runner: web.AppRunner | None = None
        self._changed: asyncio.Condition | None = None

    # -- lifecycle -------------------------------------------------------------------------------------

    @property
    def api_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        self._changed = asyncio.Condition()
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- what tests do ---------------------------------------------------------------------------------

    def snowflake(self) -> str:
        return str(next(self._ids))

    async def dispatch(self, event: str, data: Mapping[str, Any]) -> None:
        """Send a gateway event (op 0) to every connected bot session."""
        frame = {"op": 0, "t": event, "s": next(self._seq), "d": data}
        for ws in list(self._sockets):
            await ws.send_str(json.dumps(frame))

    async def slash(self, name: str, *, sub: str | None = None, who: Mapping[str, Any] = ALICE, **options: Any) -> str:
        """A user runs `/name [sub] option:value ...` in the server's #films; returns the interaction token."""
        data = command_data(cast(discord.Client, None), name, sub, options)  # the client is not read
        payload = interaction_payload(self.snowflake, 2, data, who=who)
        sent = SentInteraction(payload)
        self.interactions[sent.token] = sent
        await self.dispatch("INTERACTION_CREATE", payload)
        return sent.token

    async def vote(self, message_id: str, who: Mapping[str, Any], answer_id: int, *, online: bool = True) -> None:
        """A member picks `answer_id` on a single-choice poll (dropping any other answer, as Discord does);
        `online=False`: the bot is down and never hears of it."""
        message = self.messages[message_id]
        if message["poll"]["results"]["is_finalized"]:
            raise AssertionError("Discord does not accept votes on an ended poll")
        voters = self.poll_voters.setdefault(message_id, {})
        for other, members in voters.items():
            if other != answer_id and any(m["id"] == who["id"] for m in members):
                members[:] = [m for m in members if m["id"] != who["id"]]
                if online:
                    await self.dispatch("MESSAGE_POLL_VOTE_REMOVE", poll_vote_payload(message, who, other))
        members = voters.setdefault(answer_id, [])
        if not any(m["id"] == who["id"] for m in members):
            members.append(dict(who))
            if online:
                await self.dispatch("MESSAGE_POLL_VOTE_ADD", poll_vote_payload(message, who, answer_id))

    def answer_counts(self, message_id: str) -> list[dict[str, Any]]:
        voters = self.poll_voters.get(message_id, {})
        return [{"id": a, "count": len(m), "me_voted": False} for a, m in sorted(voters.items()) if m]

    async def wait_until(self, check: Callable[[], Any], *, within: float = 30.0) -> Any:
        """Wait (at most `within` seconds) until `check()` returns something truthy; return it."""
        assert self._changed is not None, "start the fake first"
        async with self._changed:
            return await asyncio.wait_for(self._changed.wait_for(check), within)

    async def wait_for_identify(self, *, within: float = 30.0, nth: int = 1) -> dict[str, Any]:
        """The `nth` IDENTIFY the fake received (a restarted bot identifies again)."""

        def identified() -> dict[str, Any] | None:
            frames = [f for f in self.received if f.get("op") == 2]
            return frames[nth - 1] if len(frames) >= nth else None

        return cast(dict[str, Any], await self.wait_until(identified, within=within))

    async def wait_for_answer(self, token: str, *, within: float = 30.0) -> SentInteraction:
        """The interaction once the bot has answered it with a message (at once, or after deferring)."""
        sent = self.interactions[token]

        def answered() -> bool:
            return sent.original is not None and not int(sent.original.get("flags") or 0) & LOADING

        await self.wait_until(answered, within=within)
        return sent

    def _frame(self, op: int) -> dict[str, Any] | None:
        return next((f for f in self.received if f.get("op") == op), None)

    async def _notify(self) -> None:
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()

    # -- the gateway -----------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            await ws.send_json({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}, "s": None, "t": None})
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                self.received.append(frame)
                await self._on_frame(ws, frame)
                await self._notify()
        finally:
            self._sockets.discard(ws)
        return ws

    async def _on_frame(self, ws: web.WebSocketResponse, frame: Mapping[str, Any]) -> None:
        op = frame.get("op")
        if op == 1:  # heartbeat
            await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:  # identify
            shard = tuple((frame.get("d") or {}).get("shard") or (0, 1))
            ready = ready_payload((int(shard[0]), int(shard[1])))
            ready["resume_gateway_url"] = self.gateway_url
            await ws.send_json({"op": 0, "t": "READY", "s": next(self._seq), "d": ready})
            if shard[0] == 0:
                await ws.send_json({"op": 0, "t": "GUILD_CREATE", "s": next(self._seq), "d": guild_payload()})
        elif op == 6:  # resume: nothing was missed
            await ws.send_json({"op": 0, "t": "RESUMED", "s": next(self._seq), "d": {}})

    # -- REST ------------------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        query = dict(request.query)
        body = await _body(request)
        self.requests.append(Request(request.method, path, body, query, "http"))
        try:
            if self.reject_token:
                raise DiscordError(401, 0, "401: Unauthorized")
            if self.validator is not None:
                problems = self.validator(request.method, path, body, query)
                if problems:
                    self.violations.extend(problems)
                    raise DiscordError(400, 50035, "Invalid Form Body: " + "; ".join(problems)[:500])
            answer = self._answer(request.method, path, body, query)
        except DiscordError as exc:
            answer, status = {"code": exc.code, "message": exc.message}, exc.status
        else:
            status = 200 if answer is not None else 204
        await self._notify()
        if status == 204:
            return web.Response(status=204)
        return web.Response(status=status, body=json.dumps(answer).encode(), content_type="application/json")

    def _answer(self, method: str, path: str, body: Any, query: Mapping[str, str]) -> Any:
        if (method, path) == ("GET", "/users/@me"):
            return bot_user()
        if method == "GET" and path in ("/oauth2/applications/@me", "/applications/@me"):
            return application_payload()
        if (method, path) == ("GET", "/gateway/bot"):
            limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
            return {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}
        if method == "POST" and (found := _CALLBACK.match(path)):
            return self._callback(found[2], body or {}, bool(query.get("with_response")))
        if found := _WEBHOOK.match(path):
            return self._webhook(method, found[2], found[3], body or {})
        if found := _POLL.match(path):
            return self._poll(method, found[2], found[4], query)
        self.unknown.append(f"{method} {path}")
        raise DiscordError(404, 0, "404: Not Found")

    def _callback(self, token: str, body: Mapping[str, Any], with_response: bool) -> Any:
        sent = self.interactions.get(token)
        if sent is None:
            raise DiscordError(404, 10062, "Unknown interaction")
        if sent.callback is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        sent.callback = dict(body)
        kind = int(body["type"])
        message: dict[str, Any] | None = None
        if kind in (4, 5):
            data = body.get("data") or {}
            flags = int(data.get("flags") or 0) | (LOADING if kind == 5 else 0)
            message = self._new_message(sent, {**data, "flags": flags})
            sent.original = message
        if not with_response:
            return None
        response: dict[str, Any] = {
            "interaction": {
                "id": str(sent.payload["id"]),
                "type": sent.payload["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(message and int(message["flags"]) & EPHEMERAL),
            }
        }
        if message is not None:
            response["interaction"]["response_message_id"] = message["id"]
            response["resource"] = {"type": kind, "message": message}
        return response

    def _webhook(self, method: str, token: str, target: str | None, body: Mapping[str, Any]) -> Any:
        sent = self.interactions.get(token)
        if sent is None:
            raise DiscordError(404, 10015, "Unknown Webhook")
        if target is None:
            if method != "POST":
                raise DiscordError(405, 0, "405: Method Not Allowed")
            if sent.original is not None and int(sent.original["flags"]) & LOADING:
                return _apply(sent.original, body, edit=True)  # the first follow-up fills a "thinking" defer
            message = self._new_message(sent, body)
            sent.followups.append(message)
            return message
        found = sent.original if target == "@original" else next((m for m in sent.followups if m["id"] == target), None)
        if found is None:
            raise DiscordError(404, 10008, "Unknown Message")
        if method == "GET":
            return found
        if method == "DELETE":
            if found is sent.original:
                sent.original = None
            else:
                sent.followups.remove(found)
            return None
        if method == "PATCH":
            return _apply(found, body, edit=True)
        raise DiscordError(405, 0, "405: Method Not Allowed")

    def _poll(self, method: str, message_id: str, answer: str | None, query: Mapping[str, str]) -> Any:
        message = self.messages.get(message_id)
        if message is None or not message.get("poll"):
            raise DiscordError(404, 10008, "Unknown Message")
        poll = message["poll"]
        if method == "POST" and answer is None:
            if poll["results"]["is_finalized"]:
                raise DiscordError(400, POLL_EXPIRED, "Poll expired")
            poll["results"] = {"is_finalized": True, "answer_counts": self.answer_counts(message_id)}
            return message
        if method == "GET" and answer is not None:
            voters = sorted(self.poll_voters.get(message_id, {}).get(int(answer), []), key=lambda u: int(u["id"]))
            after, limit = int(query.get("after") or 0), int(query.get("limit") or VOTERS_PAGE_DEFAULT)
            return {"users": [u for u in voters if int(u["id"]) > after][:limit]}
        raise DiscordError(405, 0, "405: Method Not Allowed")

    def _new_message(self, sent: SentInteraction, data: Mapping[str, Any]) -> dict[str, Any]:
        payload = sent.payload
        message = bot_message(self.snowflake(), payload.get("channel_id"), kind=20 if payload["type"] == 2 else 0)
        message |= {"webhook_id": str(APP_ID), "application_id": str(APP_ID)}
        if payload.get("guild_id"):
            message["guild_id"] = payload["guild_id"]
        if data.get("poll"):
            message["poll"] = _poll_of(data["poll"])
        self.messages[message["id"]] = message
        return _apply(message, data, edit=False)


def _poll_of(poll: Mapping[str, Any]) -> dict[str, Any]:
    """A sent poll as Discord shows it: numbered answers, results not final."""
    return {
        "question": poll["question"],
        "answers": [{"answer_id": n, **a} for n, a in enumerate(poll["answers"], start=1)],
        "expiry": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=int(poll.get("duration") or 24))).isoformat(),
        "allow_multiselect": bool(poll.get("allow_multiselect")),
        "layout_type": poll.get("layout_type", 1),
        "results": {"is_finalized": False, "answer_counts": []},
    }


def _apply(message: dict[str, Any], data: Mapping[str, Any], *, edit: bool) -> dict[str, Any]:
    if edit:
        message["flags"] = int(message.get("flags") or 0) & ~LOADING
    for key in ("content", "embeds", "components", "attachments"):
        if key in data:
            message[key] = data[key] if data[key] is not None else ("" if key == "content" else [])
    if data.get("flags") is not None:
        message["flags"] = int(message.get("flags") or 0) | int(data["flags"])
    for embed in message["embeds"]:
        embed.setdefault("type", "rich")
    return message


async def _body(request: web.Request) -> Any:
    """The JSON body, or a multipart request's `payload_json` part (files are not kept)."""
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        raw = form.get("payload_json")
        return json.loads(raw) if isinstance(raw, str) else None
    text = await request.text()
    return json.loads(text) if text else None
