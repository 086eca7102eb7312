"""The Bot API checker itself: it must catch what Telegram would refuse, and pass what it accepts."""

from __future__ import annotations

import json

from tests.specs.telegram_spec import TelegramSpec, parse_html


def wire(**params: object) -> dict[str, str]:
    """Encode like python-telegram-bot: strings raw, everything else JSON."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}


def keyboard(*buttons: dict[str, object]) -> dict[str, object]:
    return {"inline_keyboard": [list(buttons)]}


def test_a_good_message_passes(tg_spec: TelegramSpec) -> None:
    call = wire(
        chat_id=42,
        text="<b>Parasite (2019)</b>\n<i>기생충</i> &amp; more",
        parse_mode="HTML",
        link_preview_options={"is_disabled": True},
        reply_markup=keyboard(
            {"text": "▶ Trailer", "url": "https://youtu.be/x"}, {"text": "7번방", "callback_data": "f:1"}
        ),
    )
    assert tg_spec.check_call("sendMessage", call) == []


def test_65_byte_callback_data_is_caught(tg_spec: TelegramSpec) -> None:
    call = wire(chat_id=1, text="x", reply_markup=keyboard({"text": "a", "callback_data": "a" * 65}))
    problems = tg_spec.check_call("sendMessage", call)
    assert any("callback_data: 65 bytes" in p for p in problems), problems
    hangul = "가" * 22  # 66 bytes, 22 characters
    call = wire(chat_id=1, text="x", reply_markup=keyboard({"text": "a", "callback_data": hangul}))
    assert any("66 bytes" in p for p in tg_spec.check_call("sendMessage", call))


def test_missing_chat_id_and_unknown_field_are_caught(tg_spec: TelegramSpec) -> None:
    problems = tg_spec.check_call("sendMessage", wire(text="hi", colour="red"))
    assert any("missing required 'chat_id'" in p for p in problems), problems
    assert any("unknown parameter 'colour'" in p for p in problems), problems
    assert tg_spec.check_call("sendMesage", wire(chat_id=1, text="x")) == [
        f"unknown method 'sendMesage' (Bot API {tg_spec.version})"
    ]


def test_text_is_measured_after_entity_parsing(tg_spec: TelegramSpec) -> None:
    fits = "<b>" + "a" * 4096 + "</b>"  # 4103 raw, 4096 visible
    assert tg_spec.check_call("sendMessage", wire(chat_id=1, text=fits, parse_mode="HTML")) == []
    over = "<b>" + "a" * 4097 + "</b>"
    assert any(
        "4097 characters" in p for p in tg_spec.check_call("sendMessage", wire(chat_id=1, text=over, parse_mode="HTML"))
    )
    escaped = "&amp;" * 4096  # 4096 visible ampersands
    assert tg_spec.check_call("sendMessage", wire(chat_id=1, text=escaped, parse_mode="HTML")) == []
    emoji = "🎬" * 2049  # 2049 characters, 4098 UTF-16 units: Telegram counts units
    assert tg_spec.check_call("sendMessage", wire(chat_id=1, text=emoji))
    assert any(
        "empty" in p for p in tg_spec.check_call("sendMessage", wire(chat_id=1, text="<b> </b>", parse_mode="HTML"))
    )


def test_bad_html_is_caught() -> None:
    for bad in (
        "a < b",
        "Tom & Jerry",
        "<script>x</script>",
        "<b>open",
        "<b><i>x</b></i>",
        '<a href="x&y">l</a>',
        "1 > 0",
    ):
        _, problems = parse_html(bad)
        assert problems, bad
    text, problems = parse_html('<a href="https://x.org/?a=1&amp;b=2">l&lt;i&gt;nk</a> &#x1F3AC;&#39;&quot;')
    assert problems == []
    assert text == "l<i>nk 🎬'\""


def test_nested_objects_are_checked(tg_spec: TelegramSpec) -> None:
    article = {
        "type": "article",
        "id": "1",
        "title": "Parasite",
        "input_message_content": {"message_text": "<b>x</b>", "parse_mode": "HTML", "bogus": 1},
    }
    problems = tg_spec.check_call("answerInlineQuery", wire(inline_query_id="9", results=[article]))
    assert any("unknown field 'bogus'" in p for p in problems), problems
    no_content = {k: v for k, v in article.items() if k != "input_message_content"}
    problems = tg_spec.check_call("answerInlineQuery", wire(inline_query_id="9", results=[no_content]))
    assert any("missing required 'input_message_content'" in p for p in problems), problems
    good = {**article, "input_message_content": {"message_text": "<b>x</b>", "parse_mode": "HTML"}}
    assert tg_spec.check_call("answerInlineQuery", wire(inline_query_id="9", results=[good], next_offset="20")) == []
    many = [{**good, "id": str(i)} for i in range(51)]
    assert any(
        "at most 50" in p for p in tg_spec.check_call("answerInlineQuery", wire(inline_query_id="9", results=many))
    )


def test_button_needs_exactly_one_action_and_a_label(tg_spec: TelegramSpec) -> None:
    both = keyboard({"text": "x", "url": "https://a.b", "callback_data": "f:1"})
    assert any(
        "exactly one" in p for p in tg_spec.check_call("sendMessage", wire(chat_id=1, text="x", reply_markup=both))
    )
    neither = keyboard({"text": "x"})
    assert tg_spec.check_call("sendMessage", wire(chat_id=1, text="x", reply_markup=neither))
    blank = keyboard({"text": " ", "callback_data": "f:1"})
    assert any("label" in p for p in tg_spec.check_call("sendMessage", wire(chat_id=1, text="x", reply_markup=blank)))


def test_conditional_requirements_and_types(tg_spec: TelegramSpec) -> None:
    problems = tg_spec.check_call("editMessageText", wire(text="x"))
    assert any("'chat_id' is required" in p for p in problems), problems
    assert tg_spec.check_call("editMessageText", wire(inline_message_id="abc", text="x")) == []
    assert tg_spec.check_call("answerCallbackQuery", wire(callback_query_id="1", show_alert="yes"))
    assert any(
        "201 characters" in p
        for p in tg_spec.check_call("answerCallbackQuery", wire(callback_query_id="1", text="x" * 201))
    )


def test_poll_limits(tg_spec: TelegramSpec) -> None:
    ok = wire(chat_id=-5, question="Which film?", options=[{"text": "A"}, {"text": "B"}], is_anonymous=False)
    assert tg_spec.check_call("sendPoll", ok) == []
    long_q = wire(chat_id=-5, question="q" * 301, options=[{"text": "A"}, {"text": "B"}])
    assert any("301 characters" in p for p in tg_spec.check_call("sendPoll", long_q))
    many = wire(chat_id=-5, question="q", options=[{"text": str(i)} for i in range(13)])
    assert any("13 items" in p for p in tg_spec.check_call("sendPoll", many))
    wide = wire(chat_id=-5, question="q", options=[{"text": "o" * 101}, {"text": "B"}])
    assert any("101 characters" in p for p in tg_spec.check_call("sendPoll", wide))


def test_commands_menu_limits(tg_spec: TelegramSpec) -> None:
    ok = wire(commands=[{"command": "film", "description": "Show a film"}], scope={"type": "default"})
    assert tg_spec.check_call("setMyCommands", ok) == []
    bad_scope = wire(commands=[{"command": "film", "description": "x"}], scope={"type": "everyone"})
    assert tg_spec.check_call("setMyCommands", bad_scope)
    long_desc = wire(commands=[{"command": "film", "description": "d" * 257}])
    assert any("257 characters" in p for p in tg_spec.check_call("setMyCommands", long_desc))
