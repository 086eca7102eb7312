"""Add by id or link, and /about, through the real python-telegram-bot against the fake Bot API, with
the fake TMDB and Wikidata servers on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.telegram.harness import USER, BotHarness, running_bot
from tests.fakes.sources import FakeTmdb, FakeWikidata, running_sources

STRANGER = 4242


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
    async with running_bot(tmp_path, owner_ids=[USER]) as harness:
        yield harness


async def test_add_by_imdb_id_shows_then_adds_on_confirm(bot: BotHarness) -> None:
    before = len(bot.services.catalog.index)
    preview = await bot.say("/film add tt5700672")
    assert preview.text.startswith("Train to Busan (2016)"), preview.text
    assert "Directed by Yeon Sang-ho" in preview.text and "Found on TMDB" in preview.text
    assert "/film add tt5700672 confirm" in preview.text
    assert len(bot.services.catalog.index) == before  # shown, not stored
    card = await bot.say("/film add tt5700672 confirm")
    assert card.text.startswith("Train to Busan (2016)\n부산행"), card.text
    assert "Added by" in card.text
    assert card.button("Trailer")["url"] == "https://www.youtube.com/watch?v=pyWuHv2-Abk"
    assert (await bot.say("/film 부산행")).text.startswith("Train to Busan (2016)")
    again = await bot.say("/film add https://www.themoviedb.org/movie/396535-train-to-busan")
    assert "already in the catalog" in again.text
    assert len(bot.services.catalog.index) == before + 1
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
