"""Learned popularity through the real python-telegram-bot: a query answered the same way through its picker
three times gets that film's card the fourth time; a "Wrong film?" report on that card takes it back."""

from __future__ import annotations

from pathlib import Path

from adapters.telegram import callbacks
from tests.adapters.telegram.harness import running_bot

AMBIGUOUS = "miracle cell 7"  # the 2013 film and its 2019 and 2022 remakes: a picker


async def test_three_picker_choices_make_a_card_and_a_wrong_film_report_undoes_it(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        for _ in range(3):
            picker = await bot.say(f"/film {AMBIGUOUS}")
            assert picker.text.startswith(f"Several films match “{AMBIGUOUS}”"), picker.text
            assert all(callbacks.parse(b["callback_data"]).kind == "open" for b in picker.buttons)  # type: ignore[union-attr]
            pressed = await bot.press(picker, "2019")
            assert pressed.message is not None
            assert pressed.message.html.startswith("<b>Miracle in Cell No. 7 (2019)</b>")
        card = await bot.say(f"/film {AMBIGUOUS}")
        assert card.html.startswith("<b>Miracle in Cell No. 7 (2019)</b>"), card.text
        assert any("(2013)" in b["text"] for b in card.buttons)  # the other close films are still offered
        mark = len(bot.api.calls)
        _, query_id = bot.api.press(card, card.button("Wrong film?")["callback_data"])
        answer = await bot.api.wait_for(
            "answerCallbackQuery", lambda c: c.params.get("callback_query_id") == query_id, since=mark
        )
        assert "Report #1" in str(answer.params.get("text")) and not answer.params.get("show_alert")
        again = await bot.say(f"/film {AMBIGUOUS}")
        assert again.text.startswith(f"Several films match “{AMBIGUOUS}”"), again.text
