"""Webhook mode with the update inbox, in one process on the suite's database (a SQLite file unless
FILMBOT_TEST_DATABASE=postgres) (the real Application and webhook
server, the fake Bot API): an update is recorded before its 200, handled once even when Telegram sends it
again, and the keys the inbox orders by are the chat's (or, for what has no chat, the inline message's and
the poll voter's)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from telegram import Update

from adapters.telegram.inbox import inbox_key
from bot.commands import Actor
from bot.polls import movienight_service
from tests.adapters.telegram.harness import USER, running_bot
from tests.e2e.test_webhook_process import HEADER, command, post
from tests.support.movienight import open_movie_night

SECRET = "inbox-test-secret"


async def test_an_update_is_recorded_handled_and_a_retry_is_not_handled_again(
    tmp_path: Path, unused_tcp_port: int
) -> None:
    url = f"http://127.0.0.1:{unused_tcp_port}/hook"
    async with (
        running_bot(
            tmp_path,
            wait_for_polling=False,
            webhook_url=url,
            webhook_port=unused_tcp_port,
            webhook_secret=SECRET,
            webhook_inbox=True,  # SQLite has it only when asked (one process: no one to order with)
        ) as bot,
        httpx.AsyncClient(trust_env=False, timeout=10) as client,
    ):
        update = command(bot.api, 41, "/film parasite")
        assert (await post(client, url, update, **{HEADER: SECRET})).status_code == 200
        sent = await bot.api.wait_for("sendMessage", within=10)
        assert sent.params["text"].startswith("<b>Parasite (2019)</b>")
        # Telegram did not get the 200 (say, the proxy dropped it) and sends the update again.
        assert (await post(client, url, update, **{HEADER: SECRET})).status_code == 200
        await asyncio.sleep(0.3)
        assert len(bot.calls("sendMessage")) == 1
        async with bot.services.db.engine.connect() as conn:
            rows = (
                await conn.execute(text("SELECT update_id, order_key, processed_at IS NOT NULL FROM update_inbox"))
            ).all()
        assert [tuple(r) for r in rows] == [(41, f"chat:{USER}", True)]
        recorded = Update.de_json(json.loads(await _payload(bot.services.db.engine, 41)), None)
        assert recorded.message is not None and recorded.message.text == "/film parasite"
        # It cannot be recorded (here: the table is gone): no 200, so Telegram keeps it and sends it again.
        async with bot.services.db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE update_inbox RENAME TO update_inbox_away"))
        refused = await post(client, url, command(bot.api, 42, "/film amelie"), **{HEADER: SECRET})
        assert refused.status_code == 500
        await asyncio.sleep(0.3)
        assert len(bot.calls("sendMessage")) == 1


async def test_on_sqlite_webhook_updates_take_todays_path_unless_asked(tmp_path: Path, unused_tcp_port: int) -> None:
    url = f"http://127.0.0.1:{unused_tcp_port}/hook"
    settings: dict[str, Any] = {"webhook_url": url, "webhook_port": unused_tcp_port, "webhook_secret": SECRET}
    async with (
        running_bot(tmp_path, wait_for_polling=False, **settings) as bot,
        httpx.AsyncClient(trust_env=False, timeout=10) as client,
    ):
        if bot.services.db.dialect != "sqlite":
            pytest.skip("the default differs on SQLite only")
        assert (await post(client, url, command(bot.api, 7, "/film parasite"), **{HEADER: SECRET})).status_code == 200
        await bot.api.wait_for("sendMessage", within=10)
        async with bot.services.db.engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM update_inbox"))).scalar() == 0


async def _payload(engine: Any, update_id: int) -> str:
    query = text("SELECT payload FROM update_inbox WHERE update_id = :u")
    async with engine.connect() as conn:
        return str((await conn.execute(query, {"u": update_id})).scalar())


def test_updates_are_ordered_by_chat_inline_message_or_poll_voter() -> None:
    user = {"id": 7, "is_bot": False, "first_name": "Ann"}
    group = {"id": -100, "type": "group", "title": "Club"}
    message = {"message_id": 1, "date": 0, "chat": group, "from": user, "text": "/movienight poll"}
    cases: list[tuple[dict[str, Any], str | None]] = [
        ({"message": message}, "chat:-100"),
        ({"edited_message": message}, "chat:-100"),
        ({"callback_query": {"id": "q", "from": user, "chat_instance": "c", "data": "x", "message": message}},
         "chat:-100"),
        ({"callback_query": {"id": "q", "from": user, "chat_instance": "c", "data": "x", "inline_message_id": "im"}},
         "inline:im"),
        ({"poll_answer": {"poll_id": "p1", "user": user, "option_ids": [0], "option_persistent_ids": ["a"]}},
         "poll:p1:7"),
        ({"inline_query": {"id": "i", "from": user, "query": "mira", "offset": ""}}, None),
    ]  # fmt: skip
    for n, (body, key) in enumerate(cases):
        update = Update.de_json({"update_id": n, **body}, None)
        assert inbox_key(update) == key, body
        # What is recorded is the update's JSON: it reads back as the same update.
        assert Update.de_json(json.loads(update.to_json()), None).to_dict() == update.to_dict()


async def test_a_vote_in_a_movie_night_poll_is_ordered_with_its_chat(tmp_path: Path, unused_tcp_port: int) -> None:
    """A poll answer carries no chat. Ordered by poll and voter, it could still wait on one worker while a
    `/movienight close` sent after it ran on another and counted without it; ordered with the poll's chat, the
    close comes after every vote recorded before it."""
    url = f"http://127.0.0.1:{unused_tcp_port}/hook"
    group = "-1005550"
    async with (
        running_bot(
            tmp_path, wait_for_polling=False, webhook_url=url, webhook_port=unused_tcp_port,
            webhook_secret=SECRET, webhook_inbox=True,
        ) as bot,
        httpx.AsyncClient(trust_env=False, timeout=10) as client,
    ):  # fmt: skip
        opener = Actor("telegram", str(USER), group, is_group_admin=True)
        card = await open_movie_night(bot.services, opener, "parasite", "amelie")
        assert await movienight_service(bot.services).attach_native_poll(card.poll_id, "tg-poll-1", "77")
        voter = {"id": 4242, "is_bot": False, "first_name": "Ben"}
        answers = [
            {"update_id": 90, "poll_answer": {"poll_id": "tg-poll-1", "user": voter, "option_ids": [1],
                                              "option_persistent_ids": ["1"]}},
            {"update_id": 91, "poll_answer": {"poll_id": "not-ours", "user": voter, "option_ids": [0],
                                              "option_persistent_ids": ["0"]}},
        ]  # fmt: skip
        for answer in answers:
            assert (await post(client, url, answer, **{HEADER: SECRET})).status_code == 200
        async with bot.services.db.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT update_id, order_key FROM update_inbox ORDER BY update_id"))).all()
        assert [tuple(r) for r in rows] == [(90, f"chat:{group}"), (91, "poll:not-ours:4242")]
