"""A loopback fake of the Telegram Bot API, for the end-to-end tests and the load benchmark.

The real python-telegram-bot `Application` talks HTTP to it (`base_url=fake.base_url`). It behaves like
Telegram where the bot can tell: `getUpdates` really long-polls and acknowledges through `offset`, sent
messages get ids and keep their (visible) text and keyboard, edits of unchanged messages fail with "message
is not modified", callback and inline queries may be answered once, bad HTML is refused, and errors carry
the HTTP status equal to `error_code` (python-telegram-bot reads the status). Every call is recorded and,
when a `validator` is given, checked (tests pass the Bot API spec checker from `tests/specs`).

It lives in the package (not under tests/) so `bench/telegram_load.py` can drive it too; it needs aiohttp,
which is in the `test` extra and imported only here.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.telegram.media import MediaState, UserFile
from tests.fakes.telegram.methods import JSON, ApiError, SentMessage, decode_params

__all__ = ["ApiError", "Call", "FakeBotApi", "SentMessage", "UserFile"]

Validator = Callable[[str, dict[str, str]], list[str]]


@dataclass
class Call:
    method: str
    raw: dict[str, str]
    params: JSON
    at: float
    result: object = None
    error: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    done: bool = False


@dataclass
class _Failure:
    code: int
    description: str
    times: int
    retry_after: int | None = None


@dataclass
class FakeBotApi(MediaState):
    """The fake server: HTTP on 127.0.0.1, the update feed, the call record and waiting for calls."""

    validator: Validator | None = None
    calls: list[Call] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    delivered_at: dict[int, float] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)
    # Each user's Telegram app language (`from.language_code`); users not listed speak English.
    languages: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._pending: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._failures: dict[str, _Failure] = {}
        self._waiters: list[tuple[Callable[[Call], bool], asyncio.Future[Call]]] = []
        self._cond: asyncio.Condition | None = None
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        self._cond = asyncio.Condition()
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server: Any = site._server
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Release blocked long polls first, so the bot's shutdown never waits out a poll timeout."""
        self._closing = True
        if self._cond is not None:
            async with self._cond:
                self._cond.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- what tests do as users ----------------------------------------------------------------
    def push(self, update: JSON) -> int:
        update_id = next(self._update_ids)
        self._pending.append({"update_id": update_id, **update})
        if self._cond is not None:
            asyncio.get_running_loop().create_task(self._notify())
        return update_id

    async def _notify(self) -> None:
        assert self._cond is not None
        async with self._cond:
            self._cond.notify_all()

    def user(self, user_id: int, name: str = "Ann") -> JSON:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": self.languages.get(user_id, "en")}

    def chat(self, chat_id: int, chat_type: str = "private", title: str | None = None) -> JSON:
        chat: JSON = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "Ann"
        else:
            chat["title"] = title or "Film club"
        self.chats[chat_id] = chat
        return chat

    def send_text(
        self,
        text: str,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        reply_to: JSON | None = None,
    ) -> int:
        """A user types `text` in a chat (private by default: the chat id is the user id)."""
        message = self._user_message(user_id, chat_id, chat_type, reply_to)
        message["text"] = text
        if entities := _command_entity(text):
            message["entities"] = entities
        return self.push({"message": message})

    def send_document(
        self,
        user_file: UserFile,
        caption: str = "",
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
    ) -> tuple[int, JSON]:
        """A user sends a file, maybe with a caption (`/film import`); returns the update id and message."""
        message = self._user_message(user_id, chat_id, chat_type, None)
        message["document"] = user_file.document()
        if caption:
            message["caption"] = caption
            if entities := _command_entity(caption):
                message["caption_entities"] = entities
        return self.push({"message": message}), message

    def vote(self, sent: SentMessage, option_ids: list[int], *, user_id: int = 1001, name: str = "Ann") -> int:
        """A member votes in a poll the bot sent (`[]` retracts): Telegram sends a `poll_answer` update."""
        return self.push(self.vote_update(sent, self.user(user_id, name), option_ids))

    def _user_message(self, user_id: int, chat_id: int | None, chat_type: str, reply_to: JSON | None) -> JSON:
        chat = self.chat(chat_id if chat_id is not None else user_id, chat_type)
        message: JSON = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                         "from": self.user(user_id)}  # fmt: skip
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        self.user_messages[(chat["id"], message["message_id"])] = message
        return message

    def press(self, sent: SentMessage, data: str, *, user_id: int = 1001) -> tuple[int, str]:
        """A user presses the button with callback `data` under a message the bot sent."""
        query_id = self._new_query_id()
        query: JSON = {"id": query_id, "from": self.user(user_id), "chat_instance": "ci", "data": data}
        if "inline_message_id" in sent.message:
            query["inline_message_id"] = sent.message["inline_message_id"]
        else:
            query["message"] = sent.message
        return self.push({"callback_query": query}), query_id

    def inline_query(self, text: str, *, offset: str = "", user_id: int = 1001) -> tuple[int, str]:
        query_id = self._new_query_id()
        query = {"id": query_id, "from": self.user(user_id), "query": text, "offset": offset}
        return self.push({"inline_query": query}), query_id

    def fail(self, method: str, code: int, description: str, *, times: int = 1, retry_after: int | None = None) -> None:
        """Make the next `times` calls of `method` fail as Telegram would."""
        self._failures[method] = _Failure(code, description, times, retry_after)

    # -- what tests check ----------------------------------------------------------------------
    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def chat_messages(self, chat_id: int) -> list[SentMessage]:
        return [m for (c, _), m in sorted(self.messages.items()) if c == chat_id]

    async def wait_for(
        self,
        method: str,
        where: Callable[[Call], bool] | None = None,
        *,
        since: int = 0,
        within: float = 5.0,
        arrived: bool = False,
    ) -> Call:
        """The first call of `method` (matching `where`) from index `since` on, waiting if need be.

        By default a call counts once the fake has answered it (a sent message is stored by then); with
        `arrived=True` as soon as it arrives (a long poll that is still waiting).
        """

        def matches(call: Call) -> bool:
            return call.method == method and (arrived or call.done) and (where is None or where(call))

        for call in self.calls[since:]:
            if matches(call):
                return call
        future: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        self._waiters.append((matches, future))
        try:
            return await asyncio.wait_for(future, within)
        finally:
            self._waiters = [w for w in self._waiters if w[1] is not future]

    # -- the HTTP side -------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(ApiError(401, "Unauthorized"))
        method = request.match_info["method"]
        form = await request.post()
        raw: dict[str, str] = {}
        files: dict[str, bytes] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = value.file.read()
                raw[key] = f"attach://{key}"
            else:
                raw[key] = str(value)
        call = Call(method, raw, decode_params(raw), time.perf_counter(), files=files)
        self.calls.append(call)
        self._wake(call)
        if self.validator is not None:
            self.violations.extend(f"{method}: {v}" for v in self.validator(method, raw))
        try:
            failure = self._failures.get(method)
            if failure is not None and failure.times > 0:
                failure.times -= 1
                raise ApiError(failure.code, failure.description, failure.retry_after)
            handler = getattr(self, f"_m_{method.lower()}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            call.result = await handler(call.params)
        except ApiError as exc:
            call.error = exc.description
            return self._error(exc)
        finally:
            call.done = True
            self._wake(call)
        return web.json_response({"ok": True, "result": call.result})

    async def _download(self, request: web.Request) -> web.Response:
        """The file server: `/file/bot<token>/<file_path>` as `getFile` named it."""
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        data = self.file_at(request.match_info["path"])
        if data is None:
            return web.Response(status=404)
        self.downloads.append(request.match_info["path"])
        return web.Response(body=data)

    def _wake(self, call: Call) -> None:
        for matches, future in list(self._waiters):
            if not future.done() and matches(call):
                future.set_result(call)

    @staticmethod
    def _error(exc: ApiError) -> web.Response:
        body: JSON = {"ok": False, "error_code": exc.code, "description": exc.description}
        if exc.retry_after is not None:
            body["parameters"] = {"retry_after": exc.retry_after}
        return web.json_response(body, status=exc.code)

    # -- the update feed -----------------------------------------------------------------------
    async def _m_getupdates(self, p: JSON) -> list[JSON]:
        assert self._cond is not None
        offset = int(p.get("offset") or 0)
        if offset:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        timeout = float(p.get("timeout") or 0)
        if not self._pending and timeout > 0 and not self._closing:
            async with self._cond:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._cond.wait_for(lambda: bool(self._pending) or self._closing), timeout)
        batch = self._pending[: int(p.get("limit") or 100)]
        now = time.perf_counter()
        for u in batch:
            self.delivered_at.setdefault(u["update_id"], now)
        return batch


def _command_entity(text: str) -> list[JSON]:
    if not text.startswith("/"):
        return []
    head = text.split(maxsplit=1)[0] if text.split() else text
    return [{"type": "bot_command", "offset": 0, "length": len(head.encode("utf-16-le")) // 2}]
