"""`filmbot run` as a real process keeps every secret out of its output, and keeps trying to reach Telegram.

A rejected Telegram token (the fake Bot API answers 401 to getMe: python-telegram-bot's InvalidToken names the
token, and httpx URLs carry it) and a rejected Discord token: the whole stderr holds neither token nor the
database password, and the failure is one clear line. A Bot API that is down at start: the bot retries with
backoff (one line per attempt) and serves once it is up; SIGTERM during the backoff stops it cleanly.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from adapters.discord.fake_gateway import FakeDiscordServer
from adapters.telegram.fake_server import FakeBotApi
from tests.adapters.telegram.harness import TOKEN, new_api
from tests.support.process import BotProcess, sample_catalog_env

WRONG_TELEGRAM_TOKEN = "987654321:AAHwrongwrongwrongwrongwrongwrong12"
DISCORD_TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


@pytest.mark.parametrize("platform", ["telegram", "discord"])
async def test_a_rejected_token_is_one_clear_line_and_never_in_the_log(tmp_path: Path, platform: str) -> None:
    env = await sample_catalog_env(tmp_path)
    telegram, discord = new_api(), FakeDiscordServer(reject_token=True)
    await telegram.start()
    await discord.start()
    env |= {"LOG_LEVEL": "DEBUG"}  # the most talkative libraries: still nothing secret
    if platform == "telegram":
        env |= {"TELEGRAM__TOKEN": WRONG_TELEGRAM_TOKEN, "TELEGRAM__BASE_URL": telegram.base_url,
                "TELEGRAM__BASE_FILE_URL": telegram.base_file_url}  # fmt: skip
    else:
        env |= {"DISCORD__TOKEN": DISCORD_TOKEN, "DISCORD__API_BASE_URL": discord.api_base_url}
    bot = await BotProcess.start(env, tmp_path)
    try:
        assert await asyncio.wait_for(bot.process.wait(), 60) == 1
    finally:
        await bot.kill_if_running()
        await telegram.stop()
        await discord.stop()
    stderr = await bot.stderr()
    assert WRONG_TELEGRAM_TOKEN not in stderr and WRONG_TELEGRAM_TOKEN.split(":")[1] not in stderr, stderr
    assert DISCORD_TOKEN not in stderr and DISCORD_TOKEN.split(".")[2] not in stderr, stderr
    assert "Traceback" not in stderr, stderr
    if platform == "telegram":
        assert "The token `***` was rejected by the server." in stderr  # python-telegram-bot's text, masked
        assert "ERROR filmbot: telegram: Telegram rejected the bot token; check TELEGRAM__TOKEN" in stderr
    else:
        assert "ERROR filmbot: discord: Discord rejected the bot token; check DISCORD__TOKEN" in stderr


async def test_telegram_down_at_start_is_retried_until_it_is_up(tmp_path: Path) -> None:
    env = await sample_catalog_env(tmp_path)
    api = new_api()
    await api.start()
    port = api.port
    await api.stop()  # down: nothing listens on that port
    env |= {"TELEGRAM__TOKEN": TOKEN, "TELEGRAM__BASE_URL": f"http://127.0.0.1:{port}/bot",
            "TELEGRAM__BASE_FILE_URL": f"http://127.0.0.1:{port}/file/bot"}  # fmt: skip
    down = await _Down.start(port)
    bot = await BotProcess.start(env, tmp_path)
    up = FakeBotApi(token=TOKEN, validator=api.validator)
    try:
        await down.attempts(3, within=60)  # connections dropped: the bot must retry, not exit
        assert bot.process.returncode is None, "the bot gave up instead of retrying"
        await down.stop()
        await _listen_on(up, port)
        await up.wait_for("getUpdates", arrived=True, within=90)
        up.send_text("/film 기생충")
        sent = await up.wait_for("sendMessage", within=30)
        assert sent.params["text"].startswith("<b>Parasite (2019)</b>")
        assert await bot.terminate() == 0
    finally:
        await bot.kill_if_running()
        await up.stop()
    stderr = await bot.stderr()
    retries = [line for line in stderr.splitlines() if "cannot reach the Bot API" in line]
    assert retries and all("retry" in line and " in " in line for line in retries), stderr
    assert "Traceback" not in stderr and TOKEN not in stderr, stderr


async def test_sigterm_during_the_backoff_stops_cleanly(tmp_path: Path) -> None:
    env = await sample_catalog_env(tmp_path)
    api = new_api()
    await api.start()
    port = api.port
    await api.stop()
    env |= {"TELEGRAM__TOKEN": TOKEN, "TELEGRAM__BASE_URL": f"http://127.0.0.1:{port}/bot"}
    down = await _Down.start(port)
    bot = await BotProcess.start(env, tmp_path)
    try:
        await down.attempts(2, within=60)
        assert bot.process.returncode is None
        assert await bot.terminate(within=10) == 0
    finally:
        await bot.kill_if_running()
        await down.stop()
    stderr = await bot.stderr()
    assert "cannot reach the Bot API" in stderr and "Traceback" not in stderr, stderr


class _Down:
    """A Bot API that is down: it accepts each connection and drops it at once, counting the attempts."""

    def __init__(self, server: asyncio.Server) -> None:
        self.server, self.count, self.changed = server, 0, asyncio.Event()

    @classmethod
    async def start(cls, port: int) -> _Down:
        down = cls.__new__(cls)
        down.count, down.changed = 0, asyncio.Event()
        down.server = await asyncio.start_server(down._drop, "127.0.0.1", port, reuse_address=True)
        return down

    async def _drop(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.count += 1
        self.changed.set()
        writer.close()

    async def attempts(self, n: int, within: float) -> None:
        async with asyncio.timeout(within):
            while self.count < n:
                self.changed.clear()
                await self.changed.wait()

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()


async def _listen_on(api: FakeBotApi, port: int) -> None:
    """Start `api` on a given port (the one the bot was told), retrying while the OS frees it."""
    from aiohttp import web

    for _ in range(50):
        try:
            api._cond = asyncio.Condition()
            app = web.Application(client_max_size=16 * 1024 * 1024)
            app.router.add_route("*", "/bot{token}/{method}", api._handle)
            api._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
            await api._runner.setup()
            await web.TCPSite(api._runner, "127.0.0.1", port).start()
            api.port = port
            return
        except OSError:
            await api._runner.cleanup()  # type: ignore[union-attr]
            await asyncio.sleep(0.1)
    raise AssertionError(f"port {port} stayed busy")
