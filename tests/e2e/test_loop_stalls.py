"""`filmbot run` on a fresh install never freezes: the starter import, an admin's first catalog change and
the refresh that follows it all leave the event loop free (the child runs in asyncio debug mode and any
callback holding its loop for more than 50 ms fails the test), and /film keeps answering throughout."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.adapters.telegram.harness import USER, new_api, process_env
from tests.support.process import BotProcess, bot_env

pytestmark = pytest.mark.slow


async def test_first_catalog_change_on_a_fresh_install_never_blocks_the_loop(tmp_path: Path) -> None:
    env = bot_env(tmp_path / "filmbot.sqlite3")
    api = await asyncio.to_thread(new_api)  # loads the Bot API spec (~0.1 s of CPU): not on the loop
    await api.start()
    env |= {
        "STARTER_CATALOG": "true",  # a fresh install: `filmbot run` creates the database and imports the starter
        "CATALOG_REFRESH_SECONDS": "0.5",
        "RATE_LIMIT__BURST": "1000",  # one member sends 13 commands at once here; the limit has its own tests
        **process_env(api, admin_ids=f"[{USER}]"),
    }
    bot = await BotProcess.start(env, tmp_path)
    try:
        await api.wait_for("getUpdates", arrived=True, within=180)
        mark = len(api.calls)
        api.send_text("/film add\nTitle: Zyxwv Quartet\nYear: 2031", user_id=USER)
        added = await api.wait_for("sendMessage", since=mark, within=30)
        assert added.params["text"].startswith("<b>Zyxwv Quartet (2031)</b>"), added.params["text"]
        # Several refresh ticks pass while members keep asking; every /film is answered in good time.
        for _ in range(12):
            mark = len(api.calls)
            api.send_text("/film Spirited Away")
            card = await api.wait_for("sendMessage", since=mark, within=30)
            assert "Spirited Away" in card.params["text"]
            await asyncio.sleep(0.25)
        assert await bot.terminate() == 0
    finally:
        await bot.kill_if_running()
        await api.stop()
    stderr = await bot.stderr()  # fails on any "Executing ... took N seconds" the child logged
    assert "Traceback" not in stderr, stderr
    assert "refreshed" in stderr  # the admin's change was picked up by the refresh loop, not skipped
