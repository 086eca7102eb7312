"""`/random` and `/movienight suggest` offer films people know, and an unknown genre lists the real ones."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.app import build_services
from bot.commands import Actor
from bot.films.model import Credit, Film
from bot.replies import FilmCard, FilmList, Problem
from bot.services import Services
from bot.store.films import FilmRepository
from bot.store.models import FilmPopularityRow
from tests.support.catalog import make_services

ALICE = Actor("telegram", "1", "-100", display_name="Alice")


def _shorts(n: int) -> list[Film]:
    """Bare early shorts: a title, a year, a genre, nothing anyone would recognise."""
    return [Film(f"Actuality {i}", year=1905, genres=["Drama"]) for i in range(n)]


KNOWN = Film("Parasite", year=2019, genres=["Drama"], votes=950_000)
DESCRIBED = Film(
    "Burning", year=2018, genres=["Drama"], synopsis="A delivery boy meets a childhood friend.",
    credits=[Credit(name, "cast") for name in ("Yoo Ah-in", "Steven Yeun", "Jun Jong-seo", "Kim Soo-kyung")],
)  # fmt: skip
UNTIMED = Film("Poetry", year=2010, genres=["Drama"], votes=20_000)  # runtime unknown


async def test_random_and_suggest_prefer_films_people_know_over_bare_shorts(tmp_path: Path) -> None:
    services = await make_services(tmp_path, [*_shorts(60), KNOWN, DESCRIBED, UNTIMED])
    try:
        picked = set()
        for _ in range(15):
            card = await services.films.random("drama")
            assert isinstance(card, FilmCard)
            picked.add(card.title)
        assert picked <= {"Parasite", "Burning", "Poetry"} and len(picked) > 1, picked
        suggested = await services.movienights.slate.suggest(ALICE, "drama")
        assert isinstance(suggested, FilmList)
        titles = [item.title for item in suggested.items]
        assert titles[:2] == ["Parasite", "Poetry"] and titles[2] == "Burning", titles
        # No runtime asked for: a film of unknown runtime is still suggested; asked for: it is skipped.
        timed = await services.movienights.slate.suggest(ALICE, "drama", 120)
        assert isinstance(timed, Problem | FilmList)
        assert isinstance(timed, Problem) or "Poetry" not in [i.title for i in timed.items]
    finally:
        await services.db.dispose()


async def test_an_unknown_genre_lists_the_genres_that_exist(tmp_path: Path) -> None:
    services = await make_services(tmp_path, [KNOWN, Film("Alien", year=1979, genres=["Horror", "Science Fiction"])])
    try:
        for reply in (
            await services.films.random("westerns"),
            await services.movienights.slate.suggest(ALICE, "westerns"),
        ):
            assert isinstance(reply, Problem) and "no genre “westerns”" in reply.message, reply
            assert reply.hint == "Genres: Drama, Horror, Science Fiction.", reply.hint
    finally:
        await services.db.dispose()


async def _learned(services: Services, title: str, score: float) -> int:
    film_id = next(d.film_id for d in services.catalog.index.all_docs() if d.title == title)
    async with services.db.write() as session:
        session.add(FilmPopularityRow(film_id=film_id, score=score, updated_at=datetime.now(UTC)))
    return film_id


async def test_films_members_look_up_are_suggested_as_films_people_know(tmp_path: Path) -> None:
    """A bare film our members keep looking up (learned popularity) is known: after the voted films, before the
    described ones; the more looked-up first."""
    services = await make_services(tmp_path, [*_shorts(60), KNOWN, DESCRIBED])
    try:
        await _learned(services, "Actuality 7", 3.0)
        await _learned(services, "Actuality 9", 5.0)
        picked = set()
        for _ in range(30):
            card = await services.films.random("drama")
            assert isinstance(card, FilmCard)
            picked.add(card.title)
        assert picked <= {"Parasite", "Burning", "Actuality 7", "Actuality 9"} and "Actuality 9" in picked, picked
        suggested = await services.movienights.slate.suggest(ALICE, "drama")
        assert isinstance(suggested, FilmList)
        titles = [item.title for item in suggested.items]
        assert titles[:4] == ["Parasite", "Actuality 9", "Actuality 7", "Burning"], titles
    finally:
        await services.db.dispose()


async def test_a_film_an_admin_describes_is_suggested_from_then_on(tmp_path: Path) -> None:
    """The level is kept with the film's row: an edit that gives a bare short a synopsis and a cast makes it a
    described film at once; taking them away makes it bare again."""
    services = await make_services(tmp_path, [*_shorts(40), KNOWN])
    try:
        film_id = next(d.film_id for d in services.catalog.index.all_docs() if d.title == "Actuality 3")
        async with services.db.write() as session:
            repo = FilmRepository(session)
            film = await repo.get(film_id)
            assert film is not None
            described = await repo.update(film.replace(synopsis=DESCRIBED.synopsis, credits=DESCRIBED.credits))
        services.catalog.film_changed(described)  # after the commit, as the admin commands do
        suggested = await services.movienights.slate.suggest(ALICE)
        assert isinstance(suggested, FilmList)
        assert [item.title for item in suggested.items][:2] == ["Parasite", "Actuality 3"]
        async with services.db.write() as session:
            bare = await FilmRepository(session).update(described.replace(synopsis=None))
        services.catalog.film_changed(bare)
        for _ in range(10):
            card = await services.films.random()
            assert isinstance(card, FilmCard) and card.title == "Parasite"
    finally:
        await services.db.dispose()


async def test_a_genre_added_here_or_elsewhere_is_found_at_once(tmp_path: Path) -> None:
    """The genre names are read once per catalog state: a film of a new genre, added by this process or another
    (brought in by the catalog's refresh), makes that genre known to /random and suggestions."""
    services = await make_services(tmp_path, [KNOWN])
    other = await build_services(services.settings)
    try:
        assert isinstance(await services.films.random("western"), Problem)
        async with services.db.write() as session:
            added = await FilmRepository(session).add(Film("Unforgiven", 1992, genres=["Western"], votes=9))
        services.catalog.film_changed(added)
        card = await services.films.random("western")
        assert isinstance(card, FilmCard) and card.title == "Unforgiven"
        assert isinstance(await services.films.random("noir"), Problem)
        async with other.db.write() as session:
            await FilmRepository(session).add(Film("Laura", 1944, genres=["Film Noir"], votes=5))
        assert await services.catalog.refresh_if_changed() is True
        suggested = await services.movienights.slate.suggest(ALICE, "film noir")
        assert isinstance(suggested, FilmList) and [i.title for i in suggested.items] == ["Laura"]
    finally:
        await other.db.dispose()
        await services.db.dispose()
