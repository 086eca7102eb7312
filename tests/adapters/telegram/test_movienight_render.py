"""Movie-night rendering and the fake's poll/file answers, without a running bot: ballots fit Telegram's
limits, ids (never titles) ride in callback data, and what the fake returns is what the Bot API spec says
Telegram returns (python-telegram-bot 22.8 refuses polls without the 10.0 fields)."""

from __future__ import annotations

import json

from telegram import Message, Poll, PollAnswer

from adapters.telegram import callbacks
from adapters.telegram.render import poll_args, render, render_card
from bot.replies import FilmCard, PollCard, PollOption
from tests.fakes.telegram.server import FakeBotApi
from tests.specs.telegram_spec import TelegramSpec, parse_html

HANGUL = "7번방의 선물 " * 20


def ballot(mode: str = "ranked", n: int = 25) -> PollCard:
    options = tuple(PollOption(10**11 + i, f"{HANGUL} {i}") for i in range(n))
    return PollCard(10**11, "Movie night: rank", options, ranked=mode == "ranked", native=False, mode=mode,
                    closes_at_iso="2026-05-01T20:00+00:00")  # fmt: skip


def test_button_ballot_fits_and_carries_ids(tg_spec: TelegramSpec) -> None:
    out = render(ballot())
    assert out.markup is not None
    data = [b.callback_data for row in out.markup.inline_keyboard for b in row]
    assert all(isinstance(d, str) and len(d.encode()) <= 64 for d in data)
    assert data[0] == f"mn:{10**11}:{10**11}" and data[-2:] == [f"mb:{10**11}", f"mx:{10**11}"]
    text, problems = parse_html(out.text)
    assert problems == [] and "Closes at 2026-05-01 20:00 UTC" in text and "1st choice" in text
    assert "\n25. 7번방의 선물" in text, "every film is listed"
    wire = {"chat_id": "-5", "text": out.text, "parse_mode": "HTML",
            "reply_markup": json.dumps(out.markup.to_dict())}  # fmt: skip
    assert tg_spec.check_call("sendMessage", wire) == []


def test_native_poll_args_pass_the_spec(tg_spec: TelegramSpec) -> None:
    card = PollCard(
        1, "q" * 400, tuple(PollOption(i, HANGUL) for i in range(12)), closes_at_iso="2026-05-01T20:00+00:00"
    )
    args = poll_args(card)
    assert args["is_anonymous"] is False and "open_period" not in args and "close_date" not in args
    wire = {k: v if isinstance(v, str) else json.dumps(v) for k, v in args.items()}
    wire["options"] = json.dumps([{"text": o} for o in args["options"]])
    assert tg_spec.check_call("sendPoll", {"chat_id": "-5", **wire}) == []


def test_callbacks_round_trip() -> None:
    assert callbacks.parse(callbacks.ballot(3, 44)) == callbacks.Callback("ballot", film_id=44, poll_id=3)
    assert callbacks.parse(callbacks.my_ballot(3)) == callbacks.Callback("my_ballot", poll_id=3)
    assert callbacks.parse(callbacks.clear_ballot(3)) == callbacks.Callback("clear_ballot", poll_id=3)
    assert callbacks.parse("mn:1:x") is None and callbacks.parse("mz:1") is None


def test_winner_notice_keeps_one_line_per_count() -> None:
    card = FilmCard(1, "Parasite", 2019, "https://t", notice="Tonight's film!\n2 members voted.\n🏆 Parasite — 2 votes")
    text, _ = parse_html(render_card(card).text)
    assert text.endswith("Tonight's film!\n2 members voted.\n🏆 Parasite — 2 votes")


async def test_fake_poll_and_file_answers_match_the_spec(tg_spec: TelegramSpec) -> None:
    api = FakeBotApi()
    api.chat(-5, "supergroup")
    sent = await api._m_sendpoll({"chat_id": -5, "question": "q", "options": ["a", "b"], "is_anonymous": False})
    assert tg_spec.check_object("Message", sent) == []
    Message.de_json(sent, None)  # python-telegram-bot accepts it
    update = api.vote_update(api.poll_message(-5), api.user(7), [1])
    assert tg_spec.check_object("PollAnswer", update["poll_answer"]) == []
    assert PollAnswer.de_json(update["poll_answer"], None).option_ids == (1,)
    stopped = await api._m_stoppoll({"chat_id": -5, "message_id": sent["message_id"]})
    assert tg_spec.check_object("Poll", stopped) == [] and Poll.de_json(stopped, None).is_closed
    assert stopped["options"][1]["voter_count"] == 1
    upload = api.add_file("f.jsonl", b"{}")
    assert tg_spec.check_object("File", await api._m_getfile({"file_id": upload.file_id})) == []
    assert tg_spec.check_object("Document", upload.document()) == []
