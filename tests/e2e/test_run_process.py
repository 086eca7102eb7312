"""`filmbot run` as a real process: settings from the environment, the composition root, the Telegram adapter
long-polling a loopback fake Bot API, a user's /film answered with the card, and a clean stop on SIGTERM."""

from __future__ import annotations

from pathlib import Path

from tests.adapters.telegram.harness import new_api, process_env
from tests.support.process import BotProcess, sample_catalog_env


async def test_filmbot_run_answers_telegram_and_stops_cleanly(tmp_path: Path) -> None:
    env = await sample_catalog_env(tmp_path)
    api = new_api()
    await api.start()
    env |= process_env(api)
    bot = await BotProcess.start(env, tmp_path)
    try:
        await api.wait_for("getUpdates", arrived=True, within=60)
        api.send_text("/film 기생충")
        sent = await api.wait_for("sendMessage", within=30)
        assert sent.params["text"].startswith("<b>Parasite (2019)</b>\n<i>기생충</i>\n")
        assert "matched:" not in sent.params["text"]  # the native title shown is the one that matched
        assert api.violations == []
        assert await bot.terminate() == 0
    finally:
        await bot.kill_if_running()
        await api.stop()
    stderr = await bot.stderr()
    assert "Traceback" not in stderr, stderr
