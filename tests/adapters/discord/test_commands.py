"""/search, /random, /help, ephemeral replies, DMs, admin commands, failures and sync, on the real client."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.discord.slash import discord_group_name
from adapters.discord.sync import sync_commands
from bot.commands import CommandContext, CommandRegistry, CommandSpec, Param, Permission
from bot.films.commands import SPECS as FILM_SPECS
from bot.replies import PollCard, PollOption, Reply, Text
from bot.services import Services
from tests.fakes.discord.harness import ADMIN_ROLE_ID, ALICE, BOB, FakeDiscord, iter_components


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["label"]: c for c in iter_components(message["components"]) if c["type"] == 2}


async def whoami(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return Text(f"admin={ctx.actor.is_admin} owner={ctx.actor.is_owner} chat={ctx.actor.chat_id}")


async def broken(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    raise RuntimeError("boom")


async def vote(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    options = tuple(PollOption(n, f"Film number {n} with a very long title that goes on and on") for n in range(12))
    return PollCard(night_id=1, question="Which film on Friday? " * 20, options=options[: args["count"]])


EXTRA_SPECS = (
    CommandSpec(name="whoami", summary="Who am I", handler=whoami),
    CommandSpec(name="boom", summary="Always fails", handler=broken),
    CommandSpec(
        name="add",
        summary="Add a film",
        handler=whoami,
        group="film",
        permission=Permission.CATALOG_OWNER,
        params=(Param("details", "Title and year"),),
    ),
    CommandSpec(
        name="remove", summary="Remove a film", handler=whoami, group="film", permission=Permission.CATALOG_OWNER
    ),
    CommandSpec(
        name="vote",
        summary="Open a vote",
        handler=vote,
        group="movienight",
        params=(
            Param("count", "How many films", kind="int", min_value=1, max_value=12),
            Param("mode", "How to vote", kind="choice", choices=("single", "multiple"), required=False),
        ),
    ),
)


@pytest.fixture
async def wide(fake: FakeDiscord, services: Services) -> Any:
    """A bot whose registry also has grouped, admin-only, failing and poll commands."""
    services.registry = CommandRegistry([*FILM_SPECS, *EXTRA_SPECS])
    async with fake.running(services) as client:
        yield client


async def test_search_pages_with_buttons_editing_one_message(fake: FakeDiscord, bot: Any) -> None:
    first = await fake.slash(bot, "search", words="star story", who=ALICE)
    message = first.message
    assert message is not None
    embed = message["embeds"][0]
    assert embed["footer"]["text"].startswith("Page 1 of 3")
    assert embed["description"].count("\n") == 9
    nav = buttons(message)
    assert nav["◀"]["disabled"] and not nav["▶"]["disabled"]
    assert all(len(b["custom_id"]) <= 100 for b in nav.values())
    await fake.click(bot, message, nav["▶"]["custom_id"], who=ALICE)
    page2 = fake.messages[message["id"]]
    assert page2["embeds"][0]["footer"]["text"].startswith("Page 2 of 3")
    await fake.click(bot, page2, buttons(page2)["▶"]["custom_id"], who=ALICE)
    page3 = fake.messages[message["id"]]
    assert page3["embeds"][0]["footer"]["text"].startswith("Page 3 of 3")
    assert buttons(page3)["▶"]["disabled"]
    assert len(fake.messages) == 1  # one message, edited


async def test_search_pager_is_for_the_invoker(fake: FakeDiscord, bot: Any) -> None:
    first = await fake.slash(bot, "search", words="star story", who=ALICE)
    assert first.message is not None
    other = await fake.click(bot, first.message, buttons(first.message)["▶"]["custom_id"], who=BOB)
    assert other.ephemeral and "This menu is for" in other.text


async def test_random_with_genre_and_genre_autocomplete(fake: FakeDiscord, bot: Any) -> None:
    result = await fake.slash(bot, "random", genre="western")
    assert result.message is not None
    assert result.message["embeds"][0]["title"] == "The Good, the Bad and the Ugly (1966)"
    suggestions = await fake.autocomplete(bot, "random", "genre", genre="dr")
    assert [c["name"] for c in suggestions.choices] == ["Drama"]
    nothing = await fake.slash(bot, "random", genre="no such genre")
    assert nothing.ephemeral and "no genre" in nothing.text.lower() and "genres: " in nothing.text.lower()


async def test_help_lists_the_registry(fake: FakeDiscord, bot: Any) -> None:
    result = await fake.slash(bot, "help")
    assert result.message is not None
    text = result.text
    for name in ("/film", "/search", "/random", "/help"):
        assert name in text


async def test_ephemeral_option(fake: FakeDiscord, bot: Any) -> None:
    public = await fake.slash(bot, "film", title="parasite")
    private = await fake.slash(bot, "film", title="parasite", ephemeral=True)
    assert not public.ephemeral
    assert private.ephemeral
    assert private.message is not None and private.message["embeds"][0]["title"] == "Parasite (2019)"


@pytest.mark.parametrize("where", ["dm", "group"])
async def test_works_in_dms_and_group_dms(fake: FakeDiscord, bot: Any, where: str) -> None:
    result = await fake.slash(bot, "film", title="spirited away", where=where)
    assert result.message is not None
    assert result.message["embeds"][0]["title"] == "Spirited Away (2001)"


async def test_admin_is_manage_server_or_a_configured_role(fake: FakeDiscord, wide: Any, services: Services) -> None:
    plain = await fake.slash(wide, "whoami")
    manager = await fake.slash(wide, "whoami", permissions=1 << 5)
    services.settings.discord.admin_role_ids = [ADMIN_ROLE_ID]
    by_role = await fake.slash(wide, "whoami", roles=[ADMIN_ROLE_ID])
    in_dm = await fake.slash(wide, "whoami", where="dm")
    assert "admin=False" in plain.text
    assert "admin=True" in manager.text
    assert "admin=True" in by_role.text
    assert "admin=False" in in_dm.text


async def test_admin_group_is_renamed_and_refuses_non_admins(fake: FakeDiscord, wide: Any) -> None:
    assert discord_group_name("film", wide.services.registry) == "film-admin"
    refused = await fake.slash(wide, "film-admin", sub="add", details="Solaris 1972")
    assert refused.ephemeral and "Only the bot's catalog owners" in refused.text
    manager = await fake.slash(wide, "film-admin", sub="add", details="Solaris 1972", permissions=1 << 5)
    assert manager.ephemeral and "Only the bot's catalog owners" in manager.text  # Manage Server is not enough
    wide.services.settings.discord.owner_user_ids = [int(ALICE["id"])]
    allowed = await fake.slash(wide, "film-admin", sub="add", details="Solaris 1972", permissions=1 << 5)
    assert "owner=True" in allowed.text


async def test_handler_failure_gets_an_apology(fake: FakeDiscord, wide: Any) -> None:
    result = await fake.slash(wide, "boom")
    assert result.ephemeral
    assert "Sorry, something went wrong" in result.text


async def test_render_failure_gets_an_apology_not_silence(
    fake: FakeDiscord, bot: Any, monkeypatch: Any, caplog: Any
) -> None:
    import adapters.discord.handlers as handlers

    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("render broke")

    monkeypatch.setattr(handlers, "render", explode)
    result = await fake.slash(bot, "film", title="parasite")
    assert result.ephemeral and "Sorry, something went wrong" in result.text
    assert any("slash command failed" in r.message for r in caplog.records)


async def test_slow_work_is_deferred_then_edited(fake: FakeDiscord, bot: Any) -> None:
    bot.controller.defer_after = 0.0
    result = await fake.slash(bot, "film", title="parasite")
    assert result.callback is not None and result.callback["type"] == 5
    assert result.message is not None and result.message["embeds"][0]["title"] == "Parasite (2019)"


async def test_native_poll_within_limits(fake: FakeDiscord, wide: Any) -> None:
    result = await fake.slash(wide, "movienight", sub="vote", count=10)
    poll = next(r.body["poll"] for r in result.requests if isinstance(r.body, dict) and r.body.get("poll"))
    assert len(poll["question"]["text"]) <= 300
    assert len(poll["answers"]) == 10
    assert all(len(a["poll_media"]["text"]) <= 55 for a in poll["answers"])
    too_many = await fake.slash(wide, "movienight", sub="vote", count=12)
    assert too_many.message is not None and "Film number 11" in too_many.text


async def test_sync_uploads_valid_commands(fake: FakeDiscord, services: Services) -> None:
    services.registry = CommandRegistry([*FILM_SPECS, *EXTRA_SPECS])
    services.settings.discord.token = SecretStr("fake-token")
    count = await sync_commands(services)
    uploaded = {c["name"]: c for c in fake.commands[None]}
    assert count == len(uploaded)
    assert {"film", "search", "random", "help", "whoami", "film-admin", "movienight"} <= set(uploaded)
    film = uploaded["film"]
    assert film["contexts"] == [0, 1, 2] and sorted(film["integration_types"]) == [0, 1]
    title = next(o for o in film["options"] if o["name"] == "title")
    assert title["autocomplete"] is True and title["type"] == 3
    assert any(o["name"] == "ephemeral" and o["type"] == 5 and not o["required"] for o in film["options"])
    admin = uploaded["film-admin"]
    assert int(admin["default_member_permissions"]) == 1 << 5
    assert admin["contexts"] == [0]
    vote_cmd = uploaded["movienight"]["options"][0]
    count_opt = next(o for o in vote_cmd["options"] if o["name"] == "count")
    assert (count_opt["type"], count_opt["min_value"], count_opt["max_value"]) == (4, 1, 12)
    mode = next(o for o in vote_cmd["options"] if o["name"] == "mode")
    assert [c["value"] for c in mode["choices"]] == ["single", "multiple"]
    for command in uploaded.values():
        assert 1 <= len(command["description"]) <= 100
    put = next(r for r in fake.requests if r.method == "PUT")
    assert put.path.endswith("/commands")


async def test_sync_to_one_server(fake: FakeDiscord, services: Services) -> None:
    services.settings.discord.token = SecretStr("fake-token")
    count = await sync_commands(services, guild_id=1234)
    expected = len(services.registry.top_level()) + len(services.registry.groups())
    assert count == len(fake.commands[1234]) == expected
    assert not any(r.path.startswith("/gateway") for r in fake.requests)


async def test_sharded_client_answers_too(fake: FakeDiscord, services: Services) -> None:
    async with fake.running(services, shard_count=2, shard_ids=[0, 1]) as client:
        result = await fake.slash(client, "film", title="parasite")
    assert result.message is not None and result.message["embeds"][0]["title"] == "Parasite (2019)"
