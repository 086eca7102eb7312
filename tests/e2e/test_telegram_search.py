"""What a new user typing the way people talk sees in Telegram (the real python-telegram-bot Application)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.films.model import Film
from tests.adapters.telegram.harness import BotHarness, running_bot

FILMS = [
    Film(title="Back to the Future", year=1985),
    Film(title="Back to the Future Part II", year=1989),
    Film(title="The Godfather", year=1972),
    Film(title="The Godfather Part II", year=1974),
    Film(title="The Godfather Part III", year=1990),
    Film(title="Parasite", year=1982),
    Film(title="My Neighbor Totoro", year=1988, original_title="となりのトトロ"),
    Film(title="Your Name.", year=2016, original_title="君の名は。"),
    Film(title="Star Wars: Episode V - The Empire Strikes Back", year=1980),
]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with running_bot(tmp_path, films=FILMS) as harness:
        yield harness


@pytest.mark.parametrize(
    ("typed", "heading"),
    [
        ("/film back to the future 2", "Back to the Future Part II (1989)"),
        ("/film the godfather part ii", "The Godfather Part II (1974)"),
        ("/film godfather ii", "The Godfather Part II (1974)"),
        ("/film the empire strikes back", "Star Wars: Episode V - The Empire Strikes Back (1980)"),
        ("/film totoro", "My Neighbor Totoro (1988)"),
        ("/film kimi no na wa", "Your Name. (2016)"),
    ],
)
async def test_the_film_meant_gets_its_card(bot: BotHarness, typed: str, heading: str) -> None:
    card = await bot.say(typed)
    assert card.text.startswith(heading), card.text


async def test_a_year_no_film_has_is_said_on_the_card(bot: BotHarness) -> None:
    card = await bot.say("/film parasite 2019")
    assert card.text.startswith("Parasite (1982)")
    assert "No “Parasite” from 2019 in the catalog; closest: 1982." in card.text
