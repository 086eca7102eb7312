"""A /film miss or an unsure picker, completed from the online sources (issue 12, "where sources are used" 1).

The store answers first, always: the core marks such a list `ask_online`, the adapter sends it, then calls
`look_online` and edits its message when the sources found films the catalog lacks. The sources' circuit
breaker makes a source that is down cost nothing after its first failure. `add_online` is the Add button:
the permission from `SOURCES__ADD_BY`, then the admin add path (`add_by_ref`: duplicate checks by external
id, then title + year; the audit row; the search index updated at once).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import TYPE_CHECKING

from bot.commands import Actor, Permission
from bot.films.model import Film
from bot.films.search import parse_query
from bot.i18n import _
from bot.replies import FilmList, OnlineChoice, Problem, Reply
from bot.sources.add import SOURCE_NAMES, add_by_ref
from bot.sources.base import SourceError
from bot.sources.refs import parse_ref
from bot.store.films import FilmRepository

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

ONLINE_KINDS = frozenset({"miss", "did_you_mean"})
LOOK_SECONDS = 8.0  # the most a look-up may take in all (each request has its own, shorter timeout)


def mark_online(services: Services, reply: Reply) -> Reply:
    """Flag a miss or an unsure picker for an online look-up, when a source is enabled."""
    if isinstance(reply, FilmList) and reply.kind in ONLINE_KINDS and reply.rerun is None and services.sources.enabled:
        return dataclasses.replace(reply, ask_online=True)
    return reply


async def look_online(services: Services, reply: FilmList) -> FilmList | None:
    """`reply` with the films the sources found that the catalog lacks; None when there is nothing to add
    (no source, a source down, nothing found, or everything found is already in the catalog)."""
    if not reply.ask_online or not services.sources.enabled:
        return None
    try:
        found = await asyncio.wait_for(_candidates(services, reply.query), LOOK_SECONDS)
    except TimeoutError:
        log.info("film sources took over %.0f s for a miss; not offered", LOOK_SECONDS)
        return None
    fresh = await _not_stored(services, found) if found else []
    if not fresh:
        return None
    can_add = services.settings.sources.add_by != "nobody"
    choices = tuple(_choice(film, can_add) for film in fresh)
    return dataclasses.replace(reply, ask_online=False, found_online=choices)


async def _candidates(services: Services, query: str) -> list[Film]:
    """TMDB's best few (with details, for the director), else Wikidata's; errors skip the source."""
    wanted = services.settings.sources.online_results
    parsed = parse_query(query)
    title = parsed.text or query
    sources = services.sources
    if sources.tmdb is not None:
        try:
            light = (await sources.tmdb.search(title, parsed.year))[:wanted]
            if light:
                return await _detailed(services, light)
        except SourceError as exc:
            log.info("TMDB skipped for a miss: %s", exc)
    if sources.wikidata is not None:
        try:
            films = await sources.wikidata.films_for_title(title, limit=wanted)
            return films[:wanted]
        except SourceError as exc:
            log.info("Wikidata skipped for a miss: %s", exc)
    return []


async def _detailed(services: Services, light: list[Film]) -> list[Film]:
    """Each light search result with its details (directors), in parallel; the light one if that fails."""
    tmdb = services.sources.tmdb
    assert tmdb is not None

    async def one(film: Film) -> Film:
        try:
            full = await tmdb.details(film.external_ids["tmdb"])
        except SourceError:
            return film
        return full or film

    return list(await asyncio.gather(*(one(f) for f in light)))


async def _not_stored(services: Services, films: list[Film]) -> list[Film]:
    """The films no stored film matches (by external id, then title + year), once each."""
    out: list[Film] = []
    seen: set[str] = set()
    async with services.db.session() as session:
        repo = FilmRepository(session)
        for film in films:
            ref = _ref(film)
            if ref is None or ref in seen:
                continue
            seen.add(ref)
            if await repo.find_existing_id(film) is None:
                out.append(film)
    return out


def _ref(film: Film) -> str | None:
    for kind in ("tmdb", "wikidata"):
        if key := film.external_ids.get(kind):
            return f"{kind}:{key}"
    return None


def _choice(film: Film, can_add: bool) -> OnlineChoice:
    ref = _ref(film)
    assert ref is not None
    return OnlineChoice(
        ref=ref,
        source=SOURCE_NAMES.get(ref.split(":", 1)[0], "?"),
        title=film.title,
        year=film.year,
        original_title=film.original_title,
        directors=tuple(film.directors[:2]),
        can_add=can_add,
    )


def may_add(services: Services, actor: Actor) -> bool:
    """SOURCES__ADD_BY: anyone; admins = whoever may /film add (Permission.CATALOG_OWNER under
    CATALOG_EDITORS); nobody."""
    add_by = services.settings.sources.add_by
    if add_by == "anyone":
        return True
    if add_by == "admins":
        return services.registry.allows(actor, Permission.CATALOG_OWNER)
    return False


async def add_online(services: Services, actor: Actor, ref_text: str) -> Reply:
    """The Add button under an online find: check who may, then add through the admin add path."""
    ref = parse_ref(ref_text)
    if ref is None or ref.kind == "imdb":
        return Problem(_("That button is not available here."), kind="not_found")
    if not may_add(services, actor):
        log.info("refused online add %s for user %s on %s", ref, actor.user_id, actor.platform)
        if services.settings.sources.add_by == "nobody":
            return Problem(_("Adding films from the online sources is switched off here."), kind="forbidden")
        return Problem(
            _("Only the bot's catalog owners can add films: the catalog is shared by every chat the bot is in."),
            kind="forbidden",
            hint=_("Ask a catalog owner to press Add."),
        )
    return await add_by_ref(services.curation, actor, ref, confirmed=True)
