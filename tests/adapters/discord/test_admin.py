"""Admin curation on the real discord.py client: the two-step add modal, import, export, Undo, Wrong film?.

Admins are members with Manage Server (permissions=MANAGE); everyone else is refused with nothing changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.discord import admin as admin_module
from adapters.discord.sync import sync_commands
from adapters.discord.testing import ALICE, BOB, FakeDiscord, iter_components
from bot.services import Services

MANAGE = 1 << 5
ADMIN: dict[str, Any] = {"who": ALICE, "permissions": MANAGE}


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {c["label"]: c["custom_id"] for c in iter_components(message["components"]) if c.get("custom_id")}


def inputs(modal: dict[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {c["custom_id"]: c for c in iter_components(modal["components"]) if c["type"] == 4}


def found(services: Services, query: str) -> list[str]:
    return [m.doc.title for m in services.films.index.search(query, limit=5)]


async def open_step_one(fake: FakeDiscord, bot: Any) -> dict[str, Any]:
    opened = await fake.slash(bot, "film-admin", sub="add", **ADMIN)
    assert opened.modal is not None, opened.text
    return opened.modal


async def test_add_in_two_modal_steps(fake: FakeDiscord, bot: Any, services: Services) -> None:
    modal = await open_step_one(fake, bot)
    assert list(inputs(modal)) == ["title", "year", "native_title", "genres", "runtime"]
    assert inputs(modal)["title"]["required"] is True
    step1 = {"title": "The Host", "year": "2006", "native_title": "괴물", "genres": "Horror, Drama", "runtime": "120"}
    added = await fake.submit(bot, modal, step1, **ADMIN)
    message = added.visible[0]
    assert added.ephemeral and message["embeds"][0]["title"] == "The Host (2006)"
    assert "괴물" in added.text and "Added by alice" in added.text
    assert "The Host" in found(services, "괴물")

    more = await fake.click(bot, message, buttons(message)["More details"], **ADMIN)
    assert more.modal is not None and more.modal["custom_id"].startswith("fa:more:")
    assert list(inputs(more.modal)) == ["alt_titles", "synopsis", "trailer_url", "country", "director"]
    details = {
        "alt_titles": "Gwoemul, The Monster",
        "synopsis": "A monster emerges from the Han River.",
        "trailer_url": "https://www.youtube.com/watch?v=abc123",
        "country": "South Korea",
        "director": "Bong Joon-ho",
    }
    edited = await fake.submit(bot, more.modal, details, **ADMIN)
    assert edited.ephemeral and "Han River" in edited.text and "Bong Joon-ho" in edited.text
    assert "Updated: alt_titles, synopsis, trailer_url, country, director" in edited.text.replace("\\", "")
    assert "The Host" in found(services, "gwoemul")
    card = await fake.slash(bot, "film", title="the host 2006")
    assert {c.get("url") for c in iter_components(card.visible[0]["components"])} >= {details["trailer_url"]}

    # Step 2 again shows the film as it is now; "-" clears a field, empty keeps it.
    again = await fake.click(bot, message, buttons(message)["More details"], **ADMIN)
    assert again.modal is not None and inputs(again.modal)["alt_titles"]["value"] == "Gwoemul, The Monster"
    cleared = await fake.submit(bot, again.modal, {"alt_titles": "-", "synopsis": ""}, **ADMIN)
    assert "Updated: alt_titles." in cleared.text.replace("\\", "") and "Han River" in cleared.text
    # the cleared alt title no longer matches ("gwoemul" still does: it is how 괴물 romanizes)
    assert "The Monster" not in {m.matched_title for m in services.films.index.search("the monster", limit=5)}


async def test_a_refused_value_changes_nothing_and_try_again_keeps_the_typing(
    fake: FakeDiscord, bot: Any, services: Services
) -> None:
    modal = await open_step_one(fake, bot)
    typed = {"title": "Mother", "year": "20x9", "native_title": "마더"}
    refused = await fake.submit(bot, modal, typed, **ADMIN)
    assert refused.ephemeral and "⚠️" in refused.text and "year" in refused.text.lower()
    assert "Mother" not in found(services, "마더")
    retry = await fake.click(bot, refused.visible[0], buttons(refused.visible[0])["Try again"], **ADMIN)
    assert retry.modal is not None
    assert inputs(retry.modal)["year"]["value"] == "20x9" and inputs(retry.modal)["native_title"]["value"] == "마더"
    fixed = await fake.submit(bot, retry.modal, {**typed, "year": "2009"}, **ADMIN)
    assert fixed.visible[0]["embeds"][0]["title"] == "Mother (2009)"
    duplicate = await fake.submit(bot, retry.modal, {**typed, "year": "2009"}, **ADMIN)
    assert duplicate.ephemeral and "already in the catalog" in duplicate.text

    more = await fake.click(bot, fixed.visible[0], buttons(fixed.visible[0])["More details"], **ADMIN)
    assert more.modal is not None
    bad = await fake.submit(bot, more.modal, {"synopsis": "A mother's search.", "trailer_url": "not a url"}, **ADMIN)
    assert bad.ephemeral and "⚠️" in bad.text and "Try again" in bad.text
    card = await fake.slash(bot, "film", title="mother 2009")
    assert "A mother's search" not in card.text  # one transaction: the good field was not stored either


async def test_non_admins_are_refused_everywhere_and_nothing_changes(
    fake: FakeDiscord, bot: Any, services: Services
) -> None:
    refused = await fake.slash(bot, "film-admin", sub="add", who=BOB)
    assert refused.modal is None and refused.ephemeral and "Only admins" in refused.text
    modal = await open_step_one(fake, bot)
    forged = await fake.submit(bot, modal, {"title": "Burning", "year": "2018"}, who=BOB)
    assert forged.ephemeral and "Only admins" in forged.text
    assert "Burning" not in found(services, "burning")
    added = await fake.submit(bot, modal, {"title": "Burning", "year": "2018"}, **ADMIN)
    message = added.visible[0]
    more = await fake.click(bot, message, buttons(message)["More details"], who=BOB)
    assert more.modal is None and "Only admins" in more.text
    upload = fake.upload("films.jsonl", b'{"title": "Oldboy", "year": 2003}\n')
    imported = await fake.slash(bot, "film-admin", sub="import", file=upload, who=BOB)
    assert imported.ephemeral and "Only admins" in imported.text and "Oldboy" not in found(services, "oldboy")
    exported = await fake.slash(bot, "film-admin", sub="export", who=BOB)
    assert exported.ephemeral and "Only admins" in exported.text
    assert not any(r.body and r.body.get("attachments") for r in exported.requests if isinstance(r.body, dict))


async def test_import_an_attachment_all_or_nothing(
    fake: FakeDiscord, bot: Any, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = b'{"title": "Oldboy", "year": 2003}\n{"title": "Memories of Murder", "year": 2003}\n'
    done = await fake.slash(bot, "film-admin", sub="import", file=fake.upload("films.jsonl", good), **ADMIN)
    assert "films.jsonl: 2 records" in done.text and "Oldboy" in found(services, "oldboy")
    bad = b'{"title": "Poetry", "year": 2010}\n{"title": "Secret Sunshine", "year": 2007\n'
    failed = await fake.slash(bot, "film-admin", sub="import", file=fake.upload("more.jsonl", bad), **ADMIN)
    assert failed.ephemeral and "Nothing was imported" in failed.text and "line 2" in failed.text
    assert "Poetry" not in found(services, "poetry")
    monkeypatch.setattr(admin_module, "IMPORT_MAX_BYTES", 10)
    big = await fake.slash(bot, "film-admin", sub="import", file=fake.upload("big.jsonl", good), **ADMIN)
    assert big.ephemeral and "big.jsonl is 80 bytes; I import files up to" in big.text
    assert not any(r.path.startswith("https://cdn") for r in big.requests)


async def test_export_attaches_the_catalog(fake: FakeDiscord, bot: Any) -> None:
    exported = await fake.slash(bot, "film-admin", sub="export", **ADMIN)
    body = exported.requests[0].body
    assert body["data"]["attachments"][0]["filename"].startswith("filmbot-catalog-")
    assert "films" in exported.text


async def test_remove_then_undo_restores_and_only_admins_may_undo(
    fake: FakeDiscord, bot: Any, services: Services
) -> None:
    film = next(m.film_id for m in services.films.index.search("parasite", limit=1))
    removed = await fake.slash(bot, "film-admin", sub="remove", film=f"#{film}", **ADMIN)
    message = removed.visible[0]
    assert "Parasite" not in found(services, "parasite")
    refused = await fake.click(bot, message, buttons(message)["Undo"], who=BOB)
    assert refused.ephemeral and "Only admins" in refused.text
    assert "Parasite" not in found(services, "parasite")
    undone = await fake.click(bot, message, buttons(message)["Undo"], **ADMIN)
    assert undone.callback is not None and "Parasite" in found(services, "parasite")
    assert "Undo" not in buttons(fake.messages[message["id"]])


async def test_wrong_film_button_files_a_report_admins_can_read(fake: FakeDiscord, bot: Any) -> None:
    card = await fake.slash(bot, "film", title="parasite", who=BOB)
    message = card.visible[0]
    report = await fake.click(bot, message, buttons(message)["Wrong film?"], who=BOB)
    assert report.ephemeral and "Report #1" in report.text and "Parasite" in report.text
    twice = await fake.click(bot, message, buttons(message)["Wrong film?"], who=BOB)
    assert "already reported" in twice.text
    reports = await fake.slash(bot, "film-admin", sub="reports", **ADMIN)
    assert "Parasite" in reports.text and "bob" in reports.text.lower()
    hidden = await fake.slash(bot, "film-admin", sub="reports", who=BOB)
    assert hidden.ephemeral and "Only admins" in hidden.text


async def test_sync_shows_the_discord_forms(fake: FakeDiscord, services: Services) -> None:
    """`/film-admin add` may be run bare (the modal); `/film-admin import` takes a file, not a path."""
    services.settings.discord.token = SecretStr("fake-token")
    await sync_commands(services)
    group = next(c for c in fake.commands[None] if c["name"] == "film-admin")
    subs = {o["name"]: o for o in group["options"]}
    details = next(o for o in subs["add"]["options"] if o["name"] == "details")
    assert not details.get("required")
    options = {o["name"]: o for o in subs["import"]["options"]}
    assert "path" not in options and options["file"]["type"] == 11 and options["file"]["required"]
