"""Issue 12 against `filmbot run` as a real process: Telegram polling against the loopback fake Bot API, the
fake TMDB and Wikidata as its sources. A member's /film miss gets TMDB's find with an Add button; the member
may not add it (SOURCES__ADD_BY=admins); an admin presses Add; the film is in the store and `/film` finds it
at once. Background enrichment is on too: it starts, makes no guess, and stops with the bot."""

from __future__ import annotations

from pathlib import Path

from bot.store.db import Database
from bot.store.films import FilmRepository
from tests.adapters.telegram.harness import GROUP, new_api, process_env
from tests.fakes.sources import running_sources
from tests.fakes.telegram.server import FakeBotApi, SentMessage
from tests.support.process import BotProcess, sample_catalog_env

ADMIN = 1001
MEMBER = 7001


async def say(api: FakeBotApi, text: str, user_id: int) -> SentMessage:
    mark = len(api.calls)
    api.send_text(text, user_id=user_id, chat_id=GROUP, chat_type="supergroup")
    sent = await api.wait_for("sendMessage", lambda c: c.params.get("chat_id") == GROUP, since=mark, within=30)
    return api.messages[(GROUP, sent.result["message_id"])]  # type: ignore[index]


async def press(api: FakeBotApi, sent: SentMessage, label: str, user_id: int) -> dict[str, object]:
    data = sent.button(label)["callback_data"]
    mark = len(api.calls)
    _, query_id = api.press(sent, data, user_id=user_id)
    answer = await api.wait_for(
        "answerCallbackQuery", lambda c: c.params.get("callback_query_id") == query_id, since=mark, within=30
    )
    return answer.params


async def test_filmbot_run_offers_a_miss_from_tmdb_and_an_admins_add_stores_it(tmp_path: Path) -> None:
    env = await sample_catalog_env(tmp_path)
    api = new_api()
    await api.start()
    db = Database(env["DATABASE_URL"])
    bot: BotProcess | None = None
    async with running_sources() as (tmdb, wikidata):
        env |= {
            **process_env(api, owner_ids=f"[{ADMIN}]"),
            "TMDB__READ_TOKEN": tmdb.token, "TMDB__BASE_URL": tmdb.url,
            "WIKIDATA__CONTACT": "ops@example.org", "WIKIDATA__BASE_URL": wikidata.url,
            "SOURCES__ADD_BY": "admins", "SOURCES__ENRICH_IN_BACKGROUND": "true",
        }  # fmt: skip
        try:
            bot = await BotProcess.start(env, tmp_path)
            await api.wait_for("getUpdates", arrived=True, within=60)
            miss = await say(api, "/film train to busan", MEMBER)
            assert "No film called" in miss.text  # the store's answer first
            await api.wait_for(
                "editMessageText", lambda c: c.params.get("message_id") == miss.message["message_id"], within=30
            )
            assert "Not in our catalog — found on TMDB:" in miss.text, miss.text
            assert "Train to Busan (2016) · 부산행, dir. Yeon Sang-ho" in miss.text

            refused = await press(api, miss, "Add Train to Busan", MEMBER)
            assert "catalog owners" in str(refused.get("text")) and refused.get("show_alert")
            edits, mark = miss.edits, len(api.calls)
            added = await press(api, miss, "Add Train to Busan", ADMIN)
            assert not added.get("show_alert"), added
            await api.wait_for(
                "editMessageText",
                lambda c: c.params.get("message_id") == miss.message["message_id"],
                since=mark,
                within=30,
            )
            assert miss.edits == edits + 1 and miss.text.startswith("Train to Busan (2016)\n부산행"), miss.text
            assert "Added by" in miss.text

            async with db.session() as session:
                films = [f async for f in FilmRepository(session).iter_films() if f.title == "Train to Busan"]
            assert len(films) == 1 and films[0].external_ids["tmdb"] == "396535" and films[0].source == "tmdb"
            found = await say(api, "/film train to busan", MEMBER)  # at once, from the store
            assert found.text.startswith("Train to Busan (2016)") and found.text.splitlines()[-1] == "Data: TMDB"
            assert api.violations == []
            assert await bot.terminate() == 0
        finally:
            if bot is not None:
                await bot.kill_if_running()
            await db.dispose()
            await api.stop()
    assert bot is not None
    stderr = await bot.stderr()
    assert "Traceback" not in stderr, stderr
    assert "background enrichment from TMDB started" in stderr
    assert tmdb.token not in stderr
