"""Learned popularity in the console: the same picker answered the same way three times becomes a card."""

from __future__ import annotations

from pathlib import Path

from adapters.console.chat import ConsoleChat
from tests.support.catalog import make_services

AMBIGUOUS = "miracle cell 7"  # the 2013 film and its 2019 and 2022 remakes


async def test_the_fourth_identical_query_gets_the_chosen_films_card(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    chat = ConsoleChat(services)
    try:
        for _ in range(3):
            picker = await chat.handle(AMBIGUOUS)
            assert picker.startswith(f"Several films match “{AMBIGUOUS}”"), picker
            number = next(line.split(".")[0].strip() for line in picker.splitlines() if "(2019)" in line)
            assert "Miracle in Cell No. 7 (2019)" in await chat.handle(number)
        card = await chat.handle(AMBIGUOUS)
        assert "┌─" in card and "Miracle in Cell No. 7 (2019)" in card.splitlines()[0], card
        assert "Other matches: Miracle in Cell No. 7 (2013)" in card and "Miracle (2004)" not in card
        assert "┌─" not in await chat.handle("miracle cell 7 remake")  # only that very query is learned
        assert services.films.learning is not None
        assert await services.films.learning.flush() is True  # what was learned reaches the store
    finally:
        await services.db.dispose()
