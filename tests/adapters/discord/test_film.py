"""/film on the real discord.py client: cards, autocomplete, pickers, misses, restarts. Only the network is fake."""

from __future__ import annotations

from typing import Any

from bot.films.service import film_ref
from bot.services import Services
from tests.fakes.discord.harness import ALICE, BOB, FakeDiscord, iter_components

SEED_TRAILER = "https://www.youtube.com/watch?v=wTkeln0kc8I"
MARKUP_TITLE = "<b>Bold</b> & *Stars* _under_ `code` ~x~ |y| > @everyone"


def components(message: dict[str, Any]) -> list[dict[str, Any]]:
    return list(iter_components(message["components"]))


def select_of(message: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in components(message) if c["type"] == 3)


async def film_id(services: Services, title: str, year: int) -> int:
    return next(m.film_id for m in services.films.index.search(title, limit=10) if m.doc.year == year)


async def test_clear_match_shows_the_seed_card_with_trailer(fake: FakeDiscord, bot: Any) -> None:
    result = await fake.slash(bot, "film", title="miracle in cell")
    message = result.message
    assert message is not None and not result.ephemeral
    embed = message["embeds"][0]
    assert embed["title"] == "Miracle in Cell No. 7 (2013)"
    assert "7번방의 선물" in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Runtime"] == "2 h 7 min"
    assert fields["Country"] == "South Korea"
    assert "Ryu Seung-ryong" in fields["Cast"]
    buttons = [c for c in components(message) if c["type"] == 2]
    assert {"label": "Trailer", "url": SEED_TRAILER}.items() <= buttons[0].items()
    # The remakes come as a select of the other close matches.
    others = select_of(message)["options"]
    assert {o["label"] for o in others} == {"Miracle in Cell No. 7 (2019)", "Miracle in Cell No. 7 (2022)"}
    callback = result.requests[0].body
    assert callback["data"]["allowed_mentions"] == {"parse": []}
    assert result.latency_ms is not None


async def test_autocomplete_offers_hangul_labels_with_film_refs(fake: FakeDiscord, bot: Any) -> None:
    result = await fake.autocomplete(bot, "film", "title", title="7번방")
    choices = result.choices
    assert 1 <= len(choices) <= 25
    assert choices[0]["name"] == "Miracle in Cell No. 7 (2013) · 7번방의 선물"
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)
    assert all(c["value"].startswith("#") for c in choices)


async def test_autocomplete_never_exceeds_discord_limits(fake: FakeDiscord, bot: Any) -> None:
    for typed in ["s", "star", "mira", "x" * 300, "", "\x00\x1b[31m"]:
        result = await fake.autocomplete(bot, "film", "title", title=typed)
        assert result.callback is not None and result.callback["type"] == 8
        assert len(result.choices) <= 25
        assert all(1 <= len(c["name"]) <= 100 for c in result.choices)


async def test_autocomplete_is_fast_and_never_touches_the_database(
    fake: FakeDiscord, bot: Any, services: Services, monkeypatch: Any
) -> None:
    def no_database() -> None:
        raise AssertionError("autocomplete opened a database session")

    monkeypatch.setattr(services.db, "session", no_database)
    await fake.autocomplete(bot, "film", "title", title="mira")
    timings = []
    for _ in range(20):
        await fake.autocomplete(bot, "film", "title", title="miracle in c")
        timings.append(bot.autocomplete.last_ms)
    assert sorted(timings)[10] < 5.0
    assert fake.requests[-1].body["data"]["choices"]


async def test_autocomplete_value_opens_that_exact_film(fake: FakeDiscord, bot: Any, services: Services) -> None:
    remake = await film_id(services, "Miracle in Cell No. 7", 2019)
    result = await fake.slash(bot, "film", title=film_ref(remake))
    assert result.message is not None
    assert result.message["embeds"][0]["title"] == "Miracle in Cell No. 7 (2019)"


async def test_picker_choice_by_the_invoker_edits_the_reply_into_the_card(fake: FakeDiscord, bot: Any) -> None:
    result = await fake.slash(bot, "film", title="solaris", who=ALICE)
    message = result.message
    assert message is not None
    assert "Which one?" in message["embeds"][0]["title"] or "Several films" in message["embeds"][0]["title"]
    select = select_of(message)
    assert str(ALICE["id"]) in select["custom_id"] and len(select["custom_id"]) <= 100
    option = next(o for o in select["options"] if o["label"] == "Solaris (1972)")
    assert option["description"] == "Солярис · Soviet Union"
    click = await fake.click(bot, message, select["custom_id"], values=[option["value"]], who=ALICE)
    assert click.callback is not None and click.callback["type"] == 7  # edit in place
    edited = fake.messages[message["id"]]
    assert edited["embeds"][0]["title"] == "Solaris (1972)"


async def test_picker_refuses_another_user(fake: FakeDiscord, bot: Any) -> None:
    result = await fake.slash(bot, "film", title="solaris", who=ALICE)
    message = result.message
    assert message is not None
    select = select_of(message)
    click = await fake.click(bot, message, select["custom_id"], values=[select["options"][0]["value"]], who=BOB)
    assert click.ephemeral
    assert "This menu is for" in click.text and f"<@{ALICE['id']}>" in click.text
    assert fake.messages[message["id"]]["embeds"][0]["title"] == message["embeds"][0]["title"]


async def test_old_picker_still_works_after_a_restart(fake: FakeDiscord, bot: Any, services: Services) -> None:
    result = await fake.slash(bot, "film", title="solaris", who=ALICE)
    message = result.message
    assert message is not None
    await bot.close()
    async with fake.running(services) as restarted:
        select = select_of(message)
        option = next(o for o in select["options"] if o["label"] == "Solaris (2002)")
        await fake.click(restarted, message, select["custom_id"], values=[option["value"]], who=ALICE)
    assert fake.messages[message["id"]]["embeds"][0]["title"] == "Solaris (2002)"


async def test_choosing_a_removed_film_says_so(fake: FakeDiscord, bot: Any, services: Services) -> None:
    result = await fake.slash(bot, "film", title="solaris", who=ALICE)
    message = result.message
    assert message is not None
    select = select_of(message)
    option = select["options"][0]
    from bot.store.films import FilmRepository

    async with services.db.session() as session, session.begin():
        await FilmRepository(session).set_removed(int(option["value"]), True)
    click = await fake.click(bot, message, select["custom_id"], values=[option["value"]], who=ALICE)
    assert click.ephemeral
    assert "no longer in the catalog" in click.text


async def test_miss_offers_the_nearest_titles_as_buttons(fake: FakeDiscord, bot: Any) -> None:
    result = await fake.slash(bot, "film", title="bold stars under codex")  # all words of a title: its card
    message = result.message
    assert message is not None
    assert message["content"].startswith("No film called")
    button = next(c for c in components(message) if c["type"] == 2)
    assert button["label"].startswith("<b>Bold</b>")  # plain label: no escaping backslashes
    click = await fake.click(bot, message, button["custom_id"], who=ALICE)
    assert click.callback is not None and click.callback["type"] == 7
    assert "Bold" in fake.messages[message["id"]]["embeds"][0]["title"]


async def test_markdown_and_everyone_in_a_title_render_literally(fake: FakeDiscord, bot: Any) -> None:
    result = await fake.slash(bot, "film", title=MARKUP_TITLE)
    message = result.message
    assert message is not None
    title = message["embeds"][0]["title"]
    assert title == (r"<b>Bold</b> & \*Stars\* \_under\_ \`code\` \~x\~ \|y\| > @" + "\u200beveryone (2020)")
    assert result.requests[0].body["data"]["allowed_mentions"] == {"parse": []}


async def test_empty_long_and_control_character_input(fake: FakeDiscord, bot: Any) -> None:
    empty = await fake.slash(bot, "film", title="   ")
    assert empty.ephemeral and "Please give title" in empty.text
    huge = await fake.slash(bot, "film", title="a" * 5000)
    assert huge.ephemeral and "too long" in huge.text
    controls = await fake.slash(bot, "film", title="para\x00site\x1b[31m\u202e")
    assert controls.message is not None and controls.text


async def test_a_failing_click_gets_an_apology(
    fake: FakeDiscord, bot: Any, services: Services, monkeypatch: Any
) -> None:
    result = await fake.slash(bot, "film", title="solaris", who=ALICE)
    message = result.message
    assert message is not None
    select = select_of(message)

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(services.films, "card", broken)
    click = await fake.click(bot, message, select["custom_id"], values=[select["options"][0]["value"]], who=ALICE)
    assert click.ephemeral and "Sorry, something went wrong" in click.text
