"""The card and choice texts every adapter shows (once, in the core; adapters only escape and trim)."""

from __future__ import annotations

from bot.replies import CastMember, FilmCard, FilmChoice


def card(**fields: object) -> FilmCard:
    return FilmCard(1, "Parasite", 2019, "https://t", **fields)  # type: ignore[arg-type]


def test_cast_text_names_the_first_six_and_counts_the_rest() -> None:
    cast = tuple(CastMember(f"Actor {i}", "Role" if i == 0 else None) for i in range(8))
    assert card(cast=cast).cast_text() == "Actor 0 (Role), Actor 1, Actor 2, Actor 3, Actor 4, Actor 5 and 2 more"
    assert card(cast=cast[:2]).cast_text() == "Actor 0 (Role), Actor 1"
    assert card().cast_text() is None


def test_rating_text() -> None:
    assert card(rating=8.53, votes=1234).rating_text() == "★ 8.5/10 (1,234 votes)"
    assert card(rating=7.0).rating_text() == "★ 7.0/10"
    assert card(votes=12).rating_text() == "★ (12 votes)"
    assert card().rating_text() is None


def test_choice_heading_detail_and_text() -> None:
    choice = FilmChoice(7, "Miracle in Cell No. 7", 2013, "South Korea", "7번방의 선물", matched_title="Miracle 7")
    assert choice.heading == "Miracle in Cell No. 7 (2013)"
    assert choice.detail == "7번방의 선물 · South Korea · matched: Miracle 7"
    assert choice.text == "Miracle in Cell No. 7 (2013) · 7번방의 선물 — South Korea, matched: Miracle 7"
    plain = FilmChoice(8, "Jaws", None, matched_title="Jaws")
    assert (plain.heading, plain.detail, plain.text) == ("Jaws", "", "Jaws")
