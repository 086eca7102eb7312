"""bot/text.py: the one hygiene class and the one word-boundary trim every surface uses."""

from __future__ import annotations

import pytest

from bot.text import ELLIPSIS, clean_multiline, clean_text, strip_control, trim, utf16_units

HARMFUL = ["\x00", "\x07", "\x1b", "\x7f", "\x9b", "\u200b", "\u200e", "\u202e", "\u2066", "\ufeff", "\ud800"]


@pytest.mark.parametrize("ch", HARMFUL)
def test_every_harmful_character_is_dropped_or_spaced(ch: str) -> None:
    assert strip_control(f"a{ch}b") == "ab"
    assert clean_text(f"a{ch}b") == "a b"


def test_tab_and_newline_survive_and_carriage_returns_become_newlines() -> None:
    assert strip_control("a\tb\r\nc\rd\ne") == "a\tb\nc\nd\ne"
    assert clean_text("  a\t b\r\n c ") == "a b c"
    assert clean_multiline("one\r\n\r\n\r\ntwo\u202e\n") == "one\n\ntwo"


def test_trim_keeps_text_that_fits_and_cuts_at_a_word_boundary() -> None:
    assert trim("short", 10) == "short"
    assert trim("the quick brown fox", 12) == "the quick…"
    assert trim("abcdefghijklmnop", 8) == "abcdefg…"  # no space: a hard cut
    assert trim("abc", 1) == ""  # no room for the ellipsis


def test_the_boundary_share_is_a_parameter() -> None:
    text = "abcdefgh ijklmnopqrstuvwxyz"  # the only space is at 8 of 19 that fit
    assert trim(text, 20, boundary=0.4) == "abcdefgh…"
    assert trim(text, 20, boundary=0.5) == "abcdefgh ijklmnopqr…"


def test_trim_measures_as_asked_and_strips_as_asked() -> None:
    assert utf16_units("😀a") == 3
    assert trim("😀😀😀😀", 5, measure=utf16_units) == "😀😀…"
    assert trim("one, two, three", 11, strip=" ,") == "one, two…"
    assert trim("one, two, three", 11) == "one, two,…"


def test_trim_never_ends_on_an_unpaired_escape() -> None:
    assert trim("abcd\\*efgh", 6, escape_char="\\") == "abcd…"
    assert trim("abc\\\\*efgh", 6, escape_char="\\") == "abc\\\\…"
    assert ELLIPSIS == "…"
