"""Admin curation on Telegram end to end: multi-line `/film add` through getUpdates, `/film import` with an
attached document (getFile + download from the fake file server), `/film export` as a document, Undo and
"Wrong film?" buttons, and a clear refusal (with nothing changed or downloaded) for everyone else.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.telegram.fake_server import SentMessage, UserFile
from adapters.telegram.uploads import MAX_IMPORT_BYTES
from tests.adapters.telegram.harness import GROUP, USER, BotHarness, running_bot

STRANGER = 4242
SEED_PAGE = """Title: The Host
Year: 2006
Native Title: 괴물
Alternative Titles: Gwoemul, Monster
Genre: Horror, Drama, Sci-Fi
Duration: 2 hr. 0 min.
Country: South Korea
Trailer: https://www.youtube.com/watch?v=r8t0VIbS_vc"""


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with running_bot(tmp_path, owner_ids=[USER]) as harness:
        yield harness


async def send_file(
    bot: BotHarness, user_file: UserFile, caption: str, *, user_id: int = USER, chat_id: int | None = None
) -> SentMessage:
    """Send a document with a caption; return the bot's text reply."""
    chat = chat_id if chat_id is not None else user_id
    mark = len(bot.api.calls)
    bot.api.send_document(user_file, caption, user_id=user_id, chat_id=chat,
                          chat_type="private" if chat > 0 else "supergroup")  # fmt: skip
    call = await bot.api.wait_for("sendMessage", lambda c: c.params.get("chat_id") == chat, since=mark)
    assert call.error is None, call.error
    return bot.api.messages[(chat, call.result["message_id"])]  # type: ignore[index]


def jsonl(*records: dict[str, object]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


async def test_multi_line_film_add_keeps_its_lines(bot: BotHarness) -> None:
    card = await bot.say(f"/film add\n{SEED_PAGE}")
    assert card.text.startswith("The Host (2006)\n괴물"), card.text
    assert "Added by" in card.text
    assert card.button("Trailer")["url"] == "https://www.youtube.com/watch?v=r8t0VIbS_vc"
    found = await bot.say("/film gwoemul")
    assert found.text.startswith("The Host (2006)")


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        ("Year: 2006\nGenre: Horror", "title"),
        ("Title: Broken Year\nYear: twenty", "year"),
        ("Title: Bad Link\nYear: 2001\nTrailer: ftp://example.com/t.mp4", "http"),
    ],
)
async def test_invalid_film_add_is_explained_and_adds_nothing(bot: BotHarness, details: str, expected: str) -> None:
    before = len(bot.services.catalog.index)
    reply = await bot.say(f"/film add\n{details}")
    assert expected in reply.text.lower(), reply.text
    assert "Added by" not in reply.text
    assert len(bot.services.catalog.index) == before


async def test_film_add_in_a_document_caption_and_as_a_page_file(bot: BotHarness) -> None:
    poster = bot.api.add_file("poster.jpg", b"\xff\xd8", "image/jpeg")
    card = await send_file(bot, poster, "/film add\nTitle: Caption Film\nYear: 2011")
    assert card.text.startswith("Caption Film (2011)")
    page = bot.api.add_file("host.txt", SEED_PAGE.encode())
    added = await send_file(bot, page, "/film add")
    assert added.text.startswith("The Host (2006)")
    assert bot.api.downloads == [page.path]  # the caption film needed no download


async def test_import_an_attached_file(bot: BotHarness) -> None:
    upload = bot.api.add_file(
        "films.jsonl",
        jsonl({"title": "Import One", "year": 2020}, {"title": "Import Two", "year": 2021, "genres": ["Drama"]}),
        "application/jsonl",
    )
    reply = await send_file(bot, upload, "/film import")
    assert reply.text.startswith("Import done\nfilms.jsonl: 2 records"), reply.text
    assert [c.params["file_id"] for c in bot.calls("getFile")] == [upload.file_id]
    assert (await bot.say("Import Two")).text.startswith("Import Two (2021)")  # searchable at once


async def test_import_by_replying_to_a_document(bot: BotHarness) -> None:
    upload = bot.api.add_file("more.jsonl.gz", gzip.compress(jsonl({"title": "Zipped Film", "year": 1999})))
    _, document_message = bot.api.send_document(upload, "", user_id=USER)
    mark = len(bot.api.calls)
    bot.api.send_text("/film import", user_id=USER, reply_to=document_message)
    call = await bot.api.wait_for("sendMessage", lambda c: "Import done" in str(c.params.get("text")), since=mark)
    assert "more.jsonl.gz: 1 record" in str(call.params["text"])
    assert (await bot.say("Zipped Film")).text.startswith("Zipped Film (1999)")


async def test_a_malformed_import_names_the_line_and_imports_nothing(bot: BotHarness) -> None:
    before = len(bot.services.catalog.index)
    bad = bot.api.add_file("bad.jsonl", jsonl({"title": "Fine", "year": 2001}) + b"{not json\n")
    reply = await send_file(bot, bad, "/film import")
    assert reply.text.startswith("Nothing was imported."), reply.text
    assert "line 2" in reply.text
    assert len(bot.services.catalog.index) == before
    assert not [c for c in bot.services.films.autocomplete("Fine") if c.title == "Fine"]


async def test_a_file_too_large_is_refused_before_downloading(bot: BotHarness) -> None:
    big = bot.api.add_file("huge.jsonl", b"x" * (MAX_IMPORT_BYTES + 1))
    reply = await send_file(bot, big, "/film import")
    assert "too large" in reply.text and "5 MB" in reply.text
    assert bot.calls("getFile") == [] and bot.api.downloads == []


async def test_export_is_sent_as_a_document(bot: BotHarness) -> None:
    mark = len(bot.api.calls)
    bot.api.send_text("/film export", user_id=USER)
    call = await bot.api.wait_for("sendDocument", since=mark)
    assert call.error is None
    data = call.files["document"]
    text = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    titles = {json.loads(line)["title"] for line in text.decode().splitlines() if line.strip()}
    assert "Miracle in Cell No. 7" in titles and "Parasite" in titles
    assert "films" in str(call.params["caption"])


async def test_remove_then_undo_and_strangers_cannot_undo(bot: BotHarness) -> None:
    film_id = next(c.film_id for c in bot.services.films.autocomplete("parasite") if c.title == "Parasite")
    removed = await bot.say(f"/film remove #{film_id}")
    assert "Parasite" in removed.text and removed.button("Undo")
    assert not (await bot.say("/film parasite")).text.startswith("Parasite (2019)")
    mark = len(bot.api.calls)
    _, query_id = bot.api.press(removed, removed.button("Undo")["callback_data"], user_id=STRANGER)
    refused = await bot.api.wait_for(
        "answerCallbackQuery", lambda c: c.params.get("callback_query_id") == query_id, since=mark
    )
    assert refused.params["show_alert"] is True and "catalog owners" in refused.params["text"]
    assert removed.edits == 0
    pressed = await bot.press(removed, "Undo")
    assert pressed.message is removed and removed.text.startswith("Parasite (2019)")
    assert (await bot.say("/film parasite")).text.startswith("Parasite (2019)")


async def test_wrong_film_reports_reach_the_admins(bot: BotHarness) -> None:
    # In a group the card quotes the command it answers, so the report can say what was searched.
    card = await bot.say("/film spirited away", user_id=STRANGER, chat_id=GROUP, chat_type="group")
    mark = len(bot.api.calls)
    _, query_id = bot.api.press(card, card.button("Wrong film?")["callback_data"], user_id=STRANGER)
    toast = await bot.api.wait_for(
        "answerCallbackQuery", lambda c: c.params.get("callback_query_id") == query_id, since=mark
    )
    assert toast.params.get("text") and not toast.params.get("show_alert")
    reports = await bot.say("/film reports")
    assert "Spirited Away" in reports.text, reports.text
    assert "searched “spirited away”" in reports.text, reports.text  # what the user typed, for the admins


@pytest.mark.parametrize(
    "command",
    ["/film add\nTitle: Sneaky\nYear: 2000", "/film import", "/film export", "/film remove #1", "/film reports",
     "/film restore #1", "/movienight settings poll_hours 2"],
)  # fmt: skip
async def test_non_admins_are_refused_and_nothing_changes(bot: BotHarness, command: str) -> None:
    before = len(bot.services.catalog.index)
    reply = await bot.say(command, user_id=STRANGER)
    assert reply.text.startswith(("Only the bot's catalog owners can use /", "Only this chat's admins can use /"))
    assert len(bot.services.catalog.index) == before
    assert bot.calls("sendDocument") == []


async def test_non_admin_uploads_are_refused_without_a_download(bot: BotHarness) -> None:
    upload = bot.api.add_file("films.jsonl", jsonl({"title": "Sneaky Import", "year": 2020}))
    reply = await send_file(bot, upload, "/film import", user_id=STRANGER, chat_id=GROUP)
    assert reply.text.startswith("Only the bot's catalog owners can use /film import:")
    page = bot.api.add_file("page.txt", b"Sneaky Page\nYear: 2001")
    added = await send_file(bot, page, "/film add", user_id=STRANGER)
    assert added.text.startswith("Only the bot's catalog owners can use /film add:")
    assert bot.calls("getFile") == [] and bot.api.downloads == []
    assert not bot.services.films.autocomplete("Sneaky")


# --- a group's admins: their group only ------------------------------------------------------------
GROUP_ADMIN = 5151  # an administrator of GROUP (anyone can make a group and add the bot), not an owner
CATALOG_CHANGES = [
    "/film add\nTitle: Sneaky\nYear: 2000", "/film edit #1 year 1999", "/film alias #1 sneaky alias",
    "/film unalias #1 sneaky alias", "/film remove #1", "/film restore #1", "/film import", "/film export",
    "/film resolve_report 1",
]  # fmt: skip


async def catalog_state(bot: BotHarness) -> tuple[str, int]:
    from bot.curation.store import CurationRepository
    from bot.store.films import FilmRepository

    async with bot.services.db.session() as session:
        films = [f async for f in FilmRepository(session).iter_films(include_removed=True)]
        audits = len(await CurationRepository(session).audit(limit=10_000))
    return repr(films), audits


@pytest.mark.parametrize("command", CATALOG_CHANGES)
async def test_a_group_admin_who_is_not_an_owner_cannot_change_the_catalog(bot: BotHarness, command: str) -> None:
    bot.api.members[(GROUP, GROUP_ADMIN)] = "administrator"
    before = await catalog_state(bot)
    reply = await bot.say(command, user_id=GROUP_ADMIN, chat_id=GROUP, chat_type="supergroup")
    assert reply.text.startswith("Only the bot's catalog owners can use /film "), reply.text
    assert await catalog_state(bot) == before
    assert bot.calls("sendDocument") == []
    upload = bot.api.add_file("films.jsonl", jsonl({"title": "Sneaky Import", "year": 2020}))
    imported = await send_file(bot, upload, "/film import", user_id=GROUP_ADMIN, chat_id=GROUP)
    assert imported.text.startswith("Only the bot's catalog owners can use /film import")
    assert bot.api.downloads == [] and await catalog_state(bot) == before


async def test_a_group_admin_manages_the_group_and_reads_only_its_misses_and_reports(bot: BotHarness) -> None:
    bot.api.members[(GROUP, GROUP_ADMIN)] = "administrator"
    settings = await bot.say("/movienight settings poll_hours 2", user_id=GROUP_ADMIN, chat_id=GROUP,
                             chat_type="supergroup")  # fmt: skip
    assert not settings.text.startswith("Only"), settings.text
    await bot.say("/film zzyzx road", user_id=STRANGER, chat_id=GROUP, chat_type="supergroup")
    await bot.say("/film qwertyuiop elsewhere", user_id=STRANGER)  # a private chat: not the group's
    card = await bot.say("/film spirited away", user_id=STRANGER)
    mark = len(bot.api.calls)
    _, query_id = bot.api.press(card, card.button("Wrong film?")["callback_data"], user_id=STRANGER)
    await bot.api.wait_for("answerCallbackQuery", lambda c: c.params.get("callback_query_id") == query_id, since=mark)
    misses = await bot.say("/film misses", user_id=GROUP_ADMIN, chat_id=GROUP, chat_type="supergroup")
    assert "zzyzx road" in misses.text and "qwertyuiop" not in misses.text, misses.text
    reports = await bot.say("/film reports", user_id=GROUP_ADMIN, chat_id=GROUP, chat_type="supergroup")
    assert "No open reports from this chat" in reports.text, reports.text
    owner_view = await bot.say("/film misses")
    assert "zzyzx road" in owner_view.text and "qwertyuiop" in owner_view.text
    assert "Spirited Away" in (await bot.say("/film reports")).text


async def test_catalog_editors_group_admins_lets_group_admins_curate(bot: BotHarness) -> None:
    bot.services.registry.catalog_editors = "group_admins"  # what CATALOG_EDITORS=group_admins builds
    bot.api.members[(GROUP, GROUP_ADMIN)] = "administrator"
    film_id = next(c.film_id for c in bot.services.films.autocomplete("parasite") if c.title == "Parasite")
    removed = await bot.say(f"/film remove #{film_id}", user_id=GROUP_ADMIN, chat_id=GROUP, chat_type="supergroup")
    assert "Parasite" in removed.text and removed.button("Undo"), removed.text
    member = await bot.say(f"/film restore #{film_id}", user_id=STRANGER, chat_id=GROUP, chat_type="supergroup")
    assert member.text.startswith("Only the bot's catalog owners"), member.text


async def test_a_pasted_page_keeps_its_synopsis_and_every_card_field(bot: BotHarness) -> None:
    details = (
        "Mother\nYear: 2009\nSynopsis: A widow searches for the killer.\nDirector(s): Bong Joon Ho\n"
        "Writer(s): Park Eun-kyo\nPoster: https://example.com/mother.jpg\nRuntime: 129 min\n"
        "Genres: Crime, Drama\nContent Rating: 15+\nAlternative Titles: Madeo"
    )
    card = await bot.say(f"/film add\n{details}")
    assert "unknown key" not in card.text, card.text
    for shown in ("A widow searches for the killer.", "Bong Joon Ho", "Crime", "2 h 9 min", "15+"):
        assert shown in card.text, (shown, card.text)
    film_id = bot.services.catalog.index.search("mother")[0].film_id
    film = (await bot.services.catalog.films([film_id]))[film_id]
    assert film.writers == ["Park Eun-kyo"] and film.alt_titles == ["Madeo"]
    assert film.poster_url == "https://example.com/mother.jpg"
