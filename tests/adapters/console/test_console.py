"""The console adapter answers like the bots do, from the same registry."""

from __future__ import annotations

import io
from pathlib import Path

from adapters.console.chat import ConsoleChat
from tests.support.catalog import make_services


async def test_console_chat_session(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    chat = ConsoleChat(services)
    try:
        card = await chat.handle("/film miracle")
        assert "Miracle in Cell No. 7 (2013)" in card and "7번방의 선물" in card
        assert "Trailer: https://www.youtube.com/watch?v=wTkeln0kc8I" in card
        picker = await chat.handle("/film miracle in cell no 7 20")
        assert picker
        help_text = await chat.handle("/help")
        assert "/film <title>" in help_text and "/search <words>" in help_text
        assert "I don't know /nope" in await chat.handle("/nope")
        assert await chat.handle("   ") == ""
        plain = await chat.handle("spirited away")
        assert "千と千尋の神隠し" in plain
        listing = await chat.handle("/search miracle")
        assert "1." in listing
        opened = await chat.handle("1")
        assert "┌─" in opened
    finally:
        await services.db.dispose()


async def test_console_loop_reads_until_quit(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    out = io.StringIO()
    try:
        await ConsoleChat(services).loop(io.StringIO("/film parasite\n/quit\n/film never\n"), out)
    finally:
        await services.db.dispose()
    text = out.getvalue()
    assert "Parasite (2019)" in text and "기생충" in text and "never" not in text


async def test_terminal_escapes_in_catalog_text_never_reach_the_terminal(tmp_path: Path) -> None:
    from bot.films.model import Film

    services = await make_services(tmp_path, [Film(title="Evil\x1b[2J Film", year=2001, synopsis="a\x1b]0;x\x07b")])
    try:
        text = await ConsoleChat(services).handle("/film evil film")
    finally:
        await services.db.dispose()
    assert "\x1b" not in text and "\x07" not in text and "Evil[2J Film" in text


async def test_choosing_from_a_nominate_picker_nominates(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    chat = ConsoleChat(services)
    try:
        picker = await chat.handle("/movienight nominate miracle in cell no 7 20")
        assert "Which one?" in picker or "Several" in picker, picker
        done = await chat.handle("1")
        assert "Nominated" in done and "Miracle in Cell No. 7" in done
    finally:
        await services.db.dispose()


async def test_the_console_shows_the_ids_admin_commands_take(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    chat = ConsoleChat(services)
    try:
        card = await chat.handle("/film parasite")
        film_id = services.catalog.index.search("parasite")[0].film_id
        assert card.rstrip().endswith(f"#{film_id}")
        edited = await chat.handle(f"/film edit #{film_id} runtime 133")
        assert "2 h 13 min" in edited and "runtime: 132 → 133" in edited
        listing = await chat.handle("/search parasite")
        assert f"Parasite (2019) · 기생충 #{film_id}" in listing
    finally:
        await services.db.dispose()


async def test_the_console_user_is_a_catalog_owner_with_no_owner_ids_configured(tmp_path: Path) -> None:
    services = await make_services(tmp_path)  # CATALOG_EDITORS=owners, no TELEGRAM/DISCORD owner ids
    chat = ConsoleChat(services)
    try:
        assert not services.settings.telegram.owner_ids and not services.settings.discord.owner_user_ids
        removed = await chat.handle("/film remove #6")
        assert "Parasite" in removed and "Only" not in removed
        assert "Parasite (2019)" in await chat.handle("/film restore #6")
        log = await chat.handle("/film log")
        assert "remove Parasite" in log and "from this chat" not in log  # an owner's view: every chat
        helped = await chat.handle("/help")
        assert "/film add" in helped and "/film misses" in helped
    finally:
        await services.db.dispose()


EVERY_FIELD_PAGE = """/film add
Title: Mother
Year: 2009
Synopsis: A widow searches for the killer who framed her son.
Director(s): Bong Joon Ho
Writer(s): Park Eun-kyo, Bong Joon Ho
Trailer: https://www.youtube.com/watch?v=aaaaaaaaaaa
Poster: https://example.com/mother.jpg
Runtime: 129 min
Genres: Crime, Drama
Country: South Korea
Content Rating: 15+
Alternative Titles: Madeo"""


async def test_a_multi_line_film_add_keeps_every_card_field(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    chat = ConsoleChat(services)
    try:
        card = await chat.handle(EVERY_FIELD_PAGE)
    finally:
        await services.db.dispose()
    assert "unknown key" not in card, card
    for shown in ("A widow searches for the killer", "Bong Joon Ho", "Park Eun-kyo", "aaaaaaaaaaa",
                  "2 h 9 min", "Crime", "South Korea", "15+", "Madeo"):  # fmt: skip
        assert shown in card, (shown, card)


async def test_a_console_export_is_a_new_private_file(tmp_path: Path) -> None:
    import stat

    services = await make_services(tmp_path)
    chat = ConsoleChat(services)
    try:
        first = await chat.handle("/film export")
        second = await chat.handle("/film export")
    finally:
        await services.db.dispose()
    paths = [Path(text.split("Written to ")[1].split()[0]) for text in (first, second)]
    try:
        assert paths[0] != paths[1] and all(p.name.startswith("filmbot-catalog-") for p in paths)
        assert all("filmbot-exports" not in str(p) for p in paths)  # no fixed, shared folder
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in paths)
        assert "Parasite" in paths[0].read_text(encoding="utf-8")
    finally:
        for p in paths:
            p.unlink(missing_ok=True)


async def test_a_poll_duration_that_is_not_whole_hours_is_explained(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    chat = ConsoleChat(services)
    try:
        answer = await chat.handle("/movienight poll 0.01")
        assert "hours: a whole number from 1 to 768" in answer, answer
        assert "mode" not in answer
    finally:
        await services.db.dispose()


async def test_members_vote_in_a_console_movie_night_by_number(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    chat = ConsoleChat(services)
    try:
        assert "Nominated" in await chat.handle("/movienight nominate parasite")
        assert "Nominated" in await chat.handle("/movienight nominate spirited away")
        poll = await chat.handle("/movienight poll")
        assert "1. " in poll and "2. " in poll and "type a number to vote for it" in poll, poll
        first = poll.split("1. ", 1)[1].splitlines()[0]
        voted = await chat.handle("1")
        assert "Vote recorded" in voted and first in voted, voted
        assert "You are now alice" in await chat.handle("/as alice")
        assert "Vote recorded" in await chat.handle("1")
        assert "Pick from 1 to 2" in await chat.handle("7")
        await chat.handle("/as")
        closed = await chat.handle("/movienight close")
        assert first.split(" (")[0] in closed and "2" in closed, closed
    finally:
        await services.db.dispose()


async def test_pickers_say_what_a_number_does_and_arrow_keys_are_not_searches(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    chat = ConsoleChat(services)
    try:
        picker = await chat.handle("/movienight nominate miracle in cell no 7 20")
        assert "(type a number to nominate it)" in picker, picker
        listing = await chat.handle("/search miracle")
        assert "(type a number to open it" in listing
        assert await chat.handle("\x1b[A") == "" and await chat.handle("\x1b[B\x1b[A") == ""
    finally:
        await services.db.dispose()


def test_a_long_url_is_never_broken_across_lines_and_short_cuts_the_synopsis() -> None:
    from adapters.console.render import render
    from bot.replies import FilmCard

    url = "https://www.youtube.com/results?search_query=" + "a-very-long-title-with-hyphens+" * 4 + "trailer"
    card = FilmCard(film_id=7, title="Long", year=2001, trailer_url=url, synopsis="word " * 200)
    text = render(card)
    assert f"Trailer: {url}" in text or f"│ {url}" in text, text
    assert len([line for line in text.splitlines() if line.startswith("│ word")]) > 3
    short = render(card, short=True)
    synopsis = [line for line in short.splitlines() if line.startswith("│ word")]
    assert len(synopsis) == 3 and synopsis[-1].endswith("…") and url in short


async def test_a_card_footer_says_where_the_films_data_came_from(tmp_path: Path) -> None:
    from bot.films.model import Film

    films = [
        Film(title="Casablanca", year=1942, source="wikipedia-movie-data (CC BY-SA 4.0)"),
        Film(title="Paprika", year=2006, source="bangumi-data (CC BY 4.0)"),
        Film(title="Oldboy", year=2003, source="imdb"),
        Film(title="Amélie", year=2001, source="our club list.csv"),
        Film(title="Home Movie", year=2020, source="admin"),
    ]
    services = await make_services(tmp_path, films)
    chat = ConsoleChat(services)
    try:
        footers = {}
        for title in ("casablanca", "paprika", "oldboy", "amelie", "home movie"):
            card = await chat.handle(f"/film {title}")
            footers[title] = next((ln for ln in card.splitlines() if "Data:" in ln), None)
    finally:
        await services.db.dispose()
    assert footers == {
        "casablanca": "│ Data: Wikipedia film lists (starter catalog)",
        "paprika": "│ Data: bangumi-data (starter catalog)",
        "oldboy": "│ Data: IMDb datasets",
        "amelie": "│ Data: our club list.csv",
        "home movie": None,  # a film an admin made credits nobody
    }


async def test_the_console_confirms_an_add_by_id_by_typing(tmp_path: Path) -> None:
    from tests.fakes.sources import running_sources

    async with running_sources() as (tmdb, _):
        services = await make_services(tmp_path, tmdb={"read_token": tmdb.token, "base_url": tmdb.url})
        chat = ConsoleChat(services)
        try:
            preview = await chat.handle("/film add tt5700672")
            assert "Not added yet.\nTo add it: /film add tt5700672 confirm" in preview
            assert "Press Add" not in preview  # no buttons in a terminal
            assert "Train to Busan (2016)" in await chat.handle("/film add tt5700672 confirm")
            assert "Train to Busan (2016)" in await chat.handle("/film train to busan")
        finally:
            await services.sources.close()
            await services.db.dispose()


async def test_a_miss_offers_the_online_find_and_add_n_adds_it(tmp_path: Path) -> None:
    from tests.fakes.sources import running_sources

    async with running_sources() as (tmdb, _):
        services = await make_services(
            tmp_path, tmdb={"read_token": tmdb.token, "base_url": tmdb.url}, sources={"add_by": "admins"}
        )
        chat = ConsoleChat(services)
        try:
            await chat.handle("/as bob")  # a member sees the find but may not add it
            assert "No film called" in await chat.handle("/film train to busan")  # the store's answer first
            found = await chat.follow_up()
            assert "Not in our catalog — found on TMDB:" in found
            assert "add 1: Train to Busan (2016) · 부산행, dir. Yeon Sang-ho" in found and "type add" not in found
            assert "catalog owners" in await chat.handle("add 1")
            await chat.handle("/as")
            await chat.handle("train to busan")
            found = await chat.follow_up()
            assert "(type add 1 to add it to the catalog)" in found
            card = await chat.handle("add 1")
            assert "Train to Busan (2016)" in card and "Added by" in card
            assert await chat.follow_up() == ""  # nothing more to ask
            assert "Train to Busan (2016)" in await chat.handle("/film train to busan")
            assert await chat.follow_up() == ""  # a hit: the sources are not asked
        finally:
            await services.sources.close()
            await services.db.dispose()
