"""The SQLite file deleted under a running `filmbot run`: the bot stops with one clear line (exit 1) instead of
acknowledging votes and edits that nothing keeps, and the next start says the old database is gone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.adapters.telegram.harness import TOKEN, new_api, process_env
from tests.support.process import BotProcess, sample_catalog_env

pytestmark = pytest.mark.sqlite_only(reason="the SQLite file deleted under a running bot")


async def test_a_deleted_database_file_stops_the_running_bot_with_a_clear_reason(tmp_path: Path) -> None:
    env = await sample_catalog_env(tmp_path, sqlite=True)  # about the SQLite file itself
    database = tmp_path / "filmbot.sqlite3"
    api = new_api()
    await api.start()
    env |= process_env(api)
    bot = await BotProcess.start(env, tmp_path)
    try:
        await api.wait_for("getUpdates", arrived=True, within=60)
        api.send_text("/film 기생충")
        await api.wait_for("sendMessage", within=30)  # serving from the file
        database.unlink()
        for suffix in ("-wal", "-shm", "-journal"):
            database.with_name(database.name + suffix).unlink(missing_ok=True)
        assert await asyncio.wait_for(bot.process.wait(), 30) == 1
    finally:
        await bot.kill_if_running()
        await api.stop()
    stderr = await bot.stderr()
    assert "was deleted while filmbot was running; nothing more is saved" in stderr, stderr
    assert "Traceback" not in stderr, stderr
    assert TOKEN not in stderr
