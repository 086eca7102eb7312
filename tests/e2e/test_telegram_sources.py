"""Add by id or link, and /about, through the real python-telegram-bot against the fake Bot API, with
the fake TMDB and Wikidata servers on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.telegram.harness import USER, BotHarness, running_bot
from tests.fakes.sources import FakeTmdb, FakeWikidata, running_sources
from tests.fakes.telegram.methods import SentMessage
from tests.fakes.telegram.server import Call

STRANGER = 4242
OTHER_OWNER = 4343


@pytest.fixture
async def servers() -> AsyncIterator[tuple[FakeTmdb, FakeWikidata]]:
    async with running_sources() as pair:
        yield pair


@pytest.fixture
async def bot(
    tmp_path: Path, servers: tuple[FakeTmdb, FakeWikidata], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[BotHarness]:
    tmdb, wikidata = servers
    monkeypatch.setenv("TMDB__READ_TOKEN", tmdb.token)
    monkeypatch.setenv("TMDB__BASE_URL", tmdb.url)
    monkeypatch.setenv("WIKIDATA__CONTACT", "ops@example.org")
    monkeypatch.setenv("WIKIDATA__BASE_URL", wikidata.url)
    async with running_bot(tmp_path, owner_ids=[USER, OTHER_OWNER]) as harness:
        yield harness


async def _press_data(bot: BotHarness, sent: SentMessage, data: str, user_id: int) -> dict[str, Any]:
    """Press a button with exactly this callback data (a stale or altered copy); the answer's parameters."""
    mark = len(bot.api.calls)
    _, query_id = bot.api.press(sent, data, user_id=user_id)
    answer = await bot.api.wait_for(
        "answerCallbackQuery", lambda c: c.params.get("callback_query_id") == query_id, since=mark
    )
    return answer.params


async def test_add_by_imdb_id_shows_then_adds_with_the_askers_button(bot: BotHarness) -> None:
    before = len(bot.services.catalog.index)
    preview = await bot.say("/film add tt5700672")
    assert preview.text.startswith("Train to Busan (2016)"), preview.text
    assert "Directed by Yeon Sang-ho" in preview.text and "Found on TMDB" in preview.text
    assert "Press Add within 10 minutes to add it." in preview.text and "confirm" not in preview.text
    add = preview.button("Add Train to Busan (2016)")
    data = add["callback_data"]
    assert data.startswith(f"k:imdb:tt5700672:{USER}:") and len(data.encode()) <= 64
    assert len(bot.services.catalog.index) == before  # shown, not stored

    other = await bot.press(preview, "Add Train to Busan", user_id=OTHER_OWNER)  # an admin, not the asker
    assert other.message is None and "Only the admin who asked" in other.answer["text"]
    expired = await _press_data(bot, preview, data.rsplit(":", 1)[0] + ":1000", USER)
    assert "expired" in expired["text"] and expired.get("show_alert")
    assert len(bot.services.catalog.index) == before

    pressed = await bot.press(preview, "Add Train to Busan")
    assert pressed.message is not None and pressed.message.text.startswith("Train to Busan (2016)\n부산행")
    assert "Added by" in pressed.message.text
    assert pressed.message.button("Trailer")["url"] == "https://www.youtube.com/watch?v=pyWuHv2-Abk"
    assert (await bot.say("/film 부산행")).text.startswith("Train to Busan (2016)")
    twice = await _press_data(bot, preview, data, USER)  # the same button again (a copy of the preview)
    assert "already in the catalog" in twice["text"]
    assert len(bot.services.catalog.index) == before + 1


async def test_a_double_press_adds_the_film_once(bot: BotHarness) -> None:
    before = len(bot.services.catalog.index)
    preview = await bot.say("/film add tmdb:396535")
    data = preview.button("Add Train to Busan")["callback_data"]
    mark = len(bot.api.calls)
    ids = [bot.api.press(preview, data, user_id=USER)[1] for _ in range(2)]  # both before either is handled
    answers = []
    for query_id in ids:

        def answers_it(call: Call, query_id: str = query_id) -> bool:
            return call.params.get("callback_query_id") == query_id

        answers.append(await bot.api.wait_for("answerCallbackQuery", answers_it, since=mark))
    assert sum(1 for a in answers if "text" not in a.params) == 1  # one added (the card replaces the preview)
    assert any("already" in str(a.params.get("text")) for a in answers)
    assert len(bot.services.catalog.index) == before + 1


async def test_typing_confirm_still_adds(bot: BotHarness) -> None:
    before = len(bot.services.catalog.index)
    card = await bot.say("/film add https://www.themoviedb.org/movie/396535-train-to-busan confirm")
    assert card.text.startswith("Train to Busan (2016)\n부산행"), card.text
    again = await bot.say("/film add https://www.themoviedb.org/movie/396535-train-to-busan")
    assert "already in the catalog" in again.text
    # Parasite (2019) is in the catalog without a Wikidata id: the add finds it by title + year
    by_wikidata = await bot.say("/film add https://www.wikidata.org/wiki/Q61448040 confirm")
    assert "already in the catalog" in by_wikidata.text
    assert len(bot.services.catalog.index) == before + 1


async def test_a_member_cannot_add_by_id_and_no_source_is_asked(
    bot: BotHarness, servers: tuple[FakeTmdb, FakeWikidata]
) -> None:
    tmdb, _ = servers
    reply = await bot.say("/film add tt6751668 confirm", user_id=STRANGER)
    assert "Added by" not in reply.text and "Parasite" not in reply.text
    assert tmdb.requests == []


async def test_an_unknown_id_and_a_source_down_are_explained(
    bot: BotHarness, servers: tuple[FakeTmdb, FakeWikidata]
) -> None:
    tmdb, _ = servers
    assert "TMDB has no film 1" in (await bot.say("/film add tmdb:1")).text
    tmdb.fail(500)
    reply = await bot.say("/film add tmdb:496243")
    assert "couldn't look that up: TMDB answered HTTP 500" in reply.text
    assert tmdb.token not in reply.text


async def test_about_names_the_sources_and_tmdb_notice(bot: BotHarness) -> None:
    reply = await bot.say("/about")
    assert "This product uses the TMDB API but is not endorsed or certified by TMDB." in reply.text
    assert "CC BY-SA 4.0" in reply.text and "Wikidata (CC0), when enabled. Enabled." in reply.text
