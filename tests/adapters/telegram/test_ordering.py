"""`OrderedUpdateProcessor`: one voter's updates in arrival order, everyone else's alongside them.

Driven with events, not timing: an update of one key is held open while others arrive.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import CallbackQuery, Chat, InlineQuery, Message, PollAnswer, Update, User

from adapters.telegram.ordering import OrderedUpdateProcessor, update_key

ANN, BEN = User(1, "Ann", False), User(2, "Ben", False)
GROUP = Chat(-100, Chat.SUPERGROUP)


def answer(update_id: int, user: User, poll: str = "p") -> Update:
    return Update(update_id, poll_answer=PollAnswer(poll, [0], user=user, option_persistent_ids=["0"]))


def message(update_id: int, user: User, chat: Chat = GROUP) -> Update:
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, from_user=user, text="/film x"))


def test_keys_name_the_voter_and_the_place() -> None:
    assert update_key(answer(1, ANN)) == update_key(answer(2, ANN)) != update_key(answer(3, BEN))
    assert update_key(answer(1, ANN, "p")) != update_key(answer(1, ANN, "q"))
    assert update_key(message(1, ANN)) == update_key(message(2, ANN)) != update_key(message(3, BEN))
    shown = message(9, ANN)
    press = Update(4, callback_query=CallbackQuery("q", ANN, "ci", message=shown.message, data="mn:1:2"))
    assert update_key(press) == update_key(message(5, ANN))  # a member's presses and messages in one chat
    assert update_key(Update(6, inline_query=InlineQuery("i", ANN, "x", ""))) is None
    assert update_key(object()) is None


async def test_same_key_waits_other_keys_run_alongside() -> None:
    processor = OrderedUpdateProcessor(max_running=8)
    await processor.initialize()
    log: list[str] = []
    release = asyncio.Event()

    async def work(name: str, hold: bool = False) -> None:
        log.append(f"start {name}")
        if hold:
            await release.wait()
        log.append(f"end {name}")

    first = asyncio.create_task(processor.process_update(answer(1, ANN), work("ann-1", hold=True)))
    second = asyncio.create_task(processor.process_update(answer(2, ANN), work("ann-2")))
    other = asyncio.create_task(processor.process_update(answer(3, BEN), work("ben-1")))
    await other  # Ben's answer runs while Ann's first is still being handled
    assert log == ["start ann-1", "start ben-1", "end ben-1"]
    assert not second.done()  # Ann's second answer waits for her first
    release.set()
    await asyncio.gather(first, second)
    assert log[3:] == ["end ann-1", "start ann-2", "end ann-2"]
    assert processor._tails == {}  # nothing kept once a key is idle
    await processor.shutdown()


async def test_a_burst_of_one_key_keeps_arrival_order_under_the_running_limit() -> None:
    processor = OrderedUpdateProcessor(max_running=2)
    done: list[int] = []

    async def work(n: int) -> None:
        for _ in range(n % 3):
            await asyncio.sleep(0)  # later ones finish faster if they are let run early
        done.append(n)

    await asyncio.gather(*(processor.process_update(answer(n, ANN if n % 2 else BEN), work(n)) for n in range(40)))
    assert [n for n in done if n % 2] == list(range(1, 40, 2))
    assert [n for n in done if not n % 2] == list(range(0, 40, 2))
