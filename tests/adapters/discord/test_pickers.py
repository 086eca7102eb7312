"""A "did you mean" picker raised by a one-film command finishes that command on Discord.

`/movienight nominate solaris` finds two films; the picker's custom_id carries the invoker and the command's
code, so choosing one nominates it and edits the picker into the reply, even after a restart, and only for the
invoker. Plain `/film` pickers still open cards (test_film.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.discord.testing import ALICE, BOB, CHANNEL_ID, FakeDiscord, iter_components
from bot.commands import Actor
from bot.polls import movienight_service
from bot.services import Services
from tests.support.catalog import make_services

MANAGE = 1 << 5  # Manage Server: an admin


def select_of(message: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in iter_components(message["components"]) if c["type"] == 3)


def option(select: dict[str, Any], label: str) -> str:
    return str(next(o["value"] for o in select["options"] if o["label"] == label))


async def slate(services: Services) -> list[tuple[str, int]]:
    noms = await movienight_service(services).slate.nominations(Actor("discord", "0", str(CHANNEL_ID)))
    return [(n.nominated_by, n.film_id) for n in noms]


async def nominate_picker(fake: FakeDiscord, bot: Any, services: Services) -> tuple[dict[str, Any], dict[str, Any]]:
    result = await fake.slash(bot, "movienight", sub="nominate", film="solaris", who=ALICE)
    message = result.message
    assert message is not None and not result.ephemeral, result.text
    select = select_of(message)
    spec = services.registry.by_full_name("movienight nominate")
    assert spec is not None
    assert select["custom_id"] == f"fb:pick:{ALICE['id']}:{spec.code}"
    assert len(select["custom_id"]) <= 100
    assert {o["label"] for o in select["options"]} == {"Solaris (1972)", "Solaris (2002)"}
    return message, select


async def test_choosing_from_a_nominate_picker_nominates(fake: FakeDiscord, bot: Any, services: Services) -> None:
    message, select = await nominate_picker(fake, bot, services)
    chosen = option(select, "Solaris (1972)")
    click = await fake.click(bot, message, select["custom_id"], values=[chosen], who=ALICE)
    assert click.callback is not None and click.callback["type"] == 7, click.text  # the picker, edited
    edited = fake.messages[message["id"]]
    assert edited["embeds"][0]["title"] == "Nominated"
    assert "Solaris (1972) is on the slate" in edited["embeds"][0]["description"]
    assert not edited.get("components")
    assert await slate(services) == [(str(ALICE["id"]), int(chosen))]
    listed = await fake.slash(bot, "movienight", sub="list", who=BOB)
    assert "1. Solaris (1972)" in listed.text


async def test_a_nominate_picker_still_works_after_a_restart(
    fake: FakeDiscord, bot: Any, services: Services, tmp_path: Path
) -> None:
    message, select = await nominate_picker(fake, bot, services)
    await bot.close()
    fresh = await make_services(tmp_path, [])  # a new process: new services and client, the same database
    try:
        async with fake.running(fresh) as restarted:
            chosen = option(select, "Solaris (2002)")
            await fake.click(restarted, message, select["custom_id"], values=[chosen], who=ALICE)
        assert fake.messages[message["id"]]["embeds"][0]["title"] == "Nominated"
        assert await slate(fresh) == [(str(ALICE["id"]), int(chosen))]
    finally:
        await fresh.db.dispose()


async def test_another_user_cannot_use_the_invokers_picker(fake: FakeDiscord, bot: Any, services: Services) -> None:
    message, select = await nominate_picker(fake, bot, services)
    click = await fake.click(bot, message, select["custom_id"], values=[option(select, "Solaris (1972)")], who=BOB)
    assert click.ephemeral and "This menu is for" in click.text
    assert fake.messages[message["id"]]["embeds"][0]["title"] == message["embeds"][0]["title"]
    assert await slate(services) == []


async def test_a_refusal_leaves_the_picker_in_place(fake: FakeDiscord, bot: Any, services: Services) -> None:
    message, select = await nominate_picker(fake, bot, services)
    chosen = option(select, "Solaris (1972)")
    await fake.slash(bot, "movienight", sub="nominate", film=f"#{chosen}", who=BOB)
    click = await fake.click(bot, message, select["custom_id"], values=[chosen], who=ALICE)
    assert click.ephemeral and "already on the slate" in click.text
    assert fake.messages[message["id"]]["embeds"][0]["title"] == message["embeds"][0]["title"]


async def test_an_admin_picker_checks_admin_again_on_the_choice(
    fake: FakeDiscord, bot: Any, services: Services
) -> None:
    services.registry.catalog_editors = "group_admins"  # a private club: Manage Server edits the catalog
    result = await fake.slash(bot, "film-admin", sub="remove", film="solaris", who=ALICE, permissions=MANAGE)
    message = result.message
    assert message is not None, result.text
    select = select_of(message)
    spec = services.registry.by_full_name("film remove")
    assert spec is not None and select["custom_id"].endswith(f":{spec.code}")
    chosen = option(select, "Solaris (2002)")
    demoted = await fake.click(bot, message, select["custom_id"], values=[chosen], who=ALICE)  # no Manage Server
    assert demoted.ephemeral and "Only the bot's catalog owners can use /film remove" in demoted.text
    assert int(chosen) in {m.film_id for m in services.films.index.search("solaris", limit=10)}
    done = await fake.click(bot, message, select["custom_id"], values=[chosen], who=ALICE, permissions=MANAGE)
    assert done.callback is not None and done.callback["type"] == 7
    assert int(chosen) not in {m.film_id for m in services.films.index.search("solaris", limit=10)}
    edited = fake.messages[message["id"]]
    undo = [c["custom_id"] for c in iter_components(edited["components"]) if c["type"] == 2]
    assert undo == [f"fb:act:undo_remove:{chosen}"]


async def test_a_plain_film_picker_still_opens_cards(fake: FakeDiscord, bot: Any) -> None:
    result = await fake.slash(bot, "film", title="solaris", who=ALICE)
    assert result.message is not None
    assert select_of(result.message)["custom_id"] == f"fb:pick:{ALICE['id']}"


async def test_a_film_pickers_answer_chosen_three_times_becomes_the_card(fake: FakeDiscord, bot: Any) -> None:
    """Learned popularity through the real discord.py: the 4th `/film solaris` opens the film chosen thrice."""
    for _ in range(3):
        result = await fake.slash(bot, "film", title="solaris", who=ALICE)
        assert result.message is not None and result.message["embeds"][0]["title"].startswith("Several films")
        select = select_of(result.message)
        click = await fake.click(bot, result.message, select["custom_id"], values=[option(select, "Solaris (2002)")],
                                 who=ALICE)  # fmt: skip
        assert click.callback is not None
        assert fake.messages[result.message["id"]]["embeds"][0]["title"] == "Solaris (2002)"
    card = await fake.slash(bot, "film", title="solaris", who=BOB)
    assert card.message is not None and card.message["embeds"][0]["title"] == "Solaris (2002)", card.text
