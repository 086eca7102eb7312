"""Issue 10 §1 against `filmbot run` as a real process and the loopback fake Bot API: ten members answer twice
in one getUpdates batch (eight switch, two retract), live and while the bot is down; the announced tally
counts each member's last answer, every time.
"""

from __future__ import annotations

from pathlib import Path

from bot.polls.store import MovieNightStore
from bot.store.db import Database
from tests.adapters.telegram.harness import GROUP, eventually, new_api, process_env
from tests.fakes.telegram.server import FakeBotApi, SentMessage
from tests.support.process import BotProcess, sample_catalog_env

ANN = 1001
MEMBERS = tuple(7000 + i for i in range(10))
DOWN_GROUP = GROUP - 1


async def say(api: FakeBotApi, text: str, chat: int) -> str:
    mark = len(api.calls)
    api.send_text(text, user_id=ANN, chat_id=chat, chat_type="supergroup")
    sent = await api.wait_for("sendMessage", lambda c: c.params.get("chat_id") == chat, since=mark, within=30)
    return str(sent.params["text"])


async def open_duel(api: FakeBotApi, chat: int) -> SentMessage:
    for title in ("Parasite", "Spirited Away"):
        assert title in await say(api, f"/movienight nominate {title}", chat)
    mark = len(api.calls)
    api.send_text("/movienight poll", user_id=ANN, chat_id=chat, chat_type="supergroup")
    await api.wait_for("sendPoll", lambda c: c.params.get("chat_id") == chat, since=mark, within=30)
    return api.poll_message(chat)


def answer_twice(api: FakeBotApi, poll: SentMessage) -> None:
    """Twenty poll_answer updates pushed with no await between them: one getUpdates batch."""
    for n, member in enumerate(MEMBERS):
        api.vote(poll, [0], user_id=member, name=f"M{n}")
        api.vote(poll, [1] if n < 8 else [], user_id=member, name=f"M{n}")


async def wait_for_last_answers(db: Database, chat: int) -> None:
    async def settled() -> bool:
        async with db.session() as session:
            store = MovieNightStore(session)
            poll = await store.open_poll("telegram", str(chat))
            assert poll is not None
            held = {b.voter_id: b.choices for b in await store.ballots(poll.id)}
        spirited = poll.film_ids[1]
        return all(held.get(str(m)) == ((spirited,) if n < 8 else ()) for n, m in enumerate(MEMBERS))

    await eventually(settled, within=30, what="each member's last answer")


def assert_tally(text: str) -> None:
    assert "8 members voted" in text, text
    assert "🏆 Spirited Away (2001) — 8 votes" in text and "Parasite (2019) — 0 votes" in text, text


async def test_filmbot_run_counts_each_members_last_answer(tmp_path: Path) -> None:
    env = await sample_catalog_env(tmp_path)
    api = new_api()
    await api.start()
    env |= process_env(api)
    db = Database(env["DATABASE_URL"])
    bot = await BotProcess.start(env, tmp_path)
    try:
        await api.wait_for("getUpdates", arrived=True, within=60)
        live = await open_duel(api, GROUP)
        queued = await open_duel(api, DOWN_GROUP)
        answer_twice(api, live)
        await wait_for_last_answers(db, GROUP)
        assert_tally(await say(api, "/movienight close", GROUP))
        assert await bot.terminate() == 0

        answer_twice(api, queued)  # while the bot is down: the first batch after the restart
        bot = await BotProcess.start(env, tmp_path)
        await wait_for_last_answers(db, DOWN_GROUP)
        assert_tally(await say(api, "/movienight close", DOWN_GROUP))
        assert api.violations == []
        assert await bot.terminate() == 0
    finally:
        await bot.kill_if_running()
        await db.dispose()
        await api.stop()
    stderr = await bot.stderr()
    assert "Traceback" not in stderr, stderr
