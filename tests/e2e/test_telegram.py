"""The Telegram bot end to end: the real python-telegram-bot Application, started by `run_telegram`, long
polling a fake Bot API on 127.0.0.1. Tests assert what users see (visible text, buttons, alerts); every call
the bot makes is checked against the Bot API spec by the harness.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.telegram.handlers import APOLOGY
from bot.commands import CommandRegistry, CommandSpec, Permission
from bot.films.model import Film
from bot.replies import Text
from bot.store.films import FilmRepository
from tests.adapters.telegram.harness import GROUP, USER, BotHarness, running_bot
from tests.support.catalog import sample_films

SEED_TRAILER = "https://www.youtube.com/watch?v=wTkeln0kc8I"


LONG_TITLE = "우주 정거장의 별들과 아주 특별한 모험 이야기"  # 63 bytes: more than paging callback data can carry


def star_films(n: int) -> list[Film]:
    return [Film(title=f"Star Voyage {i}", year=1990 + i, genres=["Science Fiction"], votes=1000 - i) for i in range(n)]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with running_bot(
        tmp_path,
        films=[*sample_films(), *star_films(30), *(Film(title=f"{LONG_TITLE} {i}", year=2000 + i) for i in range(12))],
    ) as harness:
        yield harness


async def test_every_call_is_checked_against_the_spec(bot: BotHarness) -> None:
    if bot.api.validator is None:
        pytest.skip("the Bot API spec (../shared) is absent")
    await bot.say("/film miracle in cell")
    assert bot.api.validator("sendMessage", {"text": "x"}), "the checker must flag a missing chat_id"


async def test_command_menu_is_set_from_the_registry(bot: BotHarness) -> None:
    calls = bot.calls("setMyCommands")
    assert calls, "no command menu was published at start-up"
    menu = {c["command"]: c["description"] for c in calls[0].params["commands"]}
    expected = {s.group or s.name for s in bot.services.registry if not s.admin_only}
    assert set(menu) == expected
    assert menu["film"].startswith(bot.services.registry.get("film").summary)  # type: ignore[union-attr]


async def test_start_and_help(bot: BotHarness) -> None:
    welcome = await bot.say("/start")
    assert "/film miracle in cell no 7" in welcome.text
    assert f"@{bot.api.username}" in welcome.text
    help_ = await bot.say("/help")
    assert help_.text.startswith("What I can do")
    assert "/film <title> — Show a film's card" in help_.text
    assert "<b>What I can do</b>" in help_.html


async def test_film_clear_match_shows_the_card(bot: BotHarness) -> None:
    card = await bot.say("/film miracle in cell")
    assert card.text.startswith("Miracle in Cell No. 7 (2013)\n7번방의 선물")
    assert "<b>Miracle in Cell No. 7 (2013)</b>" in card.html
    assert "Lee Hwan Kyung" in card.text and "Ryu Seung-ryong (Lee Yong-gu)" in card.text
    assert "falsely accused" in card.text
    assert card.button("Trailer")["url"] == SEED_TRAILER
    others = [b for b in card.buttons if b["text"].startswith("↪")]
    assert others and all(b["callback_data"].startswith("f:") for b in others)
    assert card.message["link_preview_options"] == {"is_disabled": True}
    sent = bot.calls("sendMessage")[-1].params
    assert sent["parse_mode"] == "HTML"


async def test_plain_text_in_private_chat_is_a_lookup(bot: BotHarness) -> None:
    card = await bot.say("7번방의 선물")
    assert card.text.startswith("Miracle in Cell No. 7 (2013)")


async def test_did_you_mean_picker_edits_into_the_card(bot: BotHarness) -> None:
    picker = await bot.say("/film miracle cell 7")
    assert picker.text.startswith("Several films match “miracle cell 7”. Which one?")
    labels = [b["text"] for b in picker.buttons]
    assert any("2019" in label and "7. Koğuştaki Mucize" in label for label in labels)
    assert all(len(b["callback_data"].encode()) <= 64 and b["callback_data"][2:].isdigit() for b in picker.buttons)
    pressed = await bot.press(picker, "2019")
    assert pressed.answer.get("text") is None  # answered at once, quietly
    assert pressed.message is picker  # the same message, edited
    assert picker.text.startswith("Miracle in Cell No. 7 (2019)\n7. Koğuştaki Mucize")
    assert picker.button("Trailer")["url"].startswith("https://www.youtube.com/results?search_query=")
    assert len(bot.api.chat_messages(USER)) == 1


async def test_a_removed_film_pressed_gets_an_alert(bot: BotHarness) -> None:
    picker = await bot.say("/film miracle cell 7")
    film_id = int(picker.button("2022")["callback_data"][2:])
    async with bot.services.db.session() as session, session.begin():
        assert await FilmRepository(session).set_removed(film_id, True)
    bot.services.catalog.film_removed(film_id)
    pressed = await bot.press(picker, "2022")
    assert pressed.answer["show_alert"] is True
    assert pressed.answer["text"] == "That film is no longer in the catalog."
    assert picker.edits == 0


async def test_a_miss_offers_the_nearest_titles(bot: BotHarness) -> None:
    miss = await bot.say("/film mirakle sell")
    assert miss.text.startswith("No film called “mirakle sell”.")
    assert "Did you mean" in miss.text
    assert miss.buttons and all(b["callback_data"].startswith("f:") for b in miss.buttons)
    pressed = await bot.press(miss, "Miracle")
    assert pressed.message is not None and pressed.message.text.startswith("Miracle")
    assert pressed.message.button("Trailer")


async def test_search_pages_in_one_edited_message(bot: BotHarness) -> None:
    listing = await bot.say("/search star voyage")
    assert listing.text.startswith("Films matching “star voyage”")
    assert "Page 1 of 3" in listing.text and "1. Star Voyage" in listing.text
    assert [b["text"] for b in listing.buttons][-1] == "▶"
    await bot.press(listing, "▶")
    assert "Page 2 of 3" in listing.text and "\n11. Star Voyage" in listing.text
    await bot.press(listing, "▶")
    assert "Page 3 of 3" in listing.text and "▶" not in [b["text"] for b in listing.buttons]
    await bot.press(listing, "◀")
    assert "Page 2 of 3" in listing.text
    assert len(bot.api.chat_messages(USER)) == 1, "paging must edit, never flood"
    opened = await bot.press(listing, "11.")
    assert opened.message is not None and opened.message is not listing
    assert opened.message.text.startswith("Star Voyage")


async def test_search_paging_keeps_a_long_query(bot: BotHarness) -> None:
    listing = await bot.say(f"/search {LONG_TITLE}")
    assert "Page 1 of 2" in listing.text
    await bot.press(listing, "▶")
    assert listing.text.startswith(f"Films matching “{LONG_TITLE}”")
    assert "Page 2 of 2" in listing.text


async def test_random_and_random_genre(bot: BotHarness) -> None:
    card = await bot.say("/random")
    assert card.button("Trailer")
    western = await bot.say("/random western")
    assert western.text.startswith("The Good, the Bad and the Ugly (1966)")
    nothing = await bot.say("/random nosuchgenre")
    assert "There is no genre “nosuchgenre”" in nothing.text and "Genres: " in nothing.text


async def test_inline_query_pages_with_next_offset(bot: BotHarness) -> None:
    first = await bot.inline("star voyage")
    assert len(first["results"]) == 20 and first["next_offset"] == "20"
    assert first["cache_time"] > 0
    second = await bot.inline("star voyage", offset=first["next_offset"])
    ids = {r["id"] for r in first["results"]} | {r["id"] for r in second["results"]}
    assert len(ids) == len(first["results"]) + len(second["results"])
    assert second["next_offset"] in {"", "40"}


async def test_inline_result_posts_the_card(bot: BotHarness) -> None:
    answer = await bot.inline("7번방의 선물")
    seed = next(r for r in answer["results"] if r["title"] == "Miracle in Cell No. 7 (2013)")
    assert "7번방의 선물" in seed["description"]
    content = seed["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert content["message_text"].startswith("<b>Miracle in Cell No. 7 (2013)</b>")
    assert seed["reply_markup"]["inline_keyboard"][0][0]["url"] == SEED_TRAILER
    empty = await bot.inline("")
    assert empty["results"] == [] and empty["button"]["start_parameter"] == "inline"


async def test_markup_in_titles_is_shown_as_text(bot: BotHarness) -> None:
    choices = bot.services.films.autocomplete("bold stars under code")
    film_id = next(c.film_id for c in choices if c.title.startswith("<b>"))
    card = await bot.say(f"/film #{film_id}")
    assert card.text.startswith("<b>Bold</b> & *Stars* _under_ `code` ~x~ |y| > @everyone (2020)")
    assert "<script>alert(1)</script> & <i>broken <b>tags" in card.text
    assert "&lt;script&gt;" in card.html


async def test_problems_are_friendly(bot: BotHarness) -> None:
    empty = await bot.say("/film")
    assert empty.text == "Please give title — usage: /film <title>"
    long = await bot.say("/film " + "a" * 5000)
    assert "too long" in long.text
    controls = await bot.say("/film miracle\x00 in\u200b\x1b cell\x07")
    assert controls.text.startswith("Miracle in Cell No. 7 (2013)")
    unknown = await bot.say("/frobnicate")
    assert "I don't know /frobnicate" in unknown.text


async def test_group_commands_addressed_to_this_bot(bot: BotHarness) -> None:
    card = await bot.say(f"/film@{bot.api.username} miracle in cell", chat_id=GROUP, chat_type="supergroup")
    assert card.text.startswith("Miracle in Cell No. 7 (2013)")
    assert bot.calls("sendMessage")[-1].params["reply_parameters"]["message_id"] > 0
    await bot.silence("/film@other_bot miracle", chat_id=GROUP)
    await bot.silence("/frobnicate", chat_id=GROUP)


async def test_a_handler_error_is_logged_and_apologised_for(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    picker = await bot.say("/film miracle cell 7")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(bot.services.films, "card", broken)
    with caplog.at_level(logging.ERROR):
        pressed = await bot.press(picker, "2019")
    assert pressed.answer == {**pressed.answer, "text": APOLOGY, "show_alert": True}
    record = next(r for r in caplog.records if "telegram update failed" in r.getMessage())
    assert f"chat={USER}" in record.getMessage() and f"user={USER}" in record.getMessage()
    assert record.exc_info is not None and "database on fire" in str(record.exc_info[1])


async def test_admin_only_commands_ask_telegram_once(bot: BotHarness) -> None:
    async def secret(ctx: object, args: object) -> Text:
        return Text("the secret")

    spec = CommandSpec(name="secret", summary="Admins only", handler=secret, permission=Permission.GROUP_ADMIN)
    bot.services.registry = CommandRegistry([*bot.services.registry, spec])
    refused = await bot.say("/secret", chat_id=GROUP, chat_type="supergroup", user_id=7)
    assert refused.text == "Only this chat's admins can use /secret."
    bot.api.members[(GROUP, 8)] = "administrator"
    assert (await bot.say("/secret", chat_id=GROUP, chat_type="supergroup", user_id=8)).text == "the secret"
    assert (await bot.say("/secret", chat_id=GROUP, chat_type="supergroup", user_id=8)).text == "the secret"
    assert len(bot.calls("getChatMember")) == 2  # users 7 and 8, each once: cached
    await bot.say("/film miracle in cell", chat_id=GROUP, chat_type="supergroup", user_id=9)
    assert len(bot.calls("getChatMember")) == 2  # ordinary commands never ask


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # PTB's own retry_after deprecation notice
async def test_flood_wait_is_retried(bot: BotHarness) -> None:
    bot.api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    bot.api.send_text("/film miracle in cell")
    sent = await bot.api.wait_for("sendMessage", lambda c: c.error is None, within=10)
    assert str(sent.params["text"]).startswith("<b>Miracle in Cell No. 7 (2013)</b>")
    assert [c.error for c in bot.calls("sendMessage")] == ["Too Many Requests: retry after 1", None]


async def test_wrong_film_is_reported_with_a_toast(bot: BotHarness) -> None:
    card = await bot.say("/film miracle in cell")
    before = card.html
    mark = len(bot.api.calls)
    _, query_id = bot.api.press(card, card.button("Wrong film?")["callback_data"])
    answer = await bot.api.wait_for(
        "answerCallbackQuery", lambda c: c.params.get("callback_query_id") == query_id, since=mark
    )
    assert answer.params.get("text") and not answer.params.get("show_alert")
    assert card.html == before and card.edits == 0


async def test_admin_removes_a_film_and_undoes_it(tmp_path: Path) -> None:
    async with running_bot(tmp_path, owner_ids=[USER]) as harness:
        admin_menu = [c for c in harness.calls("setMyCommands") if c.params.get("scope", {}).get("type") != "default"]
        assert admin_menu and "add" in admin_menu[0].params["commands"][0]["description"]
        choices = harness.services.films.autocomplete("parasite")
        film_id = next(c.film_id for c in choices if c.title == "Parasite")
        removed = await harness.say(f"/film remove #{film_id}")
        assert "Parasite" in removed.text
        pressed = await harness.press(removed, "Undo")
        assert pressed.message is removed
        assert removed.text.startswith("Parasite (2019)")
        stranger = await harness.say(f"/film remove #{film_id}", user_id=4242)
        assert stranger.text.startswith("Only the bot's catalog owners can use /film remove:")


async def test_webhook_mode_checks_the_secret(tmp_path: Path, unused_tcp_port: int) -> None:
    import httpx

    url = f"http://127.0.0.1:{unused_tcp_port}/telegram/hook"
    async with running_bot(
        tmp_path,
        wait_for_polling=False,
        webhook_url=url,
        webhook_listen="127.0.0.1",
        webhook_port=unused_tcp_port,
        webhook_secret="s3cret-token",
    ) as harness:
        hook = await harness.api.wait_for("setWebhook")
        assert hook.params["url"] == url and hook.params["secret_token"] == "s3cret-token"
        update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/film miracle in cell",
                  "chat": harness.api.chat(USER), "from": harness.api.user(USER),
                  "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}  # fmt: skip
        async with httpx.AsyncClient(trust_env=False) as client:
            refused = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
            assert refused.status_code == 403
            accepted = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
            assert accepted.status_code == 200
        sent = await harness.api.wait_for("sendMessage")
        assert str(sent.params["text"]).startswith("<b>Miracle in Cell No. 7 (2013)</b>")
