"""A group's slate and memory: nominate, list, remove, watched, history, suggest, settings.

The slate is the set of films nominated for the group's next vote. Opening a poll freezes a copy of it
(so the native poll's options never shift); the winner leaves the slate when the poll closes and the
others stay for next time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.films.cards import choice_from_film
from bot.films.model import Film
from bot.films.service import parse_film_ref
from bot.i18n import _, ngettext
from bot.polls.rules import rating_age
from bot.polls.store import ChatSettings, MovieNightStore, Nomination, as_utc, in_transaction
from bot.replies import FilmList, Problem, Reply, Text
from bot.store.models import FilmGenreRow, FilmRow

if TYPE_CHECKING:
    from bot.commands import Actor
    from bot.config import MovieNightSettings
    from bot.films.service import FilmService
    from bot.store.db import Database

SUGGESTIONS = 5
SETTING_KEYS = ("max_rating", "poll_hours", "carryover")
ON_WORDS, OFF_WORDS = {"on", "yes", "true", "1"}, {"off", "no", "false", "0"}
CLEAR_WORDS = {"none", "off", "clear", "default", "-"}


def heading(film: Film) -> str:
    return f"{film.title} ({film.year})" if film.year else film.title


def who(actor: Actor) -> str:
    return (actor.display_name or actor.user_id)[:100]


class Slate:
    def __init__(
        self, db: Database, films: FilmService, settings: MovieNightSettings, clock: Callable[[], datetime]
    ) -> None:
        self.db = db
        self.films = films
        self.settings = settings
        self.clock = clock

    async def nominations(self, actor: Actor) -> list[Nomination]:
        async with self.db.session() as session:
            return await MovieNightStore(session).nominations(actor.platform, actor.chat_id)

    async def chat_settings(self, actor: Actor) -> ChatSettings:
        async with self.db.session() as session:
            return await MovieNightStore(session).settings(actor.platform, actor.chat_id)

    async def slate_films(self, actor: Actor) -> tuple[list[Film], list[str]]:
        """The slate's films still in the catalog, in nomination order, and headings of those that left."""
        noms = await self.nominations(actor)
        found = await self.films.catalog.films([n.film_id for n in noms])
        gone = [n.film_id for n in noms if n.film_id not in found]
        if gone:
            async with self.db.session() as session:
                from bot.store.films import FilmRepository

                removed = await FilmRepository(session).get_many(gone, include_removed=True)
            return [found[n.film_id] for n in noms if n.film_id in found], [
                heading(removed[i]) if i in removed else f"#{i}" for i in gone
            ]
        return [found[n.film_id] for n in noms], []

    async def _resolve(self, value: str) -> Film | Reply:
        """A film param, with a clear word for a film an admin removed from the catalog."""
        ref = parse_film_ref(value)
        if ref is not None and await self.films.catalog.film(ref) is None:
            gone = await self.films.catalog.film(ref, include_removed=True)
            if gone is not None:
                return Problem(_("{gone} was removed from the catalog, so it can't be nominated.", gone=heading(gone)),
                               kind="not_found")  # fmt: skip
        return await self.films.resolve_film(value)

    async def nominate(self, actor: Actor, value: str) -> Reply:
        """`/movienight nominate <film>`: a picker when the title is ambiguous, else onto the slate."""
        film = await self._resolve(value)
        if not isinstance(film, Film):
            return film
        assert film.id is not None
        now = as_utc(self.clock())

        async def work(session: AsyncSession) -> tuple[bool, dict[int, datetime]]:
            store = MovieNightStore(session)
            added = await store.add_nomination(actor.platform, actor.chat_id, film.id or 0, actor.user_id,
                                               who(actor), now)  # fmt: skip
            return added, await store.watched(actor.platform, actor.chat_id)

        added, watched = await in_transaction(self.db, work)
        if added and self.films.learning is not None:
            self.films.learning.nominated(film.id)
        noms = await self.nominations(actor)
        if not added:
            by = next((n.who for n in noms if n.film_id == film.id), "someone")
            return Problem(
                _("{film} is already on the slate (nominated by {by}).", film=heading(film), by=by), kind="conflict"
            )
        lines = [_("{film} is on the slate, nominated by {actor}.", film=heading(film), actor=who(actor))]
        if film.id in watched:
            lines.append(_("⚠️ This group already watched it ({watched:%Y-%m-%d}).", watched=watched[film.id]))
        if await self._poll_open(actor):
            lines.append(_("A poll is open now, so it will be on the next one."))
        lines.append("")
        lines.append(await self._slate_text(actor, noms, watched))
        return Text(title=_("Nominated"), body="\n".join(lines))

    async def _poll_open(self, actor: Actor) -> bool:
        async with self.db.session() as session:
            return await MovieNightStore(session).open_poll(actor.platform, actor.chat_id) is not None

    async def _slate_text(self, actor: Actor, noms: list[Nomination], watched: dict[int, datetime]) -> str:
        found = await self.films.catalog.films([n.film_id for n in noms])
        lines = [ngettext("Slate ({n} film):", "Slate ({n} films):", len(noms))]
        for i, n in enumerate(noms, start=1):
            title = heading(found[n.film_id]) if n.film_id in found else _("#{film_id} (removed)", film_id=n.film_id)
            flag = _(" · watched {date:%Y-%m-%d}", date=watched[n.film_id]) if n.film_id in watched else ""
            lines.append(_("{i}. {title} — nominated by {who}{flag}", i=i, title=title, who=n.who, flag=flag))
        return "\n".join(lines)

    async def list(self, actor: Actor) -> Reply:
        """`/movienight list`: who nominated what, and the open poll if there is one."""
        noms = await self.nominations(actor)
        if not noms:
            return Text(title=_("Movie night"), body=_("Nothing nominated yet. Try /movienight nominate <film>."))
        async with self.db.session() as session:
            store = MovieNightStore(session)
            watched = await store.watched(actor.platform, actor.chat_id)
            poll = await store.open_poll(actor.platform, actor.chat_id)
        body = await self._slate_text(actor, noms, watched)
        if poll is not None:
            body += _("\n\nA poll is open until {closes_at:%Y-%m-%d %H:%M} UTC.", closes_at=poll.closes_at)
        return Text(title=_("Movie night"), body=body)

    async def remove(self, actor: Actor, value: str) -> Reply:
        """`/movienight remove <film>`: the member who nominated it, or an admin."""
        noms = await self.nominations(actor)
        ref = parse_film_ref(value)
        film_id: int | None = ref
        if film_id is None:
            film = await self.films.resolve_film(value)
            if isinstance(film, FilmList):  # ambiguous: fine if only one of the candidates is on the slate
                on_slate = [c.film_id for c in film.items if any(n.film_id == c.film_id for n in noms)]
                if len(on_slate) != 1:
                    return film
                film_id = on_slate[0]
            elif isinstance(film, Film):
                film_id = film.id
            else:
                return film
        nomination = next((n for n in noms if n.film_id == film_id), None)
        if nomination is None:
            return Problem(_("That film isn't on the slate."), kind="not_found", hint=_("See /movienight list."))
        if nomination.nominated_by != actor.user_id and not actor.is_admin:
            return Problem(_("Only {who} (who nominated it) or an admin can remove it.", who=nomination.who),
                           kind="forbidden")  # fmt: skip

        async def work(session: AsyncSession) -> bool:
            return await MovieNightStore(session).remove_nomination(actor.platform, actor.chat_id, film_id or 0)

        await in_transaction(self.db, work)
        film_obj = await self.films.catalog.film(film_id or 0, include_removed=True)
        name = heading(film_obj) if film_obj else f"#{film_id}"
        return Text(body=_("Removed {name} from the slate.", name=name))

    async def watched(self, actor: Actor) -> Reply:
        """`/movienight watched`: mark the last winner as watched (flags it if nominated again)."""
        now = as_utc(self.clock())

        async def work(session: AsyncSession) -> Reply:
            store = MovieNightStore(session)
            night = await store.last_winner_night(actor.platform, actor.chat_id)
            if night is None or night.winner_film_id is None:
                return Problem(_("No movie night has a winner yet."), kind="not_found")
            film = await self.films.catalog.film(night.winner_film_id, include_removed=True)
            name = heading(film) if film else f"#{night.winner_film_id}"
            if night.watched_at is not None:
                return Text(
                    body=_(
                        "{name} was already marked watched ({watched_at:%Y-%m-%d}).",
                        name=name,
                        watched_at=night.watched_at,
                    )
                )
            await store.mark_watched(night.id, now)
            return Text(body=_("Marked {name} as watched. Enjoyed it?", name=name))

        return await in_transaction(self.db, work)

    async def history(self, actor: Actor) -> Reply:
        """`/movienight history`: past nights, newest first, with the winner and the counts."""
        async with self.db.session() as session:
            nights = await MovieNightStore(session).history(actor.platform, actor.chat_id)
        if not nights:
            return Text(title=_("Movie-night history"), body=_("No movie night has closed yet."))
        ids = {f for n in nights for f, _ in n.scores} | {n.winner_film_id or 0 for n in nights}
        async with self.db.session() as session:
            from bot.store.films import FilmRepository

            films = await FilmRepository(session).get_many(list(ids), include_removed=True)
        lines = []
        for n in nights:
            when = f"{(n.closed_at or n.closes_at):%Y-%m-%d}"
            won = heading(films[n.winner_film_id]) if n.winner_film_id in films else _("no winner")
            counts = ", ".join(
                f"{films[f].title if f in films else f'#{f}'} {p}" for f, p in sorted(n.scores, key=lambda s: -s[1])
            )
            mark = _(" ✓ watched") if n.watched_at else ""
            how = f"{n.mode}: {counts}" if counts else n.mode
            lines.append(
                ngettext(
                    "{when} — {won}{mark} · {n} voter ({how})",
                    "{when} — {won}{mark} · {n} voters ({how})",
                    n.voters,
                    when=when,
                    won=won,
                    mark=mark,
                    how=how,
                )
            )
        return Text(title=_("Movie-night history"), body="\n".join(lines))

    async def suggest(self, actor: Actor, genre: str | None = None, max_minutes: int | None = None) -> Reply:
        """`/movienight suggest [genre] [max_minutes]`: popular unwatched films that fit the group's cap."""
        cap_text = (await self.chat_settings(actor)).max_rating or self.settings.max_content_rating
        cap = rating_age(cap_text)
        async with self.db.session() as session:
            store = MovieNightStore(session)
            skip = set(await store.watched(actor.platform, actor.chat_id))
            skip |= {n.film_id for n in await store.nominations(actor.platform, actor.chat_id)}
            ids = await _fitting_ids(session, genre, max_minutes, skip, cap)
        found = await self.films.catalog.films(ids)
        items = tuple(choice_from_film(found[i]) for i in ids if i in found)
        what = ", ".join(
            p for p in (genre, f"≤ {max_minutes} min" if max_minutes else None,
                        f"rated ≤ {cap_text}" if cap is not None else None) if p
        )  # fmt: skip
        if not items and genre and (unknown := await self.films.unknown_genre(genre)) is not None:
            return unknown
        if not items:
            return Problem(_("No unwatched film fits{what}.", what=' (' + what + ')' if what else ''), kind="not_found",
                           hint=_("Try another genre or a longer runtime."))  # fmt: skip
        return FilmList(
            kind="results", query=genre or "", items=items, total=len(items),
            heading=_("Unwatched films for movie night{what}", what=' (' + what + ')' if what else ''),
            hint=_("Nominate one with /movienight nominate <film>.")
            + (_(" Films without a content rating are left out while a cap is set.") if cap is not None else ""),
        )  # fmt: skip

    async def configure(self, actor: Actor, key: str, value: str | None) -> Reply:
        """`/movienight settings <key> [value]` (admin only, checked by the registry)."""
        if key not in SETTING_KEYS:
            return Problem(_("Settings: {SETTING_KEYS}.", SETTING_KEYS=", ".join(SETTING_KEYS)))
        if value is None:
            current = await self.chat_settings(actor)
            shown = getattr(current, key)
            if key == "carryover":
                if shown:
                    return Text(body=_("carryover is on: losing nominees stay on the slate for the next poll."))
                return Text(body=_("carryover is off: each movie night starts from a fresh slate."))
            return Text(
                body=_(
                    "{key} is {default}.", key=key, default=shown if shown is not None else _("not set (bot default)")
                )
            )
        word = value.strip().casefold()
        stored: str | int | bool | None
        if key == "carryover":
            if word not in ON_WORDS | OFF_WORDS:
                return Problem(
                    _("carryover is on or off."),
                    hint=_("on: losing nominees stay for the next poll; off: a fresh slate each night."),
                )
            stored = word in ON_WORDS
        elif word in CLEAR_WORDS:
            stored = None
        elif key == "max_rating":
            if rating_age(value) is None:
                return Problem(_("I can't read {value!r} as a content rating.", value=value[:40]),
                               hint=_("Try G, PG, PG-13, R, 12, 15+ or 18."))  # fmt: skip
            stored = value.strip()[:40]
        else:
            if not value.strip().isdigit() or not 1 <= int(value) <= 768:
                return Problem(_("poll_hours must be a whole number from 1 to 768."))
            stored = int(value)
        now = as_utc(self.clock())

        async def work(session: AsyncSession) -> None:
            await MovieNightStore(session).save_setting(actor.platform, actor.chat_id, actor.user_id, now,
                                                        **{key: stored})  # fmt: skip

        await in_transaction(self.db, work)
        shown = ("on" if stored else "off") if isinstance(stored, bool) else stored
        if stored is None:
            return Text(body=_("{key} cleared.", key=key))
        return Text(body=_("{key} set to {value}.", key=key, value=shown))


async def _fitting_ids(
    session: AsyncSession, genre: str | None, max_minutes: int | None, skip: set[int], cap: int | None
) -> list[int]:
    query = select(FilmRow.id, FilmRow.content_rating).where(FilmRow.removed == false())
    if max_minutes:
        query = query.where(FilmRow.runtime_minutes.is_not(None), FilmRow.runtime_minutes <= max_minutes)
    if genre:
        genres = select(FilmGenreRow.film_id).where(func.lower(FilmGenreRow.genre) == genre.strip().lower())
        query = query.where(FilmRow.id.in_(genres))
    # Films people know first (votes, learned popularity), then described ones (synopsis and cast), shuffled
    # within each rank so the list changes between asks; a runtime filter (above) only when one was asked for.
    from bot.store.familiarity import familiarity, learned_score

    query = query.order_by(
        familiarity().desc(), FilmRow.votes.is_(None), FilmRow.votes.desc(), learned_score().desc(), func.random()
    )
    out: list[int] = []
    stream = await session.stream(query.execution_options(yield_per=500))
    async for film_id, rating in stream:
        if film_id in skip:
            continue
        if cap is not None:
            age = rating_age(rating)
            if age is None or age > cap:
                continue
        out.append(film_id)
        if len(out) >= SUGGESTIONS:
            break
    await stream.close()
    return out
