"""/film miss completed from the online sources on the real discord.py client (issue 12, "where sources are
used" 1): the store's answer first (Discord's 3 s deadline), then the same message edited with TMDB's find
and an Add button whose custom_id carries the short ref. Only the network is fake (Discord's seams, loopback
TMDB and Wikidata)."""

from __future__ import annotations

import copy
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.services import Services
from tests.adapters.discord.conftest import EXTRA_FILMS
from tests.fakes.discord.harness import ALICE, BOB, FakeDiscord, iter_components
from tests.fakes.sources import FakeTmdb, FakeWikidata, running_sources
from tests.support.catalog import make_services, sample_films

MANAGE = 1 << 5


@pytest.fixture
async def servers() -> AsyncIterator[tuple[FakeTmdb, FakeWikidata]]:
    async with running_sources() as pair:
        yield pair


@pytest.fixture
async def services(tmp_path: Path, servers: tuple[FakeTmdb, FakeWikidata]) -> AsyncIterator[Services]:
    tmdb, wikidata = servers
    built = await make_services(
        tmp_path,
        [*sample_films(), *EXTRA_FILMS],
        tmdb={"read_token": tmdb.token, "base_url": tmdb.url, "timeout": 0.5},
        wikidata={"contact": "ops@example.org", "base_url": wikidata.url, "timeout": 0.5},
        sources={"backoff_seconds": 60},
        discord={"owner_user_ids": [int(ALICE["id"])]},
    )
    try:
        yield built
    finally:
        await built.sources.close()
        await built.db.dispose()


def add_button(message: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in iter_components(message["components"]) if c.get("custom_id", "").startswith("fb:add:"))


async def test_a_miss_offers_tmdbs_film_and_add_stores_it(fake: FakeDiscord, bot: Any, services: Services) -> None:
    before = len(services.catalog.index)
    result = await fake.slash(bot, "film", title="train to busan", who=ALICE, permissions=MANAGE)
    first = result.requests[0].body  # the interaction callback: the store's answer, within the deadline
    assert "No film called" in str(first) and "found on TMDB" not in str(first)
    message = result.message
    assert message is not None and "Not in our catalog — found on TMDB:" in message["content"]
    assert "Train to Busan (2016) · 부산행, dir. Yeon Sang-ho" in message["content"]
    button = add_button(message)
    assert button["custom_id"] == "fb:add:tmdb:396535" and button["label"] == "Add Train to Busan (2016)"
    stale = copy.deepcopy(message)  # the message as a second viewer still has it, Add button and all
    added = await fake.click(bot, message, button["custom_id"], who=ALICE, permissions=MANAGE)
    card = added.fake.messages[message["id"]]
    assert card["embeds"][0]["title"] == "Train to Busan (2016)", card
    assert card["embeds"][0]["footer"]["text"] == "Data: TMDB"  # where the record came from
    assert len(services.catalog.index) == before + 1
    again = await fake.slash(bot, "film", title="train to busan")
    assert again.message is not None and again.message["embeds"][0]["title"] == "Train to Busan (2016)"
    twice = await fake.click(bot, stale, button["custom_id"], who=ALICE, permissions=MANAGE)
    assert "already in the catalog" in twice.text
    assert len(services.catalog.index) == before + 1


async def test_add_is_refused_for_a_member_when_admins_only(fake: FakeDiscord, bot: Any, services: Services) -> None:
    before = len(services.catalog.index)
    result = await fake.slash(bot, "film", title="train to busan", who=BOB)
    assert result.message is not None
    refused = await fake.click(
        bot, result.message, add_button(result.message)["custom_id"], who=BOB, permissions=MANAGE
    )
    assert refused.ephemeral and "catalog owners" in refused.text
    assert len(services.catalog.index) == before


async def test_a_source_down_adds_no_delay_once_its_breaker_is_open(
    fake: FakeDiscord, bot: Any, services: Services, servers: tuple[FakeTmdb, FakeWikidata]
) -> None:
    tmdb, wikidata = servers
    tmdb.delay = wikidata.delay = 0.8  # past the 0.5 s timeout: the first look-up fails and opens the breakers
    first = await fake.slash(bot, "film", title="train to busan")
    assert first.latency_ms is not None and "No film called" in str(first.requests[0].body)
    assert services.sources.tmdb is not None and services.sources.tmdb.breaker.is_open
    asked = len(tmdb.requests) + len(wikidata.requests)
    started = time.perf_counter()
    second = await fake.slash(bot, "film", title="train to busan")
    elapsed = time.perf_counter() - started
    assert second.message is not None and "found on" not in second.message["content"]
    assert len(tmdb.requests) + len(wikidata.requests) == asked  # open breakers: not a single request
    assert [r.method for r in second.requests] == ["POST"]  # the store's answer, no edit
    print(f"miss with the sources down: {elapsed * 1000:.1f} ms")


def confirm_button(message: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in iter_components(message["components"]) if c.get("custom_id", "").startswith("fb:ok:"))


def with_custom_id(message: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    copied = copy.deepcopy(message)
    for component in iter_components(copied["components"]):
        if component.get("custom_id") == old:
            component["custom_id"] = new
    return copied


async def test_admin_add_by_id_is_confirmed_with_a_button_only_its_asker_may_press(
    fake: FakeDiscord, bot: Any, services: Services
) -> None:
    before = len(services.catalog.index)
    shown = await fake.slash(bot, "film-admin", sub="add", details="tt5700672", who=ALICE, permissions=MANAGE)
    preview = shown.message
    assert preview is not None and preview["embeds"][0]["title"] == "Train to Busan (2016)", shown.text
    assert "Press Add within 10 minutes" in preview["embeds"][0]["description"]
    assert "confirm" not in preview["embeds"][0]["description"]  # a button, not a typed word
    button = confirm_button(preview)
    custom_id = button["custom_id"]
    assert button["label"] == "Add Train to Busan (2016)" and len(custom_id) <= 100
    assert custom_id.startswith(f"fb:ok:imdb:tt5700672:{ALICE['id']}:")
    assert len(services.catalog.index) == before  # shown, not stored

    other = await fake.click(bot, preview, custom_id, who=BOB, permissions=MANAGE)
    assert other.ephemeral and "Only the admin who asked" in other.text
    stale_id = custom_id.rsplit(":", 1)[0] + ":1000"  # the same button, long expired
    expired = await fake.click(bot, with_custom_id(preview, custom_id, stale_id), stale_id, who=ALICE)
    assert expired.ephemeral and "expired" in expired.text
    assert len(services.catalog.index) == before

    stale = copy.deepcopy(preview)  # the preview as it was, button and all
    added = await fake.click(bot, preview, custom_id, who=ALICE, permissions=MANAGE)
    card = added.fake.messages[preview["id"]]
    assert card["embeds"][0]["title"] == "Train to Busan (2016)" and "Added by" in str(card["embeds"][0])
    assert len(services.catalog.index) == before + 1
    twice = await fake.click(bot, stale, custom_id, who=ALICE, permissions=MANAGE)
    assert "already in the catalog" in twice.text
    assert len(services.catalog.index) == before + 1
