"""`filmbot run` in webhook mode as a real process, with no secret configured: it generates a strong one,
registers it with setWebhook, listens on loopback, answers every request without that secret with 403 and
never processes it, and processes the ones that carry it. The secret never appears in its output."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx

from tests.adapters.telegram.harness import USER, new_api, process_env
from tests.fakes.telegram.server import FakeBotApi
from tests.support.process import BotProcess, query_rows, sample_catalog_env

HEADER = "X-Telegram-Bot-Api-Secret-Token"


def command(api: FakeBotApi, update_id: int, text: str, user: int = USER) -> dict[str, Any]:
    """An update as Telegram would POST it: `text` typed by `user` (USER: a catalog owner) in a private chat."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "text": text,
            "chat": api.chat(user),
            "from": api.user(user),
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def post(client: httpx.AsyncClient, url: str, update: dict[str, Any], **headers: str) -> httpx.Response:
    """POST, retrying while the webhook server is still starting."""
    for _ in range(100):
        try:
            return await client.post(url, json=update, headers=headers)
        except httpx.TransportError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"nothing listens on {url}")


async def test_webhook_mode_generates_a_secret_and_refuses_forged_updates(tmp_path: Path, unused_tcp_port: int) -> None:
    env = await sample_catalog_env(tmp_path)
    api = new_api()
    await api.start()
    url = f"http://127.0.0.1:{unused_tcp_port}/telegram/hook"
    env |= {
        **process_env(api, webhook_url=url, webhook_port=str(unused_tcp_port)),
        "TELEGRAM__OWNER_IDS": f"[{USER}]",
    }  # no TELEGRAM__WEBHOOK_SECRET, no TELEGRAM__WEBHOOK_LISTEN
    bot = await BotProcess.start(env, tmp_path)
    try:
        hook = await api.wait_for("setWebhook", within=60)
        secret = str(hook.params.get("secret_token") or "")
        assert re.fullmatch(r"[A-Za-z0-9_-]{32,256}", secret), "setWebhook registered no strong secret"
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            forged = command(api, 1, "/film remove parasite")  # "from" a catalog owner
            assert (await post(client, url, forged)).status_code == 403
            assert (await post(client, url, forged, **{HEADER: "guess"})).status_code == 403
            assert (await post(client, url, forged, **{HEADER: secret[:-1]})).status_code == 403
            await asyncio.sleep(0.5)
            assert api.calls_of("sendMessage") == []  # never processed
            right = await post(client, url, command(api, 2, "/film parasite"), **{HEADER: secret})
            assert right.status_code == 200
            sent = await api.wait_for("sendMessage", within=30)
            assert sent.params["text"].startswith(
                "<b>Parasite (2019)</b>"
            )  # still there: the forged remove did nothing
            missed = await post(client, url, command(api, 3, "/film zzyzx nowhere"), **{HEADER: secret})
            assert missed.status_code == 200
            await api.wait_for("sendMessage", lambda c: "zzyzx" in str(c.params.get("text")), within=30)
        assert await bot.terminate() == 0
        # the miss was counted in memory ...
        rows = await query_rows(env, "SELECT platform, chat_id, query, count FROM search_misses")
        assert rows == [("telegram", str(USER), "zzyzx nowhere", 1)]  # ... and written at shutdown
    finally:
        await bot.kill_if_running()
        await api.stop()
    stderr = await bot.stderr()
    assert "Traceback" not in stderr, stderr
    assert secret not in stderr
    assert "generated a webhook secret" in stderr
    assert f"127.0.0.1:{unused_tcp_port}" in stderr  # loopback unless told otherwise
