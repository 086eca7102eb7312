"""Admin curation through the real registry on a real (SQLite) catalog: permissions, every change visible to
search at once, an audit row per change, and nothing changed when a command is refused or fails."""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.commands import Actor, CommandContext, Permission
from bot.curation.models import AuditRow, FilmReportRow
from bot.curation.service import Curation, curation_of
from bot.curation.store import AuditEntry, CurationRepository
from bot.films.model import Film
from bot.replies import FileReply, FilmCard, FilmList, Problem, Reply, Text
from bot.services import Services
from bot.store.films import FilmRepository
from tests.support.catalog import make_services

ADMIN = Actor("telegram", "100", "chat1", is_owner=True, display_name="Ada")  # a catalog owner
USER = Actor("telegram", "200", "chat1", is_group_admin=False, display_name="Bob")
# An admin of some other group: anyone can make a group, add the bot and be its admin.
GROUP_ADMIN = Actor("telegram", "300", "chat2", is_group_admin=True, display_name="Gil")
CONSOLE = Actor("console", "local", "console", is_owner=True, display_name="operator")


def cur(services: Services) -> Curation:
    return curation_of(services)


async def run(services: Services, actor: Actor, line: str) -> Reply:
    parsed = services.registry.resolve_text(line)
    assert not isinstance(parsed, Problem), parsed
    spec, raw = parsed
    return await services.registry.run(spec, CommandContext(actor, services), raw)


async def film_id(services: Services, title: str, year: int | None = None) -> int:
    async with services.db.session() as session:
        async for film in FilmRepository(session).iter_films(include_removed=True):
            if film.title == title and (year is None or film.year == year):
                assert film.id is not None
                return film.id
    raise AssertionError(f"no film {title} {year}")


async def snapshot(services: Services) -> tuple[Any, ...]:
    """Everything a curation command could change."""
    async with services.db.session() as session:
        repo = FilmRepository(session)
        films = [f async for f in repo.iter_films(include_removed=True)]
        audits = await session.scalar(select(func.count()).select_from(AuditRow))
        reports = await session.scalar(select(func.count()).select_from(FilmReportRow))
        version = await repo.catalog_version()
    return version, repr(films), audits, reports, len(services.catalog.index)


async def audit(services: Services, film: int | None = None) -> list[AuditEntry]:
    async with services.db.session() as session:
        return await CurationRepository(session).audit(film, limit=100)


def top_id(reply: Reply) -> int:
    assert isinstance(reply, FilmCard), reply
    return reply.film_id


# --- permissions: every admin command ----------------------------------------------------------

COMMANDS = {
    "add": "/film add Title: Oldboy Year: 2003 Genre: Thriller",
    "edit": "/film edit #6 year 2018",
    "alias": "/film alias #6 gisaengchung",
    "unalias": "/film unalias #7 chihiro",
    "remove": "/film remove #6",
    "restore": "/film restore #8",
    "import": "/film import",
    "export": "/film export",
    "log": "/film log",
    "misses": "/film misses",
    "reports": "/film reports",
    "resolve_report": "/film resolve_report 1",
}


async def prepare(services: Services) -> None:
    """State in which every command in COMMANDS succeeds for an admin: an alias, a removed film, a report."""
    assert await film_id(services, "Parasite") == 6
    assert await film_id(services, "Spirited Away") == 7
    assert await film_id(services, "1917") == 8
    await run(services, ADMIN, "/film alias #7 chihiro")
    await run(services, ADMIN, "/film remove #8")
    await cur(services).report_wrong_film(USER, 6, "parasite", "wrong year")


# Reading what came from one's own group is a group admin's business; everything else is the owners'.
GROUP_READS = {"log", "misses", "reports"}
CATALOG_CHANGES = sorted(set(COMMANDS) - GROUP_READS)


def test_every_film_group_command_is_covered_with_its_level(services: Services) -> None:
    group = services.registry.groups()["film"]
    assert {spec.name for spec in group} == set(COMMANDS)
    levels = {spec.name: spec.permission for spec in group}
    assert {n for n, level in levels.items() if level is Permission.GROUP_ADMIN} == GROUP_READS
    assert all(levels[n] is Permission.CATALOG_OWNER for n in CATALOG_CHANGES)


@pytest.mark.parametrize("name", sorted(COMMANDS))
async def test_non_admin_is_refused_and_nothing_changes(services: Services, name: str) -> None:
    await prepare(services)
    before = await snapshot(services)
    reply = await run(services, USER, COMMANDS[name])
    assert isinstance(reply, Problem) and reply.kind == "forbidden"
    if name in GROUP_READS:
        assert f"Only this chat's admins can use /film {name}" in reply.message
    else:
        assert f"Only the bot's catalog owners can use /film {name}" in reply.message
    assert await snapshot(services) == before


@pytest.mark.parametrize("name", CATALOG_CHANGES)
async def test_a_group_admin_who_is_not_an_owner_cannot_change_the_catalog(services: Services, name: str) -> None:
    await prepare(services)
    before = await snapshot(services)
    reply = await run(services, GROUP_ADMIN, COMMANDS[name])
    assert isinstance(reply, Problem) and reply.kind == "forbidden"
    assert reply.message.startswith(f"Only the bot's catalog owners can use /film {name}")
    assert await snapshot(services) == before


@pytest.mark.parametrize("name", sorted(COMMANDS))
async def test_catalog_editors_group_admins_keeps_the_open_club(tmp_path: Path, name: str) -> None:
    services = await make_services(tmp_path, catalog_editors="group_admins")
    try:
        await prepare(services)
        reply = await run(services, GROUP_ADMIN, COMMANDS[name])
        if name == "import":
            assert isinstance(reply, Problem) and "Attach the file" in reply.message
        else:
            assert not isinstance(reply, Problem), reply
        refused = await run(services, USER, COMMANDS[name])
        assert isinstance(refused, Problem) and refused.kind == "forbidden"
    finally:
        await services.db.dispose()


@pytest.mark.parametrize("name", sorted(COMMANDS))
async def test_admin_may_run_every_command(services: Services, name: str) -> None:
    await prepare(services)
    reply = await run(services, ADMIN, COMMANDS[name])
    if name == "import":  # a chat message without an attachment: explains how
        assert isinstance(reply, Problem) and "Attach the file" in reply.message
    else:
        assert not isinstance(reply, Problem), reply


async def test_api_entry_points_refuse_non_admins(services: Services) -> None:
    """Modals, uploads and buttons reach Curation directly: they check the same levels as the specs."""
    await prepare(services)
    before = await snapshot(services)
    c = cur(services)
    for actor in (USER, GROUP_ADMIN):
        calls = (
            c.add_film(actor, {"title": "Oldboy", "year": "2003"}),
            c.add_text(actor, "Title: Oldboy Year: 2003"),
            c.import_upload(actor, "films.jsonl", jsonl({"title": "Oldboy", "year": 2003})),
            c.undo_remove(actor, 8),
            c.export(actor),
        )
        for call in calls:
            reply = await call
            assert isinstance(reply, Problem) and reply.kind == "forbidden", reply
            assert reply.message.startswith("Only the bot's catalog owners")
    assert await snapshot(services) == before
    assert isinstance(await c.undo_remove(ADMIN, 8), FilmCard)
    before = await snapshot(services)
    c = cur(services)
    refusals = [
        await c.add_film(USER, {"title": "Oldboy", "year": "2003"}),
        await c.add_text(USER, "Title: Oldboy\nYear: 2003"),
        await c.import_upload(USER, "films.jsonl", b'{"title": "Oldboy", "year": 2003}\n'),
        await c.export(USER),
        await c.undo_remove(USER, 8),
    ]
    for reply in refusals:
        assert isinstance(reply, Problem) and reply.kind == "forbidden"
    assert await snapshot(services) == before


# --- add -----------------------------------------------------------------------------------------


async def test_add_from_key_value_line_is_searchable_and_audited(services: Services) -> None:
    reply = await run(
        services,
        ADMIN,
        "/film add Title: Oldboy Year: 2003 Native Title: 올드보이 Genre: Thriller, Mystery "
        "Duration: 2 hr. 0 min. Trailer: https://example.org/oldboy",
    )
    assert isinstance(reply, FilmCard)
    assert (reply.title, reply.year, reply.original_title) == ("Oldboy", 2003, "올드보이")
    assert reply.genres == ("Thriller", "Mystery") and reply.runtime_minutes == 120
    assert reply.notice is not None and reply.notice.startswith("Added by Ada")
    found = await services.films.lookup("올드보이")
    assert top_id(found) == reply.film_id
    [row] = await audit(services, reply.film_id)
    assert (row.action, row.platform, row.user_id, row.display_name) == ("add", "telegram", "100", "Ada")
    assert row.new_value == "Oldboy (2003)"


PAGE = """Title: Burning
Year: 2018
Native Title: 버닝
Alternative Titles: Beoning, Barn Burning
Genre: Drama, Mystery
Duration: 2 hr. 28 min.
Director & Screenwriter: Lee Chang-dong

Jong-su, a part-time worker, bumps into Hae-mi, a girl who once lived in his neighborhood.

Watch Trailer https://www.youtube.com/watch?v=burning
"""


async def test_add_multiline_page_through_the_page_parser(services: Services) -> None:
    reply = await cur(services).add_text(ADMIN, PAGE)
    assert isinstance(reply, FilmCard), reply
    assert reply.alt_titles == ("Beoning", "Barn Burning")
    assert reply.directors == ("Lee Chang-dong",) and reply.writers == ("Lee Chang-dong",)
    assert reply.synopsis is not None and reply.synopsis.startswith("Jong-su")
    assert reply.trailer_url == "https://www.youtube.com/watch?v=burning"
    assert top_id(await services.films.lookup("barn burning")) == reply.film_id


async def test_add_film_structured_fields_for_the_modal(services: Services) -> None:
    reply = await cur(services).add_film(
        ADMIN,
        {
            "title": "Decision to Leave",
            "year": "2022",
            "native_title": "헤어질 결심",
            "alt_titles": "Heeojil Gyeolsim",
            "genres": "Mystery, Romance",
            "runtime": "138",
            "synopsis": "A detective investigating a death in the mountains.",
            "trailer_url": "",
        },
    )
    assert isinstance(reply, FilmCard), reply
    assert reply.runtime_minutes == 138 and reply.genres == ("Mystery", "Romance")
    assert top_id(await services.films.lookup("heeojil gyeolsim")) == reply.film_id


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"year": "2003"}, "A title is required"),
        ({"title": "   "}, "A title is required"),
        ({"title": "X" * 201}, "title is too long"),
        ({"title": "Old", "year": "1869"}, "year must be between 1870 and 2100"),
        ({"title": "Old", "year": "20003"}, "year must be a four-digit year"),
        ({"title": "Old", "runtime": "0"}, "runtime must be a positive number"),
        ({"title": "Old", "runtime": "-5"}, "runtime must be a number of minutes"),
        ({"title": "Old", "runtime": "long"}, "runtime must be a number of minutes"),
        ({"title": "Old", "trailer_url": "javascript:alert(1)"}, "trailer_url must be a web link"),
        ({"title": "Old", "trailer_url": "ftp://x.org/a"}, "trailer_url must be a web link"),
        ({"title": "Old", "synopsis": "x" * 4001}, "synopsis is too long"),
        ({"title": "Old", "colour": "red"}, "I don't know the field"),
    ],
)
async def test_add_validation_messages_and_nothing_written(
    services: Services, fields: dict[str, str], message: str
) -> None:
    before = await snapshot(services)
    reply = await cur(services).add_film(ADMIN, fields)
    assert isinstance(reply, Problem) and message in reply.message, reply
    assert await snapshot(services) == before


async def test_add_refuses_duplicates_with_a_pointer_to_edit(services: Services) -> None:
    before = await snapshot(services)
    reply = await run(services, ADMIN, "/film add Title: parasite Year: 2019")
    assert isinstance(reply, Problem) and reply.kind == "conflict"
    assert "#6" in reply.message and reply.hint is not None and "/film edit #6" in reply.hint
    by_imdb = await cur(services).add_film(ADMIN, {"title": "Another name", "imdb": "tt2659414"})
    assert isinstance(by_imdb, Problem) and by_imdb.kind == "conflict" and "#1" in by_imdb.message
    assert await snapshot(services) == before


async def test_add_without_labels_explains_the_format(services: Services) -> None:
    reply = await run(services, ADMIN, "/film add Oldboy 2003")
    assert isinstance(reply, Problem) and reply.hint is not None and "Title:" in reply.hint


# --- edit ----------------------------------------------------------------------------------------


async def test_edit_title_is_visible_to_search_at_once_and_audited(services: Services) -> None:
    reply = await run(services, ADMIN, "/film edit #8 title Nineteen Seventeen")
    assert isinstance(reply, FilmCard) and reply.title == "Nineteen Seventeen"
    assert top_id(await services.films.lookup("nineteen seventeen")) == 8
    old = await services.films.lookup("1917")
    assert not (isinstance(old, FilmCard) and old.film_id == 8)
    [row] = await audit(services, 8)
    assert (row.action, row.field, row.old_value, row.new_value) == ("edit", "title", "1917", "Nineteen Seventeen")


@pytest.mark.parametrize(
    ("field", "value", "check"),
    [
        ("year", "2020", lambda f: f.year == 2020),
        ("native_title", "기생충 (2019)", lambda f: f.original_title == "기생충 (2019)"),
        ("runtime", "2 hr. 13 min.", lambda f: f.runtime_minutes == 133),
        ("country", "Korea", lambda f: f.country == "Korea"),
        ("content_rating", "15+", lambda f: f.content_rating == "15+"),
        ("genres", "Thriller, Dark Comedy", lambda f: f.genres == ["Thriller", "Dark Comedy"]),
        ("synopsis", "A poor family schemes.", lambda f: f.synopsis == "A poor family schemes."),
        ("trailer_url", "https://example.org/t", lambda f: f.trailer_url == "https://example.org/t"),
        ("poster_url", "https://example.org/p.jpg", lambda f: f.poster_url == "https://example.org/p.jpg"),
        ("info_url", "http://example.org/i", lambda f: f.info_url == "http://example.org/i"),
        ("release_date", "May 30, 2019", lambda f: str(f.release_date) == "2019-05-30"),
        ("director", "Bong Joon Ho", lambda f: f.directors == ["Bong Joon Ho"]),
        ("writer", "Bong Joon Ho, Han Jin-won", lambda f: f.writers == ["Bong Joon Ho", "Han Jin-won"]),
        (
            "add_cast",
            "Song Kang-ho as Ki-taek",
            lambda f: [(c.name, c.character) for c in f.cast] == [("Song Kang-ho", "Ki-taek")],
        ),
        ("add_alt", "Gisaengchung", lambda f: f.alt_titles == ["Gisaengchung"]),
    ],
)
async def test_edit_each_field_is_stored_audited_and_indexed(
    services: Services, field: str, value: str, check: Any
) -> None:
    reply = await run(services, ADMIN, f"/film edit #6 | {field} | {value}")
    assert isinstance(reply, FilmCard), reply
    stored = await services.catalog.film(6)
    assert stored is not None and check(stored)
    [row] = await audit(services, 6)
    assert row.action == "edit" and row.new_value is not None
    doc = services.catalog.index.get(6)
    assert doc is not None and doc.year == stored.year and set(stored.all_titles()) <= set(doc.all_titles())


async def test_cast_and_alt_titles_are_added_and_removed_one_by_one(services: Services) -> None:
    await run(services, ADMIN, "/film edit #6 add_alt Basement Family")
    await run(services, ADMIN, "/film edit #6 add_cast Song Kang-ho as Ki-taek")
    await run(services, ADMIN, "/film edit #6 add_cast Cho Yeo-jeong")
    assert top_id(await services.films.lookup("basement family")) == 6
    await run(services, ADMIN, "/film edit #6 remove_cast song kang-ho")
    reply = await run(services, ADMIN, "/film edit #6 remove_alt Basement Family")
    assert isinstance(reply, FilmCard)
    assert reply.alt_titles == () and [c.name for c in reply.cast] == ["Cho Yeo-jeong"]
    gone = await services.films.lookup("basement family")
    assert not (isinstance(gone, FilmCard) and gone.film_id == 6)
    rows = await audit(services, 6)
    assert [(r.field, r.old_value, r.new_value) for r in reversed(rows)] == [
        ("alt_titles", None, "Basement Family"),
        ("cast", None, "Song Kang-ho as Ki-taek"),
        ("cast", None, "Cho Yeo-jeong"),
        ("cast", "Song Kang-ho as Ki-taek", None),
        ("alt_titles", "Basement Family", None),
    ]


async def test_edit_clears_an_optional_field_but_never_the_title(services: Services) -> None:
    reply = await run(services, ADMIN, "/film edit #1 trailer_url -")
    assert isinstance(reply, FilmCard) and "youtube.com/results" in reply.trailer_url
    refused = await run(services, ADMIN, "/film edit #1 title -")
    assert isinstance(refused, Problem) and "keep its title" in refused.message


async def test_ambiguous_film_gets_the_picker_and_nothing_changes(services: Services) -> None:
    before = await snapshot(services)
    reply = await run(services, ADMIN, '/film edit "miracle in cell no 7" year 2014')
    assert isinstance(reply, FilmList) and reply.kind == "did_you_mean"
    assert {c.film_id for c in reply.items} >= {1, 2, 3}
    assert reply.hint is not None and "#" in reply.hint
    assert await snapshot(services) == before


async def test_clear_fuzzy_title_is_edited(services: Services) -> None:
    reply = await run(services, ADMIN, "/film edit spirited away | runtime | 126")
    assert isinstance(reply, FilmCard) and reply.film_id == 7 and reply.runtime_minutes == 126


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/film edit #6 year 1492", "year must be between"),
        ("/film edit #6 runtime zero", "runtime must be a number"),
        ("/film edit #6 info_url file:///etc/passwd", "info_url must be a web link"),
        ("/film edit #6 colour red", "field must be one of"),
        ("/film edit #6 remove_cast Nobody", "No cast member"),
        ("/film edit #6 remove_alt Nothing", "not one of this film's alternative titles"),
        ("/film edit #6 add_alt Parasite", "already a title of this film"),
        ("/film edit #999 year 2001", "no film #999"),
        ("/film edit #10 year 2001", "is removed"),
        ("/film alias #10 bold", "is removed"),
    ],
)
async def test_bad_edits_change_nothing(services: Services, line: str, message: str) -> None:
    await run(services, ADMIN, "/film remove #10")
    before = await snapshot(services)
    reply = await run(services, ADMIN, line)
    assert isinstance(reply, Problem) and message in reply.message, reply
    assert await snapshot(services) == before


async def test_edit_may_not_duplicate_another_film(services: Services) -> None:
    before = await snapshot(services)
    reply = await run(services, ADMIN, "/film edit #2 year 2013")
    assert isinstance(reply, Problem) and reply.kind == "conflict" and "#1" in reply.message
    assert await snapshot(services) == before


# --- aliases -------------------------------------------------------------------------------------


async def test_alias_pins_an_ambiguous_query_and_unalias_releases_it(services: Services) -> None:
    query = "miracle in cell no 7"
    assert top_id(await services.films.lookup(query)) == 1  # the popular 2013 film by default
    reply = await run(services, ADMIN, f"/film alias #2 {query}")
    assert isinstance(reply, Text) and "#2" in reply.body
    pinned = await services.films.lookup("Miracle in Cell No. 7")
    assert top_id(pinned) == 2
    assert top_id(await services.films.lookup(f"{query} 2022")) == 3  # only that exact query is pinned
    resolved = await services.films.resolve_film(query)
    assert isinstance(resolved, Film) and resolved.id == 2
    await run(services, ADMIN, f"/film unalias #2 {query}")
    assert top_id(await services.films.lookup(query)) == 1
    actions = [(r.action, r.field, r.old_value, r.new_value) for r in reversed(await audit(services, 2))]
    assert actions == [("alias", "aliases", None, query), ("unalias", "aliases", query, None)]


async def test_alias_makes_a_new_title_find_the_film(services: Services) -> None:
    await run(services, ADMIN, "/film alias #11 ugly western")
    card = await services.films.lookup("ugly western")
    assert isinstance(card, FilmCard) and card.film_id == 11 and card.matched_title == "ugly western"


async def test_an_alias_pins_one_film_only(services: Services) -> None:
    await run(services, ADMIN, "/film alias #6 the korean one")
    before = await snapshot(services)
    reply = await run(services, ADMIN, "/film alias #7 The Korean One")
    assert isinstance(reply, Problem) and reply.kind == "conflict" and "#6" in reply.message
    missing = await run(services, ADMIN, "/film unalias #7 nothing")
    assert isinstance(missing, Problem) and "is not an alias" in missing.message
    assert await snapshot(services) == before


async def test_pin_of_a_removed_film_is_ignored(services: Services) -> None:
    await run(services, ADMIN, "/film alias #2 miracle in cell no 7")
    await run(services, ADMIN, "/film remove #2")
    assert top_id(await services.films.lookup("miracle in cell no 7")) == 1


# --- remove / restore ----------------------------------------------------------------------------


async def test_remove_vanishes_from_search_and_undo_restores(services: Services) -> None:
    reply = await run(services, ADMIN, "/film remove #6")
    assert isinstance(reply, Text)
    [action] = reply.actions
    assert (action.kind, action.film_id) == ("undo_remove", 6)
    gone = await services.films.lookup("parasite")
    assert not (isinstance(gone, FilmCard) and gone.film_id == 6)
    assert services.catalog.index.get(6) is None
    again = await run(services, ADMIN, "/film remove #6")
    assert isinstance(again, Problem) and "already removed" in again.message
    back = await cur(services).undo_remove(ADMIN, action.film_id)
    assert isinstance(back, FilmCard) and back.notice == "Restored by Ada."
    assert top_id(await services.films.lookup("parasite")) == 6
    rows = [(r.action, r.old_value, r.new_value) for r in reversed(await audit(services, 6))]
    assert rows == [("remove", "no", "yes"), ("restore", "yes", "no")]


async def test_restore_command_by_id_and_by_exact_title(services: Services) -> None:
    await run(services, ADMIN, "/film remove #8")
    await run(services, ADMIN, "/film remove #7")
    assert isinstance(await run(services, ADMIN, "/film restore #8"), FilmCard)
    by_title = await run(services, ADMIN, "/film restore spirited away")
    assert isinstance(by_title, FilmCard) and by_title.film_id == 7
    none = await run(services, ADMIN, "/film restore parasite")
    assert isinstance(none, Problem) and none.kind == "not_found"


# --- import / export -----------------------------------------------------------------------------


def jsonl(*records: dict[str, Any]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


async def test_import_upload_counts_indexes_and_audits(services: Services) -> None:
    data = jsonl(
        {"title": "Oldboy", "year": 2003, "original_title": "올드보이"},
        {"title": "Mother", "year": 2009, "original_title": "마더"},
        {"title": "Parasite", "year": 2019, "runtime_minutes": 133},
    )
    reply = await cur(services).import_upload(ADMIN, "korean.jsonl", data)
    assert isinstance(reply, Text), reply
    assert "3 records" in reply.body and "2 added, 1 updated" in reply.body
    assert isinstance(await services.films.lookup("올드보이"), FilmCard)
    assert isinstance(await services.films.lookup("마더"), FilmCard)
    [row] = await audit(services)
    assert (row.action, row.field, row.film_id) == ("import", "korean.jsonl", None)
    assert row.new_value is not None and "2 added" in row.new_value


async def test_malformed_import_changes_nothing_and_names_the_line(services: Services) -> None:
    before = await snapshot(services)
    data = jsonl({"title": "Oldboy", "year": 2003}) + b'{"title": "Mother", "year": "soon"}\n'
    reply = await cur(services).import_upload(ADMIN, "bad.jsonl", data)
    assert isinstance(reply, Problem) and "Nothing was imported" in reply.message
    assert "line 2" in reply.message
    assert await snapshot(services) == before
    broken = await cur(services).import_upload(ADMIN, "bad.txt", b"\xff\xfe not text")
    assert isinstance(broken, Problem) and "line 1" in broken.message
    assert await snapshot(services) == before


async def test_export_returns_a_jsonl_file_that_imports_back(services: Services, tmp_path: Path) -> None:
    await run(services, ADMIN, "/film remove #10")
    reply = await run(services, ADMIN, "/film export")
    assert isinstance(reply, FileReply) and reply.filename.endswith(".jsonl") and reply.path is not None
    data = await asyncio.to_thread(reply.path.read_bytes)  # written by a worker thread, streamed to disk
    lines = data.decode().splitlines()
    assert len(lines) == 10 and reply.caption is not None and reply.caption.startswith("10 films")
    assert {json.loads(line)["title"] for line in lines} >= {"Parasite", "Miracle in Cell No. 7"}
    again = await cur(services).import_upload(ADMIN, reply.filename, data)
    assert isinstance(again, Text) and "0 added, 0 updated, 10 unchanged" in again.body


async def test_console_export_writes_a_file_and_names_it(services: Services) -> None:
    reply = await run(services, CONSOLE, "/film export")
    assert isinstance(reply, Text)
    path = Path(reply.body.rsplit("Written to ", 1)[1])
    text = await asyncio.to_thread(path.read_text)
    assert len(text.splitlines()) == 11


async def test_console_import_reads_a_local_path_but_chat_platforms_cannot(services: Services, tmp_path: Path) -> None:
    file = tmp_path / "one.jsonl"
    file.write_bytes(jsonl({"title": "Oldboy", "year": 2003}))
    chat = await run(services, ADMIN, f"/film import {file}")
    assert isinstance(chat, Problem) and "Attach" in chat.message
    local = await run(services, CONSOLE, f"/film import {file}")
    assert isinstance(local, Text) and "1 added" in local.body


# --- log, misses, reports ------------------------------------------------------------------------


async def test_log_shows_who_changed_what(services: Services) -> None:
    await run(services, ADMIN, "/film edit #6 year 2020")
    other = Actor("discord", "42", "g1", is_owner=True, display_name="Cy")
    await run(services, other, "/film edit #7 runtime 126")
    whole = await run(services, ADMIN, "/film log")
    assert isinstance(whole, Text)
    first, second = whole.body.splitlines()[:2]
    assert "Cy (discord:42)" in first and "runtime: 125 → 126" in first and "Spirited Away" in first
    assert "Ada (telegram:100)" in second and "year: 2019 → 2020" in second
    one = await run(services, ADMIN, "/film log #6")
    assert isinstance(one, Text) and len(one.body.splitlines()) == 1 and "Parasite" in (one.title or "")


async def test_misses_are_recorded_and_listed_most_frequent_first(services: Services) -> None:
    for query in ("Zzyzx Road", "zzyzx road!", "Qwertyuiop"):
        reply = await services.films.lookup(query)
        assert isinstance(reply, FilmList) and reply.kind == "miss"
    assert isinstance(await services.films.lookup("parasite"), FilmCard)  # hits are not misses
    listing = await run(services, ADMIN, "/film misses")
    assert isinstance(listing, Text)
    lines = listing.body.splitlines()
    assert lines[0].startswith("2× “zzyzx road!”") and lines[1].startswith("1× “Qwertyuiop”")
    assert "parasite" not in listing.body.casefold()


async def test_wrong_film_reports_flow(services: Services) -> None:
    c = cur(services)
    sent = await c.report_wrong_film(USER, 1, "miracle in cell", "I meant the Turkish one")
    assert isinstance(sent, Text) and "Report #1" in sent.body
    repeat = await c.report_wrong_film(USER, 1, "miracle in cell", "again")
    assert isinstance(repeat, Text) and "already reported" in repeat.body
    other = await c.report_wrong_film(USER, 6, None, None)
    assert isinstance(other, Text) and "Report #2" in other.body
    missing = await c.report_wrong_film(USER, 999, None, None)
    assert isinstance(missing, Problem) and missing.kind == "not_found"
    listing = await run(services, ADMIN, "/film reports")
    assert isinstance(listing, Text) and listing.title == "Wrong-film reports (2 open)"
    assert "I meant the Turkish one" in listing.body and "Bob (telegram:200)" in listing.body
    closed = await run(services, ADMIN, "/film resolve_report 1")
    assert isinstance(closed, Text) and "closed" in closed.body
    twice = await run(services, ADMIN, "/film resolve_report 1")
    assert isinstance(twice, Problem) and "already closed" in twice.message
    after = await run(services, ADMIN, "/film reports")
    assert isinstance(after, Text) and "(1 open)" in (after.title or "")
    [row] = await audit(services, 1)
    assert (row.action, row.field, row.new_value) == ("resolve", "report", "1 closed")


async def test_cli_import_audit_row_in_the_import_transaction(services: Services) -> None:
    from bot.curation.transfer import audit_import, cli_actor

    film = Film(title="Oldboy", year=2003)
    async with services.db.session() as session, session.begin():
        counts = await FilmRepository(session).upsert_many([film])
        await audit_import(session, cli_actor(), ["a.jsonl", "b.csv"], 1, counts)
    [row] = await audit(services)
    assert (row.platform, row.action, row.field) == ("cli", "import", "a.jsonl, b.csv")
    assert row.new_value == "1 records: 1 added, 0 updated, 0 unchanged"


# --- group scopes: a group's admins see their own group's misses, reports and changes ------------


async def test_a_group_admin_sees_only_their_own_groups_misses_reports_and_log(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    try:
        here = GROUP_ADMIN  # telegram chat2
        owner_here = Actor("telegram", "100", "chat2", is_owner=True, display_name="Ada")
        owner_there = Actor("discord", "400", "guild9", is_owner=True, display_name="Other")
        member_here = Actor("telegram", "301", "chat2", display_name="Hal")
        member_there = Actor("discord", "401", "guild9", display_name="Ivy")
        await run(services, member_here, "/film zzyzx road")
        await run(services, member_there, "/film secret other chat query")
        await run(services, member_there, "/search secret other chat query")
        await cur(services).report_wrong_film(member_here, 6, "parasite", "ours")
        await cur(services).report_wrong_film(member_there, 7, "chihiro", "theirs")
        await run(services, owner_here, "/film edit #6 runtime 133")
        await run(services, owner_there, "/film edit #7 runtime 126")

        misses = await run(services, here, "/film misses")
        assert isinstance(misses, Text) and "zzyzx road" in misses.body and "secret" not in misses.body
        reports = await run(services, here, "/film reports")
        assert isinstance(reports, Text) and "ours" in reports.body and "theirs" not in reports.body
        assert "(1 open)" in (reports.title or "")
        log = await run(services, here, "/film log")
        assert isinstance(log, Text) and "Ada" in log.body and "Other" not in log.body
        assert "from this chat" in (log.title or "")
        other_film_log = await run(services, here, "/film log #7")
        assert isinstance(other_film_log, Text) and "Other" not in other_film_log.body
        # The owners see every chat's.
        assert "secret" in (await run(services, ADMIN, "/film misses")).body  # type: ignore[union-attr]
        assert "theirs" in (await run(services, ADMIN, "/film reports")).body  # type: ignore[union-attr]
        assert "Other" in (await run(services, ADMIN, "/film log")).body  # type: ignore[union-attr]
    finally:
        await services.db.dispose()
    owner_view = await make_services(tmp_path / "o")
    try:
        member_here = Actor("telegram", "301", "chat2", display_name="Hal")
        member_there = Actor("discord", "401", "guild9", display_name="Ivy")
        for member in (member_here, member_there, member_there):
            await run(services=owner_view, actor=member, line="/film zzyzx road")
        everything = await run(owner_view, ADMIN, "/film misses")
        assert isinstance(everything, Text) and everything.body.startswith("3× “zzyzx road”")
        group_view = await run(owner_view, GROUP_ADMIN, "/film misses")  # chat2 on telegram: one miss
        assert isinstance(group_view, Text) and group_view.body.startswith("1× “zzyzx road”")
    finally:
        await owner_view.db.dispose()


async def test_reply_actions_run_through_one_core_call(services: Services) -> None:
    """Undo and "Wrong film?" buttons: every adapter calls `run_action`; unknown kinds change nothing."""
    from bot.curation.actions import NOT_AVAILABLE, run_action

    removed = await run(services, ADMIN, "/film remove #6")
    assert isinstance(removed, Text)
    [action] = removed.actions
    refused = await run_action(services, USER, action.kind, action.film_id)
    assert isinstance(refused, Problem) and refused.kind == "forbidden"
    back = await run_action(services, ADMIN, action.kind, action.film_id)
    assert isinstance(back, FilmCard) and back.notice == "Restored by Ada."
    report = await run_action(services, USER, "wrong_film", 1, "miracle in cell")
    assert isinstance(report, Text) and "Report #1" in report.body
    before = await snapshot(services)
    unknown = await run_action(services, USER, "delete_everything", 1)
    assert isinstance(unknown, Problem) and unknown.message == NOT_AVAILABLE
    assert await snapshot(services) == before


async def test_edit_details_from_a_form_changes_what_differs_in_one_audited_step(services: Services) -> None:
    """A details form (Discord's "More details" modal): empty keeps, "-" clears, the alt list replaces."""
    from bot.curation.edits import current_details

    c = cur(services)
    film = await c.catalog.film(6)
    assert film is not None
    form = current_details(film) | {"alt_titles": "Gisaengchung, Parasite (2019)", "synopsis": "", "country": "-"}
    refused = await c.edit_details(USER, 6, form)
    assert isinstance(refused, Problem) and refused.kind == "forbidden"
    card = await c.edit_details(ADMIN, 6, form)
    assert isinstance(card, FilmCard) and card.notice == "Updated: alt_titles, country."
    assert card.alt_titles == ("Gisaengchung", "Parasite (2019)") and card.country is None
    assert card.synopsis == film.synopsis
    [row] = await audit(services, 6)
    assert (row.action, row.new_value) == ("edit", "alt_titles, country")
    same = await c.edit_details(ADMIN, 6, {})
    assert isinstance(same, FilmCard) and same.notice == "Nothing to change."
    before = await snapshot(services)
    bad = await c.edit_details(ADMIN, 6, {"trailer_url": "javascript:alert(1)", "country": "Korea"})
    assert isinstance(bad, Problem) and await snapshot(services) == before


async def test_a_large_export_is_gzipped_on_disk(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.curation import transfer

    monkeypatch.setattr(transfer, "GZIP_OVER", 100)
    reply = await run(services, ADMIN, "/film export")
    assert isinstance(reply, FileReply) and reply.filename.endswith(".jsonl.gz") and reply.path is not None
    data = await asyncio.to_thread(reply.path.read_bytes)
    assert len(gzip.decompress(data).decode().splitlines()) == 11
    assert not reply.path.with_suffix("").exists()  # the plain file was replaced by the gzipped one
    await asyncio.to_thread(reply.path.unlink)
