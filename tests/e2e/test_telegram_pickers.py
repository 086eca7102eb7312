"""A "did you mean" picker raised by a one-film command finishes that command on Telegram, end to end.

`/movienight nominate miracle cell 7` finds three films; the picker's buttons carry `c:<command code>:<film id>`
and pressing one nominates that film as the presser, editing the picker into the "Nominated" reply. An admin's
`/film remove` picker pressed by anyone else is refused, with nothing changed. Plain `/film` pickers still open
cards (tests/e2e/test_telegram.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.telegram import callbacks
from bot.commands import Actor
from bot.polls import movienight_service
from tests.adapters.telegram.harness import GROUP, USER, BotHarness, running_bot
from tests.fakes.telegram.server import SentMessage

ANN, BEN, STRANGER = USER, 2002, 4242
AMBIGUOUS = "miracle cell 7"  # the 2013 film and its 2019 and 2022 remakes


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with running_bot(tmp_path, owner_ids=[ANN]) as harness:
        yield harness


def code_of(bot: BotHarness, full_name: str) -> str:
    spec = bot.services.registry.by_full_name(full_name)
    assert spec is not None
    return spec.code


def picker_data(picker: SentMessage) -> list[callbacks.Callback]:
    assert picker.buttons, picker.text
    assert all(len(b["callback_data"].encode()) <= callbacks.MAX_BYTES for b in picker.buttons)
    parsed = [callbacks.parse(b["callback_data"]) for b in picker.buttons]
    assert all(p is not None and p.kind == "rerun" for p in parsed), [b["callback_data"] for b in picker.buttons]
    return [p for p in parsed if p is not None]


def film_of_year(bot: BotHarness, year: int) -> int:
    return next(m.film_id for m in bot.services.films.index.search(AMBIGUOUS, limit=10) if m.doc.year == year)


async def in_group(bot: BotHarness, text: str, user_id: int = ANN) -> SentMessage:
    return await bot.say(text, user_id=user_id, chat_id=GROUP, chat_type="supergroup")


async def test_a_nominate_picker_nominates_the_pressed_film_as_the_presser(bot: BotHarness) -> None:
    picker = await in_group(bot, f"/movienight nominate {AMBIGUOUS}")
    assert picker.text.startswith(f"Several films match “{AMBIGUOUS}”"), picker.text
    code = code_of(bot, "movienight nominate")
    assert {p.command for p in picker_data(picker)} == {code}
    assert all(b["callback_data"].startswith(f"c:{code}:") for b in picker.buttons)
    pressed = await bot.press(picker, "2019", user_id=BEN)
    assert pressed.message is picker, pressed.answer  # the picker itself, edited
    assert picker.text.startswith("Nominated\nMiracle in Cell No. 7 (2019) is on the slate"), picker.text
    assert picker.buttons == []
    slate = await in_group(bot, "/movienight list")
    assert "1. Miracle in Cell No. 7 (2019)" in slate.text, slate.text
    noms = await movienight_service(bot.services).slate.nominations(Actor("telegram", str(ANN), str(GROUP)))
    assert [(n.nominated_by, n.film_id) for n in noms] == [(str(BEN), film_of_year(bot, 2019))]
    again = await in_group(bot, f"/movienight nominate {AMBIGUOUS}")
    twice = await bot.press(again, "2019")
    assert twice.answer["show_alert"] is True and "already on the slate" in twice.answer["text"]
    assert again.edits == 0


async def test_a_movienight_remove_picker_removes_the_pressed_film(bot: BotHarness) -> None:
    for year in (2013, 2019):
        await in_group(bot, f"/movienight nominate #{film_of_year(bot, year)}")
    picker = await in_group(bot, f"/movienight remove {AMBIGUOUS}")  # two of the three are on the slate
    assert {p.command for p in picker_data(picker)} == {code_of(bot, "movienight remove")}
    refused = await bot.press(picker, "2019", user_id=BEN)  # not BEN's nomination, and BEN is no admin
    assert refused.answer["show_alert"] is True and "Only Ann" in refused.answer["text"]
    assert picker.edits == 0
    pressed = await bot.press(picker, "2019")
    assert pressed.message is picker and "Miracle in Cell No. 7 (2019)" in picker.text
    slate = await in_group(bot, "/movienight list")
    assert "(2019)" not in slate.text and "Miracle in Cell No. 7 (2013)" in slate.text


async def test_an_admin_only_picker_refuses_a_non_admin_presser(bot: BotHarness) -> None:
    picker = await in_group(bot, f"/film remove {AMBIGUOUS}")
    assert {p.command for p in picker_data(picker)} == {code_of(bot, "film remove")}
    film_id = film_of_year(bot, 2022)
    refused = await bot.press(picker, "2022", user_id=STRANGER)
    assert refused.answer["show_alert"] is True
    assert refused.answer["text"].startswith("Only the bot's catalog owners can use /film remove")
    assert picker.edits == 0
    assert film_id in {m.film_id for m in bot.services.films.index.search(AMBIGUOUS, limit=10)}
    done = await bot.press(picker, "2022")  # the admin who asked
    assert done.message is picker and picker.button("Undo")
    assert film_id not in {m.film_id for m in bot.services.films.index.search(AMBIGUOUS, limit=10)}


async def test_a_button_for_a_command_that_is_gone_says_so(bot: BotHarness) -> None:
    picker = await in_group(bot, f"/movienight nominate {AMBIGUOUS}")
    mark = len(bot.api.calls)
    _, query_id = bot.api.press(picker, callbacks.rerun("000000", picker_data(picker)[0].film_id), user_id=ANN)
    answer = await bot.api.wait_for(
        "answerCallbackQuery", lambda c: c.params.get("callback_query_id") == query_id, since=mark
    )
    assert answer.params["show_alert"] is True and "no longer have" in answer.params["text"]
    assert picker.edits == 0


async def test_a_plain_film_picker_still_opens_cards(bot: BotHarness) -> None:
    picker = await bot.say(f"/film {AMBIGUOUS}")
    assert all(b["callback_data"].startswith("f:") for b in picker.buttons)
