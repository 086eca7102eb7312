"""Admin curation on the real discord.py client: the two-step add modal, import, export, Undo, Wrong film?.

Catalog owners are user ids from settings (ALICE here, who also has Manage Server so Discord shows her the
commands). BOB with Manage Server is the admin of *a* server: anyone can make one and add the bot, so he is
refused every catalog change, with nothing changed, and sees only his own channel's reports and misses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.discord import admin as admin_module
from adapters.discord.sync import sync_commands
from adapters.discord.testing import ALICE, BOB, FakeDiscord, iter_components
from bot.curation.store import CurationRepository
from bot.services import Services
from bot.store.films import FilmRepository

MANAGE = 1 << 5
ADMIN: dict[str, Any] = {"who": ALICE, "permissions": MANAGE}
SERVER_ADMIN: dict[str, Any] = {"who": BOB, "permissions": MANAGE}  # Manage Server, not a catalog owner
OWNERS_ONLY = "Only the bot's catalog owners"


async def catalog_state(services: Services) -> tuple[str, int]:
    """Every film as stored (removed ones too) and the number of audit rows."""
    async with services.db.session() as session:
        films = [f async for f in FilmRepository(session).iter_films(include_removed=True)]
        audits = len(await CurationRepository(session).audit(limit=10_000))
    return repr(films), audits


@pytest.fixture(autouse=True)
def alice_owns_the_catalog(services: Services) -> None:
    services.settings.discord.owner_user_ids = [int(ALICE["id"])]


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
    assert "The Host" not in found(services, "gwoemul")


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
    assert refused.modal is None and refused.ephemeral and OWNERS_ONLY in refused.text
    modal = await open_step_one(fake, bot)
    forged = await fake.submit(bot, modal, {"title": "Burning", "year": "2018"}, who=BOB)
    assert forged.ephemeral and OWNERS_ONLY in forged.text
    assert "Burning" not in found(services, "burning")
    added = await fake.submit(bot, modal, {"title": "Burning", "year": "2018"}, **ADMIN)
    message = added.visible[0]
    more = await fake.click(bot, message, buttons(message)["More details"], who=BOB)
    assert more.modal is None and OWNERS_ONLY in more.text
    upload = fake.upload("films.jsonl", b'{"title": "Oldboy", "year": 2003}\n')
    imported = await fake.slash(bot, "film-admin", sub="import", file=upload, who=BOB)
    assert imported.ephemeral and OWNERS_ONLY in imported.text and "Oldboy" not in found(services, "oldboy")
    exported = await fake.slash(bot, "film-admin", sub="export", who=BOB)
    assert exported.ephemeral and OWNERS_ONLY in exported.text
    assert not any(r.body and r.body.get("attachments") for r in exported.requests if isinstance(r.body, dict))


async def test_a_server_admin_who_is_not_an_owner_is_refused_every_catalog_change(
    fake: FakeDiscord, bot: Any, services: Services
) -> None:
    before = await catalog_state(services)
    opened = await fake.slash(bot, "film-admin", sub="add", **SERVER_ADMIN)
    assert opened.modal is None and opened.ephemeral and OWNERS_ONLY in opened.text
    pasted = await fake.slash(bot, "film-admin", sub="add", details="Title: Burning Year: 2018", **SERVER_ADMIN)
    assert pasted.ephemeral and OWNERS_ONLY in pasted.text
    modal = await open_step_one(fake, bot)
    forged = await fake.submit(bot, modal, {"title": "Burning", "year": "2018"}, **SERVER_ADMIN)
    assert forged.ephemeral and OWNERS_ONLY in forged.text
    parasite = next(m.film_id for m in services.films.index.search("parasite", limit=1))
    for sub, options in (
        ("edit", {"film": f"#{parasite}", "field": "year", "value": "2001"}),
        ("alias", {"film": f"#{parasite}", "alias": "not parasite"}),
        ("remove", {"film": f"#{parasite}"}),
        ("restore", {"film": f"#{parasite}"}),
        ("export", {}),
        ("resolve_report", {"report": 1}),
        ("import", {"file": fake.upload("films.jsonl", b'{"title": "Oldboy", "year": 2003}\n')}),
    ):
        refused = await fake.slash(bot, "film-admin", sub=sub, **options, **SERVER_ADMIN)
        assert refused.ephemeral and OWNERS_ONLY in refused.text, (sub, refused.text)
    removed = await fake.slash(bot, "film-admin", sub="remove", film=f"#{parasite}", **ADMIN)
    undo = await fake.click(bot, removed.visible[0], buttons(removed.visible[0])["Undo"], **SERVER_ADMIN)
    assert undo.ephemeral and OWNERS_ONLY in undo.text
    await fake.click(bot, removed.visible[0], buttons(removed.visible[0])["Undo"], **ADMIN)
    after = await catalog_state(services)
    assert after[0] == before[0] and after[1] == before[1] + 2  # only the owner's remove and undo were audited
    assert "Burning" not in found(services, "burning") and "Oldboy" not in found(services, "oldboy")


async def test_a_server_admin_reads_only_their_own_channels_misses_and_reports(
    fake: FakeDiscord, bot: Any, services: Services
) -> None:
    await fake.slash(bot, "film", title="zzyzx road", who=BOB)
    await fake.slash(bot, "film", title="qwertyuiop secret", who=BOB, where="dm")
    card = await fake.slash(bot, "film", title="parasite", who=BOB, where="dm")
    await fake.click(bot, card.visible[0], buttons(card.visible[0])["Wrong film?"], who=BOB, where="dm")
    misses = await fake.slash(bot, "film-admin", sub="misses", **SERVER_ADMIN)
    assert "zzyzx road" in misses.text and "qwertyuiop" not in misses.text
    reports = await fake.slash(bot, "film-admin", sub="reports", **SERVER_ADMIN)
    assert "No open reports from this chat" in reports.text
    everything = await fake.slash(bot, "film-admin", sub="misses", **ADMIN)
    assert "zzyzx road" in everything.text and "qwertyuiop" in everything.text
    assert "Parasite" in (await fake.slash(bot, "film-admin", sub="reports", **ADMIN)).text


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


async def test_export_defers_first_then_attaches_the_catalog_from_a_file(fake: FakeDiscord, bot: Any) -> None:
    exported = await fake.slash(bot, "film-admin", sub="export", **ADMIN)
    first = exported.requests[0].body
    assert first["type"] == 5  # acknowledged before the export runs: it takes seconds on a real catalog
    sent = [r.body for r in exported.requests[1:] if isinstance(r.body, dict) and r.body.get("attachments")]
    assert sent and sent[0]["attachments"][0]["filename"].startswith("filmbot-catalog-")
    assert "films" in exported.text


async def test_remove_then_undo_restores_and_only_admins_may_undo(
    fake: FakeDiscord, bot: Any, services: Services
) -> None:
    film = next(m.film_id for m in services.films.index.search("parasite", limit=1))
    removed = await fake.slash(bot, "film-admin", sub="remove", film=f"#{film}", **ADMIN)
    message = removed.visible[0]
    assert "Parasite" not in found(services, "parasite")
    refused = await fake.click(bot, message, buttons(message)["Undo"], who=BOB)
    assert refused.ephemeral and OWNERS_ONLY in refused.text
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
    assert hidden.ephemeral and "Only this chat's admins" in hidden.text


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


async def test_a_flooding_member_gets_ephemeral_slow_downs_only(
    fake: FakeDiscord, bot: Any, services: Services
) -> None:
    from bot.ratelimit import RateLimiter

    services.registry.rate_limiter = RateLimiter(2, 0.5, clock=lambda: 0.0)  # RATE_LIMIT__BURST=2
    answers = [await fake.slash(bot, "search", words="cell", who=BOB) for _ in range(4)]
    assert all(not a.ephemeral and "Miracle in Cell" in a.text for a in answers[:2])
    assert all(a.ephemeral and "slow down" in a.text for a in answers[2:])  # only BOB sees them
    assert "Miracle in Cell" in (await fake.slash(bot, "search", words="cell", who=ALICE)).text
