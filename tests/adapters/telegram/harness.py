"""Run the real Telegram bot (`run_telegram`, the real python-telegram-bot Application) against the loopback
fake Bot API, and talk to it as users do: type a command, press a button, type an inline query.

Every call the bot makes is checked against the Bot API spec when `../shared` is present; `finish` fails the
test on any violation.
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.telegram.runner import run_telegram
from bot.films.model import Film
from bot.services import Services
from tests.fakes.telegram.server import Call, FakeBotApi, SentMessage
from tests.specs.telegram_spec import MISSING_REASON, SPEC_PATH, TelegramSpec
from tests.support.catalog import make_services

TOKEN = "123456:TEST-TOKEN"
USER = 1001
GROUP = -100500


@dataclass
class Press:
    """What a user sees after pressing a button: the callback answer and the message, maybe edited."""

    answer: dict[str, Any]
    message: SentMessage | None


class BotHarness:
    def __init__(self, api: FakeBotApi, services: Services) -> None:
        self.api = api
        self.services = services

    async def say(
        self, text: str, *, user_id: int = USER, chat_id: int | None = None, chat_type: str = "private"
    ) -> SentMessage:
        """Type `text`; return the bot's reply as the chat shows it."""
        chat = chat_id if chat_id is not None else user_id
        mark = len(self.api.calls)
        self.api.send_text(text, user_id=user_id, chat_id=chat, chat_type=chat_type)
        call = await self.api.wait_for("sendMessage", lambda c: str(c.params.get("chat_id")) == str(chat), since=mark)
        assert call.error is None, call.error
        return self.api.messages[(chat, call.result["message_id"])]  # type: ignore[index]

    async def silence(self, text: str, *, chat_id: int, chat_type: str = "group", user_id: int = USER) -> None:
        """Type `text` and check the bot says nothing (it handled the update and stayed quiet)."""
        mark = len(self.api.calls)
        update_id = self.api.send_text(text, user_id=user_id, chat_id=chat_id, chat_type=chat_type)
        # The next poll acknowledges the update: by then the bot has fetched and handled it.
        await self.api.wait_for(
            "getUpdates", lambda c: int(c.params.get("offset") or 0) > update_id, since=mark, arrived=True
        )
        await asyncio.sleep(0.05)
        assert [c.method for c in self.api.calls[mark:] if c.method not in {"getUpdates"}] == []

    async def press(self, sent: SentMessage, label: str, *, user_id: int = USER) -> Press:
        """Press the button whose label contains `label`; wait for the answer and any edit or new message."""
        data = sent.button(label)["callback_data"]
        mark = len(self.api.calls)
        edits = sent.edits
        _, query_id = self.api.press(sent, data, user_id=user_id)
        answer = await self.api.wait_for(
            "answerCallbackQuery", lambda c: c.params.get("callback_query_id") == query_id, since=mark
        )
        if answer.params.get("show_alert"):
            return Press(answer.params, None)
        follow = (
            await self.api.wait_for("editMessageText", since=mark)
            if not data.startswith("n:")
            else await self.api.wait_for("sendMessage", since=mark)
        )
        assert follow.error is None, follow.error
        if follow.method == "editMessageText":
            assert sent.edits == edits + 1
            return Press(answer.params, sent)
        chat = int(follow.params["chat_id"])
        return Press(answer.params, self.api.messages[(chat, follow.result["message_id"])])  # type: ignore[index]

    async def inline(self, text: str, *, offset: str = "", user_id: int = USER) -> dict[str, Any]:
        mark = len(self.api.calls)
        _, query_id = self.api.inline_query(text, offset=offset, user_id=user_id)
        call = await self.api.wait_for(
            "answerInlineQuery", lambda c: c.params.get("inline_query_id") == query_id, since=mark
        )
        return call.params

    def calls(self, method: str) -> list[Call]:
        return self.api.calls_of(method)


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 5.0, what: str = "condition") -> None:
    """Wait until `check()` holds: for effects with no outgoing call (a recorded poll answer)."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def new_api() -> FakeBotApi:
    """A fake Bot API checking every call against the spec (when ../shared is present)."""
    validator = TelegramSpec.load().check_call if SPEC_PATH.exists() else None
    if validator is None:
        warnings.warn(f"Bot API calls are not checked: {MISSING_REASON}", stacklevel=3)
    return FakeBotApi(token=TOKEN, validator=validator)


@contextlib.asynccontextmanager
async def running_bot(
    tmp_path: Path,
    *,
    films: Sequence[Film] | None = None,
    wait_for_polling: bool = True,
    api: FakeBotApi | None = None,
    services: Services | None = None,
    **telegram: Any,
) -> AsyncIterator[BotHarness]:
    """The whole bot as `filmbot run` starts it, on a temporary database, polling the fake Bot API.

    Pass `api` (started) and/or `services` to keep them across a restart: the caller then stops them.
    """
    own_api = api is None
    if api is None:
        api = new_api()
        await api.start()
    settings = {"token": TOKEN, "base_url": api.base_url, "base_file_url": api.base_file_url, **telegram}
    own_services = services is None
    if services is None:
        services = await make_services(tmp_path, films, telegram=settings)
    stop = asyncio.Event()
    mark = len(api.calls)
    task = asyncio.create_task(run_telegram(services, stop), name="telegram")
    try:
        started = "getUpdates" if wait_for_polling else "setWebhook"
        getting = asyncio.ensure_future(api.wait_for(started, within=10, arrived=True, since=mark))
        done, _ = await asyncio.wait({getting, task}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            getting.cancel()
            task.result()  # raises the start-up failure
        yield BotHarness(api, services)
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, 10)
        finally:
            if own_api:
                await api.stop()
            if own_services:
                await services.db.dispose()
    assert api.violations == [], "calls that break the Bot API spec:\n" + "\n".join(api.violations)


def bot_settings(api: FakeBotApi, **telegram: Any) -> dict[str, Any]:
    """Telegram settings pointing at `api`, for services built by a test (restarts)."""
    return {"token": TOKEN, "base_url": api.base_url, "base_file_url": api.base_file_url, **telegram}


def process_env(api: FakeBotApi, **telegram: str) -> dict[str, str]:
    """The same as environment variables, for a `filmbot run` child process: `process_env(api, poll_timeout="1")`
    is TELEGRAM__TOKEN, TELEGRAM__BASE_URL, TELEGRAM__BASE_FILE_URL and TELEGRAM__POLL_TIMEOUT."""
    return {f"TELEGRAM__{name.upper()}": str(value) for name, value in bot_settings(api, **telegram).items()}
