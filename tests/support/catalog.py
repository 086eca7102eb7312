"""A small, real catalog and a fully wired `Services` on a temporary SQLite database, for any test tier."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot.app import build_services  # at import: its first import costs seconds, never on a test's loop
from bot.config import Settings
from bot.films.model import Credit, Film
from bot.services import Services
from tests.support.testdb import new_postgres_url, on_postgres

SEED_ALT_TITLES = [
    "12 Wol 23 Il",
    "December 23rd",
    "December 23",
    "7beonbangui Seonmool",
    "12월 23일",
    "Gift From Room 7",
    "Number 7 Room’s Gift",
    "7beon Bangui Seonmul",
]

SEED_SYNOPSIS = (
    "Miracle in Cell No. 7 is a 2013 South Korean drama film directed by Lee Hwan-kyung. "
    "The movie follows the story of a mentally challenged man named Yong-gu, who is falsely accused "
    "and sentenced to death."
)


def seed_film() -> Film:
    return Film(
        title="Miracle in Cell No. 7",
        year=2013,
        original_title="7번방의 선물",
        alt_titles=list(SEED_ALT_TITLES),
        release_date=date(2013, 1, 23),
        runtime_minutes=127,
        country="South Korea",
        content_rating="15+ – Teens 15 or older",
        genres=["Comedy", "Drama", "Family"],
        synopsis=SEED_SYNOPSIS,
        votes=19764,
        trailer_url="https://www.youtube.com/watch?v=wTkeln0kc8I",
        external_ids={"imdb": "tt2659414", "tmdb": "158445"},
        credits=[
            Credit("Lee Hwan Kyung", "director"),
            Credit("Lee Hwan Kyung", "writer"),
            Credit("Ryu Seung-ryong", "cast", "Lee Yong-gu"),
            Credit("Kal So-won", "cast", "Ye-sung (young)"),
            Credit("Park Shin-hye", "cast", "Ye-sung (adult)"),
            Credit("Oh Dal-su", "cast", "So Yang-ho"),
        ],
    )


def sample_films() -> list[Film]:
    """The seed film, its remakes, look-alike titles, tricky markup and numbers-as-titles."""
    return [
        seed_film(),
        Film(
            title="Miracle in Cell No. 7",
            year=2019,
            country="Turkey",
            original_title="7. Koğuştaki Mucize",
            genres=["Drama"],
            runtime_minutes=132,
            external_ids={"ml": "214612"},
        ),
        Film(
            title="Miracle in Cell No. 7",
            year=2022,
            country="Indonesia",
            genres=["Comedy", "Drama"],
            runtime_minutes=145,
            external_ids={"ml": "286729"},
        ),
        Film(
            title="Miracle on 34th Street",
            year=1947,
            genres=["Drama", "Family"],
            info_url="https://en.wikipedia.org/wiki/Miracle_on_34th_Street",
        ),
        Film(title="Miracle", year=2004, genres=["Drama", "Sport"]),
        Film(
            title="Parasite",
            year=2019,
            original_title="기생충",
            country="South Korea",
            genres=["Comedy", "Drama", "Thriller"],
            votes=900000,
            rating=8.5,
            runtime_minutes=132,
        ),
        Film(
            title="Spirited Away",
            year=2001,
            original_title="千と千尋の神隠し",
            country="Japan",
            genres=["Animation", "Family"],
            votes=800000,
            rating=8.6,
            runtime_minutes=125,
            alt_titles=["Sen to Chihiro no Kamikakushi"],
        ),
        Film(title="1917", year=2019, genres=["War", "Drama"], votes=600000, runtime_minutes=119),
        Film(
            title="Amélie",
            year=2001,
            original_title="Le Fabuleux Destin d'Amélie Poulain",
            country="France",
            genres=["Comedy", "Romance"],
            votes=750000,
            runtime_minutes=122,
        ),
        Film(
            title="<b>Bold</b> & *Stars* _under_ `code` ~x~ |y| > @everyone",
            year=2020,
            genres=["Comedy"],
            synopsis="<script>alert(1)</script> & <i>broken <b>tags",
            runtime_minutes=90,
        ),
        Film(
            title="The Good, the Bad and the Ugly",
            year=1966,
            original_title="Il buono, il brutto, il cattivo",
            country="Italy",
            genres=["Western"],
            votes=780000,
            runtime_minutes=178,
        ),
    ]


async def make_services(
    tmp_path: Path,
    films: Sequence[Film] | None = None,
    *,
    seed: int = 7,
    sqlite: bool = False,
    **settings: object,
) -> Services:
    """A migrated SQLite database in tmp_path holding `films` (not the starter catalog), index loaded.

    The database is prepared in a worker thread (its own loop and connection), as `filmbot run` does on a
    first start, so the end-to-end tests' slow-callback guard sees only what the bot does. With
    FILMBOT_TEST_DATABASE=postgres it is a new PostgreSQL database instead (tests/support/testdb.py), unless
    `sqlite` says the test needs the SQLite file itself (as `bot_env` does)."""
    url = (
        await asyncio.to_thread(new_postgres_url, migrated=True, path=tmp_path / "filmbot.sqlite3")
        if on_postgres() and not sqlite
        else f"sqlite+aiosqlite:///{tmp_path / 'filmbot.sqlite3'}"
    )
    settings.setdefault("rate_limit", {"burst": 10_000})  # tests type fast; the limit has its own tests
    config = Settings(database_url=url, starter_catalog=False, _env_file=None, **settings)  # type: ignore[call-arg, arg-type]
    await asyncio.to_thread(asyncio.run, _fill(url, list(films if films is not None else sample_films())))
    return await build_services(config, seed=seed)


async def _fill(url: str, films: list[Film]) -> None:
    from bot.store.bootstrap import ensure_ready
    from bot.store.db import Database
    from bot.store.films import FilmRepository

    db = Database(url)
    try:
        await ensure_ready(db, paths=[])
        async with db.session() as session, session.begin():
            await FilmRepository(session).upsert_many(films)
    finally:
        await db.dispose()
