"""Rendering replies as Telegram HTML: escaped, well-formed, within limits, ids (not titles) in buttons."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.telegram import callbacks
from adapters.telegram.html import units
from adapters.telegram.inline import article
from adapters.telegram.render import Outgoing, poll_args, render, render_card
from bot.replies import (
    Action,
    CastMember,
    FileReply,
    FilmCard,
    FilmChoice,
    FilmList,
    PollCard,
    PollOption,
    Problem,
    Rerun,
    Text,
)
from tests.specs.telegram_spec import TelegramSpec, parse_html

MARKUP_TITLE = "<b>Bold</b> & *Stars* _under_ `code` ~x~ |y| > @everyone"


def card(**changes: object) -> FilmCard:
    base = FilmCard(
        film_id=1,
        title="Miracle in Cell No. 7",
        year=2013,
        trailer_url="https://www.youtube.com/watch?v=wTkeln0kc8I",
        original_title="7번방의 선물",
        genres=("Comedy", "Drama"),
        runtime_minutes=127,
        country="South Korea",
        directors=("Lee Hwan-kyung",),
        cast=tuple(CastMember(f"Actor {i}", f"Role {i}") for i in range(9)),
        synopsis="A father and his daughter.",
        matched_title="12월 23일",
    )
    return FilmCard(**{**{f: getattr(base, f) for f in base.__dataclass_fields__}, **changes})


def sent(out: Outgoing) -> dict[str, str]:
    params: dict[str, object] = {"chat_id": 1, "text": out.text, "parse_mode": "HTML"}
    if out.markup is not None:
        params["reply_markup"] = out.markup.to_dict()
    params["link_preview_options"] = out.preview.to_dict()
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}


def visible(out: Outgoing) -> str:
    text, problems = parse_html(out.text)
    assert problems == []
    return text


def test_card_shows_the_facts_and_trailer(tg_spec: TelegramSpec) -> None:
    out = render(card())
    text = visible(out)
    assert text.startswith("Miracle in Cell No. 7 (2013)\n7번방의 선물\nmatched: 12월 23일")
    assert "<b>Miracle in Cell No. 7 (2013)</b>" in out.text
    assert "Comedy, Drama · 2 h 7 min · South Korea" in text
    assert "Actor 5 (Role 5) and 3 more" in text and "Actor 6" not in text
    assert out.markup is not None
    assert out.markup.inline_keyboard[0][0].url == "https://www.youtube.com/watch?v=wTkeln0kc8I"
    assert out.preview.is_disabled
    assert tg_spec.check_call("sendMessage", sent(out)) == []


def test_markup_in_catalog_text_is_shown_as_text(tg_spec: TelegramSpec) -> None:
    out = render(
        card(title=MARKUP_TITLE, synopsis="<script>alert(1)</script> & <i>broken <b>tags", original_title=None)
    )
    text = visible(out)
    assert text.startswith(MARKUP_TITLE + " (2013)")
    assert "<script>alert(1)</script> & <i>broken <b>tags" in text
    assert "<script>" not in out.text
    assert tg_spec.check_call("sendMessage", sent(out)) == []


def test_long_synopsis_is_trimmed_at_a_word_within_4096(tg_spec: TelegramSpec) -> None:
    synopsis = " ".join(["word"] * 3000) + " 끝"
    out = render(card(synopsis=synopsis, poster_url="https://img.example/p.jpg", info_url="https://en.wikipedia.org/x"))
    text = visible(out)
    assert units(text) <= 4096
    assert text.endswith("word…")
    assert out.preview.url == "https://img.example/p.jpg" and not out.preview.is_disabled
    assert [b.text for b in out.markup.inline_keyboard[0]] == ["▶ Trailer", "More"]  # type: ignore[union-attr]
    assert tg_spec.check_call("sendMessage", sent(out)) == []
    emoji = render(card(synopsis="🎬" * 5000))
    assert units(visible(emoji)) <= 4096


def test_others_become_buttons_with_ids() -> None:
    others = (FilmChoice(2, "Miracle in Cell No. 7", 2019, "Turkey", "7. Koğuştaki Mucize"),)
    out = render(card(others=others))
    assert out.markup is not None
    other = out.markup.inline_keyboard[1][0]
    assert other.callback_data == "f:2"
    assert "2019" in other.text


def test_picker_and_pager(tg_spec: TelegramSpec) -> None:
    items = tuple(FilmChoice(10**11 + i, "가" * 300, 2000 + i, "Korea", "나" * 50) for i in range(10))
    picker = render(FilmList("did_you_mean", "가", items, "Several films match “가”. Which one?", total=10))
    assert tg_spec.check_call("sendMessage", sent(picker)) == []
    assert picker.markup is not None
    assert picker.markup.inline_keyboard[0][0].callback_data == f"f:{10**11}"
    query = "정말 아주 긴 검색어 " * 20
    page = FilmList("results", query, items, f"Films matching “{query}”", page=1, pages=3, total=25)
    out = render(page)
    assert tg_spec.check_call("sendMessage", sent(out)) == []
    text = visible(out)
    assert "11. " in text and "Page 2 of 3 · 25 films" in text
    assert out.markup is not None
    nav = out.markup.inline_keyboard[-1]
    assert [b.text for b in nav] == ["◀", "▶"]
    assert all(len(str(b.callback_data).encode()) <= 64 for b in nav)
    last = render(FilmList("results", "x", items[:5], "Films matching “x”", page=2, pages=3, total=25))
    assert "21. " in visible(last)
    assert [b.text for b in last.markup.inline_keyboard[-1]] == ["◀"]  # type: ignore[union-attr]


def test_other_replies(tg_spec: TelegramSpec) -> None:
    problem = render(Problem("No <film> & no luck", hint="Try /help"))
    assert visible(problem) == "No <film> & no luck\nTry /help"
    text = render(Text("line 1\nline <2>", title="Title", actions=(Action("undo_remove", 5, "Undo"),)))
    assert visible(text) == "Title\nline 1\nline <2>"
    assert text.markup is not None and text.markup.inline_keyboard[0][0].callback_data == "a:u:5"
    poll = PollCard(1, "Friday: which film?", tuple(PollOption(i, f"Film {i}") for i in range(3)))
    assert "Friday: which film?" in visible(render(poll))
    assert "report.csv" in visible(render(FileReply("report.csv", b"x")))
    for out in (problem, text, render(poll)):
        assert tg_spec.check_call("sendMessage", sent(out)) == []


def test_poll_args_within_limits(tg_spec: TelegramSpec) -> None:
    poll = PollCard(1, "q" * 400, tuple(PollOption(i, "o" * 150) for i in range(15)))
    args = poll_args(poll)
    options = [{"text": o} for o in args["options"]]
    wire = {"chat_id": "-5", "question": str(args["question"]), "options": json.dumps(options), "is_anonymous": "false"}
    assert tg_spec.check_call("sendPoll", wire) == []


def test_inline_article_fits_raw_and_visible_limits(tg_spec: TelegramSpec) -> None:
    big = card(synopsis="&<>" * 3000, poster_url="https://img.example/p.jpg")
    result = article(big, FilmChoice(1, big.title, 2013, "South Korea", big.original_title))
    wire = {"inline_query_id": "1", "results": json.dumps([result.to_dict()])}
    assert tg_spec.check_call("answerInlineQuery", wire) == []
    assert len(result.input_message_content.message_text) <= 4096  # type: ignore[attr-defined]


def test_callback_data_round_trip() -> None:
    assert callbacks.parse(callbacks.open_card(123)) == callbacks.Callback("open", film_id=123)
    assert callbacks.parse(callbacks.open_card(7, new_message=True)) == callbacks.Callback("open_new", film_id=7)
    data = callbacks.page(3, "7번방의 선물 " * 10)
    assert len(data.encode()) <= 64
    parsed = callbacks.parse(data)
    assert parsed is not None and parsed.page == 3 and "7번방의 선물".startswith(parsed.query[:3])
    assert callbacks.parse("junk") is None and callbacks.parse(None) is None
    full = "7번방의 선물 " * 10
    assert callbacks.full_query(parsed.query, f"Films matching “{full.strip()}”\n1. x") == full.strip()
    assert callbacks.full_query("abc", "Films matching “xyz”") == "abc"


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(min_size=1, max_size=300),
    synopsis=st.text(max_size=6000),
    original=st.one_of(st.none(), st.text(max_size=300)),
)
def test_any_catalog_text_renders_as_valid_html_within_limits(title: str, synopsis: str, original: str | None) -> None:
    out = render_card(card(title=title, synopsis=synopsis, original_title=original, matched_title=None))
    text, problems = parse_html(out.text)
    assert problems == []
    assert 1 <= units(text) <= 4096
    assert text.strip()


def test_a_picker_that_re_runs_a_command_carries_its_code(tg_spec: TelegramSpec) -> None:
    items = tuple(FilmChoice(10**12 - 1 - i, "가" * 300, 2000 + i) for i in range(3))
    picker = render(FilmList("did_you_mean", "가", items, "Which one?", rerun=Rerun("movienight nominate", "0a1b2c")))
    assert tg_spec.check_call("sendMessage", sent(picker)) == []
    assert picker.markup is not None
    data = [str(row[0].callback_data) for row in picker.markup.inline_keyboard]
    assert data[0] == f"c:0a1b2c:{10**12 - 1}" and all(len(d.encode()) <= 64 for d in data)
    assert callbacks.parse(data[0]) == callbacks.Callback("rerun", film_id=10**12 - 1, command="0a1b2c")
    # No rerun (the plain lookup): choices open cards, as before.
    plain = render(FilmList("did_you_mean", "가", items, "Which one?", rerun=None))
    assert plain.markup is not None and str(plain.markup.inline_keyboard[0][0].callback_data).startswith("f:")
    assert callbacks.parse("c:0A1B2C:1") is None and callbacks.parse("c:0a1b2:1") is None


def test_the_add_confirmation_button_fits_64_bytes_for_the_longest_ids() -> None:
    from adapters.telegram import callbacks

    for ref in ("imdb:tt1234567890", "tmdb:999999999", "wikidata:Q999999999999"):
        data = callbacks.confirm_add(ref, "9" * 20, 10**12 - 1)
        assert len(data.encode()) <= 64
        parsed = callbacks.parse(data)
        assert parsed is not None and (parsed.kind, parsed.ref, parsed.owner) == ("confirm_add", ref, "9" * 20)
    assert callbacks.parse("k:imdb:tt1234567:x:1") is None  # not ours: a stale-button answer
