"""`filmbot run` as a real process: settings from the environment, the composition root, the Telegram adapter
long-polling a loopback fake Bot API, a user's /film answered with the card, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from tests.adapters.telegram.harness import TOKEN, new_api
from tests.support.catalog import sample_films

REPO = Path(__file__).resolve().parents[2]


async def test_filmbot_run_answers_telegram_and_stops_cleanly(tmp_path: Path) -> None:
    catalog = tmp_path / "club.jsonl"
    catalog.write_text(
        "\n".join(
            json.dumps({"title": f.title, "year": f.year, "original_title": f.original_title,
                        "votes": f.votes, "country": f.country, "genres": f.genres})
            for f in sample_films()
        ),
        encoding="utf-8",
    )  # fmt: skip
    db = tmp_path / "filmbot.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM__", "DISCORD__", "DATABASE_URL"))}
    env |= {"DATABASE_URL": f"sqlite+aiosqlite:///{db}", "STARTER_CATALOG": "false", "NO_PROXY": "127.0.0.1"}
    load = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "import", "--quiet", str(catalog), env=env)
    assert await load.wait() == 0

    api = new_api()
    await api.start()
    env |= {"TELEGRAM__TOKEN": TOKEN, "TELEGRAM__BASE_URL": api.base_url, "TELEGRAM__BASE_FILE_URL": api.base_file_url}
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await api.wait_for("getUpdates", arrived=True, within=60)
        api.send_text("/film 기생충")
        sent = await api.wait_for("sendMessage", within=30)
        assert sent.params["text"].startswith("<b>Parasite (2019)</b>\n<i>기생충</i>\n")
        assert "matched:" not in sent.params["text"]  # the native title shown is the one that matched
        assert api.violations == []
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.wait(), 30) == 0
    finally:
        if bot.returncode is None:
            bot.kill()
            await bot.wait()
        await api.stop()
    _, stderr = await bot.communicate()
    assert b"Traceback" not in stderr, stderr.decode()
