"""Titles and queries meet in one normal form; these are the rules users rely on without knowing."""

from __future__ import annotations

import pytest

from bot.films.normalize import gram_form, normalize_title, strip_control, without_article


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Miracle in Cell No. 7", "miracle in cell no 7"),
        ("MIRACLE  in   cell no 7", "miracle in cell no 7"),
        ("Number 7 Room’s Gift", "no 7 rooms gift"),
        ("Room #7", "room no 7"),
        ("Fantômas contre Scotland Yard", "fantomas contre scotland yard"),
        ("Ｆｕｌｌ Ｍｅｔａｌ", "full metal"),
        ("Straße", "strasse"),
        ("Rocky IV", "rocky 4"),
        ("Rocky 4", "rocky 4"),
        ("Tom & Jerry", "tom and jerry"),
        ("Schindler's List", "schindlers list"),
        ("Star Wars: Episode IV - A New Hope", "star wars 4 a new hope"),
        ("2001: A Space Odyssey", "2001 a space odyssey"),
        ("1917", "1917"),
        ("The Matrix", "the matrix"),
    ],
)
def test_latin_titles_fold_to_one_form(raw: str, expected: str) -> None:
    assert normalize_title(raw) == expected


@pytest.mark.parametrize("native", ["7번방의 선물", "12월 23일", "千と千尋の神隠し", "英雄", "ภาพยนตร์"])
def test_native_scripts_are_kept(native: str) -> None:
    assert normalize_title(native) == native


def test_hangul_stays_composed() -> None:
    assert normalize_title("7번방의 선물") == "7번방의 선물"


def test_greek_final_sigma_and_accents_fold_like_lowercase_typing() -> None:
    assert normalize_title("Ο Πόλεμος των Άστρων") == normalize_title("ο πολεμοσ των αστρων")


@pytest.mark.parametrize("junk", ["", "   ", "\x00\x07", "!!! ??? ...", "\u200b\ufeff"])
def test_nothing_searchable_gives_empty(junk: str) -> None:
    assert normalize_title(junk) == ""


def test_control_characters_become_spaces() -> None:
    assert strip_control("a\x00b\tc\u200bd") == "a b c d"
    assert normalize_title("Mira\x00cle\nin cell") == "mira cle in cell"


def test_article_variant() -> None:
    assert without_article("the matrix") == "matrix"
    assert without_article("a fistful of dollars") == "fistful of dollars"
    assert without_article("the") is None
    assert without_article("matrix") is None


def test_long_input_is_fast_and_total() -> None:
    assert normalize_title("ab " * 5000).startswith("ab ab")


def test_gram_form_spells_hangul_as_jamo_and_leaves_the_rest() -> None:
    assert gram_form("선물") == "\u1109\u1165\u11ab\u1106\u116e\u11af"
    assert gram_form("7번방의 선물").startswith("7")
    assert len(gram_form("7번방의 선물")) == 16  # 7, 3+3+2 jamo, space, 3+3
    for other in ("miracle in cell no 7", "千と千尋の神隠し", "амели"):
        assert gram_form(other) == other
