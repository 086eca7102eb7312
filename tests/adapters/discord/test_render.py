"""Rendering within Discord's limits by construction, whatever the catalog holds."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord.render import render
from adapters.discord.text import escape, trim
from bot.replies import CastMember, FilmCard, FilmChoice, FilmList, Rerun, Text
from tests.specs.discord_spec import extra_rules

TOKENS = [*"ab *_`~|>\\@#-[]()\n7번방の", "@everyone", "<@123>", "https://x.y/z", "word "]
NASTY = st.lists(st.sampled_from(TOKENS), max_size=3000).map("".join)


def card(text: str) -> FilmCard:
    return FilmCard(
        film_id=1,
        title=text[:3000] or "x",
        year=2013,
        trailer_url="https://www.youtube.com/watch?v=wTkeln0kc8I",
        original_title=text[:500] or None,
        alt_titles=tuple(text[i : i + 40] for i in range(0, min(len(text), 4000), 40)),
        genres=tuple(text[:50] for _ in range(30)),
        country=text[:2000] or None,
        content_rating=text[:2000] or None,
        directors=(text[:3000] or "x",) * 3,
        cast=tuple(CastMember(text[:80] or "n", text[:80] or None) for _ in range(50)),
        synopsis=text,
        poster_url="https://img.example/p.jpg",
        info_url="https://en.wikipedia.org/wiki/Miracle_in_Cell_No._7",
        matched_title=text[:3000] or None,
        notice=text[:3000] or None,
        others=tuple(FilmChoice(n, text[:300] or "t", 2000 + n, text[:300], text[:300]) for n in range(40)),
    )


def body_of(reply: Any) -> dict[str, Any]:
    out = render(reply, owner=123456789012345678)
    data: dict[str, Any] = {"content": out.content, "embeds": [e.to_dict() for e in out.embeds]}
    if out.view is not None:
        data["components"] = out.view.to_components()
    return data


def check_limits(data: dict[str, Any]) -> None:
    assert extra_rules(data) == []
    assert len(data["content"] or "") <= 2000
    for embed in data["embeds"]:
        assert len(embed.get("title", "")) <= 256
        assert len(embed.get("description", "")) <= 4096
        assert len(embed.get("fields", [])) <= 25
        for field in embed.get("fields", []):
            assert len(field["name"]) <= 256 and len(field["value"]) <= 1024
        assert len(embed.get("footer", {}).get("text", "")) <= 2048
    for row in data.get("components", []):
        for component in row["components"]:
            assert len(component.get("custom_id", "")) <= 100
            assert len(component.get("label", "") or "") <= 80
            for option in component.get("options", []):
                assert 1 <= len(option["label"]) <= 100 and len(option.get("description") or "") <= 100
            assert len(component.get("options", [])) <= 25


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NASTY)
def test_any_card_fits(text: str) -> None:
    check_limits(body_of(card(text)))


@settings(max_examples=30, deadline=None)
@given(NASTY)
def test_any_list_and_text_fit(text: str) -> None:
    items = tuple(FilmChoice(n, text[:500] or "t", 1990 + n, text[:200], text[:300], text[:300]) for n in range(10))
    for kind in ("did_you_mean", "results", "miss"):
        check_limits(body_of(FilmList(kind, text[:500], items, heading=text[:1000] or "h", page=1, pages=3)))
    check_limits(body_of(Text(body=text or "x", title=text[:1000] or None)))


def test_trim_cuts_at_a_word_and_never_leaves_a_dangling_escape() -> None:
    assert trim("one two three four", 12) == "one two…"
    escaped = escape("*" * 50)
    cut = trim(escaped, 20)
    assert (len(cut) <= 20 and not cut.removesuffix("…").endswith("\\")) or cut.removesuffix("…").endswith("\\\\")
    assert escape("@everyone") != "@everyone"


NOMINATE = Rerun("movienight nominate", "0a1b2c")


def test_a_picker_that_re_runs_a_command_carries_its_code_in_the_custom_id() -> None:
    items = tuple(FilmChoice(10**19 - 1 - n, "t", 2000) for n in range(3))
    for kind in ("did_you_mean", "miss"):
        out = render(FilmList(kind, "q", items, heading="h", rerun=NOMINATE), owner=10**20 - 1)
        assert out.view is not None
        ids = [c["custom_id"] for row in out.view.to_components() for c in row["components"]]
        assert ids and all(i.startswith("fb:") and i.endswith(":0a1b2c") and len(i) <= 100 for i in ids)
        check_limits(body_of(FilmList(kind, "q", items, heading="h", rerun=NOMINATE)))
    plain = render(FilmList("did_you_mean", "q", items, heading="h", rerun=None), owner=1)
    assert plain.view is not None and plain.view.to_components()[0]["components"][0]["custom_id"] == "fb:pick:1"
