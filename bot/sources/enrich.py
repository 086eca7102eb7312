"""`filmbot enrich`: fill the missing fields of stored films from one online source — never a guess.

A film is matched by an external id the source understands (its own id, or an IMDb id), else by the
source's title search when exactly one candidate has the film's title (any of its titles) and year *and*
shares a director (else a cast member) with it; a film with no year or no people to compare is counted
ambiguous, never matched on its title alone. Only fields still empty are filled, and never a field an
admin edited (the audit log's ``edit`` rows say which); each film is written in its own transaction with
an audit row naming the source, so an interrupted run (Ctrl+C) keeps what it finished and a new run
continues with the films that still miss something.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, select

from bot.commands import Actor
from bot.curation.store import CurationRepository, audit_t
from bot.films.model import Credit, Film
from bot.i18n import N_
from bot.sources.base import HttpSource, SourceError, SourceRefused, SourceUnavailable
from bot.sources.tmdb import TmdbClient
from bot.sources.wikidata import WikidataClient
from bot.store.bulk import people_agree, people_of
from bot.store.db import Database
from bot.store.films import ExternalIdConflict, FilmRepository
from bot.store.mapping import identity_title

log = logging.getLogger("filmbot.enrich")

# enrichable field -> the audit log's field names of an admin edit that protects it
FIELDS: dict[str, tuple[str, ...]] = {
    "trailer": ("trailer_url",),
    "poster": ("poster_url",),
    "directors": ("director", "director_writer"),
    "runtime": ("runtime",),
    "synopsis": ("synopsis",),
    "votes": ("votes",),
    "titles": ("native_title", "alt_titles"),
}
MAX_WAIT = 120.0  # longest pause for a rate-limited source before the run gives up on it


@dataclass(slots=True)
class EnrichSummary:
    source: str
    examined: int = 0
    matched: int = 0
    enriched: int = 0
    ambiguous: int = 0
    not_found: int = 0
    failed: int = 0
    kept_edits: int = 0  # fields left alone because an admin edited them
    filled: dict[str, int] = field(default_factory=dict)

    def text(self, translate: Callable[..., str] | None = None) -> str:
        """One line: English for the log; `translate` (`bot.i18n._`) for a person at the CLI."""
        say = translate or _english
        fields = ", ".join(f"{k} {v}" for k, v in sorted(self.filled.items())) or say(NO_FIELDS)
        return say(
            SUMMARY, source=self.source, examined=self.examined, matched=self.matched, enriched=self.enriched,
            ambiguous=self.ambiguous, not_found=self.not_found, failed=self.failed, fields=fields,
            kept=self.kept_edits,
        )  # fmt: skip


SUMMARY = N_(
    "{source}: {examined} films examined — {matched} matched, {enriched} enriched, {ambiguous} ambiguous, "
    "{not_found} not found, {failed} failed; fields filled: {fields}; admin edits kept: {kept}"
)
NO_FIELDS = N_("none")


def _english(message: str, /, **params: object) -> str:
    return message.format(**params) if params else message


def missing_fields(film: Film, wanted: Iterable[str]) -> set[str]:
    checks = {
        "trailer": film.trailer_url is None,
        "poster": film.poster_url is None,
        "directors": not film.directors,
        "runtime": film.runtime_minutes is None,
        "synopsis": film.synopsis is None,
        "votes": film.votes is None,
        "titles": film.original_title is None and not film.alt_titles,
    }
    return {f for f in wanted if checks[f]}


def fill(film: Film, found: Film, fields: set[str]) -> tuple[Film, list[str]]:
    """`film` with `fields` taken from `found` where `found` has them; which fields changed."""
    changes: dict[str, object] = {}
    done: list[str] = []
    if "trailer" in fields and found.trailer_url:
        changes["trailer_url"] = found.trailer_url
    if "poster" in fields and found.poster_url:
        changes["poster_url"] = found.poster_url
    if "runtime" in fields and found.runtime_minutes:
        changes["runtime_minutes"] = found.runtime_minutes
    if "synopsis" in fields and found.synopsis:
        changes["synopsis"] = found.synopsis
    if "votes" in fields and found.votes is not None:
        changes["votes"], changes["rating"] = found.votes, found.rating
    if "directors" in fields and found.directors:
        changes["credits"] = [Credit(n, "director") for n in found.directors] + film.credits
    if "titles" in fields and (found.original_title or found.alt_titles):
        changes["original_title"] = found.original_title if found.original_title != film.title else None
        taken = {film.title, changes["original_title"], *film.aliases}
        changes["alt_titles"] = kept = [t for t in found.alt_titles if t not in taken]
        changes["alt_title_locales"] = {t: lc for t in kept if (lc := found.alt_title_locale(t))}
    for name, attrs in (
        ("trailer", ("trailer_url",)),
        ("poster", ("poster_url",)),
        ("runtime", ("runtime_minutes",)),
        ("synopsis", ("synopsis",)),
        ("votes", ("votes",)),
        ("directors", ("credits",)),
        ("titles", ("alt_titles", "original_title")),
    ):
        if any(a in changes for a in attrs):
            done.append(name)
    ext = dict(film.external_ids)
    for source, key in found.external_ids.items():
        ext.setdefault(source, key)
    if done:
        changes["external_ids"] = ext
    return (film.replace(**changes) if changes else film), done


class Matcher:
    """Finds one source's record for a stored film, or says why not."""

    def __init__(self, client: HttpSource) -> None:
        self.client = client

    async def match(self, film: Film) -> tuple[str, Film | None]:
        """("matched", record) | ("ambiguous", None) | ("not_found", None)."""
        found = await self._by_id(film)
        if found is not None:
            return "matched", found
        if film.year is None or not (film.directors or film.cast):
            return "ambiguous", None
        titles = {identity_title(t) for t in film.all_titles()}
        candidates = [c for c in await self._candidates(film) if c.year == film.year]
        same = [c for c in candidates if titles & {identity_title(t) for t in c.all_titles()}]
        if not same:
            return "not_found", None
        if len(same) > 1:
            full = [f for f in [await self._full(c) for c in same] if f is not None]
            same = [f for f in full if people_agree(people_of(film), people_of(f))]
            if len(same) != 1:
                return ("ambiguous" if len(same) > 1 else "not_found"), None
            return "matched", same[0]
        record = await self._full(same[0])
        if record is None:
            return "not_found", None
        agree = people_agree(people_of(film), people_of(record))
        if agree is None:
            return "ambiguous", None
        return ("matched", record) if agree else ("not_found", None)

    async def _by_id(self, film: Film) -> Film | None:
        ext = film.external_ids
        c = self.client
        if isinstance(c, TmdbClient):
            if ext.get("tmdb", "").isdigit():
                return await c.details(ext["tmdb"])
            if ext.get("imdb", "").startswith("tt"):
                return await c.find_imdb(ext["imdb"])
        elif isinstance(c, WikidataClient):
            if ext.get("wikidata"):
                return await c.film(ext["wikidata"])
            if ext.get("imdb", "").startswith("tt"):
                qid = await c.item_for_imdb(ext["imdb"])
                return None if qid is None else await c.film(qid)
        return None

    async def _candidates(self, film: Film) -> list[Film]:
        c = self.client
        if isinstance(c, TmdbClient):
            return await c.search(film.title, film.year)
        if isinstance(c, WikidataClient):
            return await c.films_for_title(film.title)
        return []

    async def _full(self, light: Film) -> Film | None:
        c = self.client
        if isinstance(c, TmdbClient) and "tmdb" in light.external_ids:
            return await c.details(light.external_ids["tmdb"])
        return light  # Wikidata's candidates are full records already


async def edited_fields(db: Database, film_id: int) -> set[str]:
    """Audit-log field names an admin edited on this film."""
    a = audit_t.c
    async with db.session() as session:
        rows = await session.scalars(
            select(a.field).where(and_(a.film_id == film_id, a.action == "edit", a.field.is_not(None))).distinct()
        )
        return {r for r in rows if r}


async def enrich(
    db: Database,
    client: HttpSource,
    actor: Actor,
    *,
    fields: Iterable[str] = tuple(FIELDS),
    limit: int | None = None,
    per_second: float = 4.0,
    progress: Callable[[int, int], None] | None = None,
) -> EnrichSummary:
    """Enrich up to `limit` films missing any of `fields` (in id order) from `client`."""
    wanted = [f for f in fields if f in FIELDS]
    summary = EnrichSummary(client.name)
    client.pace = 1.0 / per_second
    matcher = Matcher(client)
    todo = await _films_missing(db, wanted, limit)
    for i, film_id in enumerate(todo, start=1):
        if not await enrich_film(db, matcher, actor, film_id, wanted, summary):
            continue
        if progress is not None:
            progress(i, len(todo))
    return summary


async def enrich_film(
    db: Database, matcher: Matcher, actor: Actor, film_id: int, wanted: list[str], summary: EnrichSummary
) -> bool:
    """Match one stored film and fill its gaps (admin edits kept), counted in `summary`; False when the film
    is gone or the source failed for it. A wrong key (SourceRefused) is raised: every request would fail."""
    async with db.session() as session:
        film = await FilmRepository(session).get(film_id)
    if film is None:
        return False
    summary.examined += 1
    try:
        outcome, found = await _match_patiently(matcher, film)
    except SourceRefused:
        raise
    except SourceError as exc:
        summary.failed += 1
        log.warning("film #%s: %s", film_id, exc)
        return False
    if outcome == "ambiguous":
        summary.ambiguous += 1
    elif found is None:
        summary.not_found += 1
    else:
        summary.matched += 1
        await _apply(db, actor, film_id, found, wanted, summary)
    return True


async def _match_patiently(matcher: Matcher, film: Film) -> tuple[str, Film | None]:
    """Match, waiting out an open breaker (a 429's Retry-After, a failure's backoff) up to MAX_WAIT."""
    for _attempt in range(3):
        try:
            return await matcher.match(film)
        except SourceRefused:
            raise
        except SourceUnavailable as exc:
            if exc.retry_in > MAX_WAIT:
                raise
            await asyncio.sleep(exc.retry_in)
        except SourceError:
            if not matcher.client.breaker.is_open:
                raise
            breaker = matcher.client.breaker
            await asyncio.sleep(min(MAX_WAIT, max(0.0, breaker.open_until - breaker.clock())))
    return await matcher.match(film)


async def _films_missing(db: Database, wanted: list[str], limit: int | None) -> list[int]:
    ids: list[int] = []
    async with db.session() as session:
        async for film in FilmRepository(session).iter_films():
            if film.id is not None and missing_fields(film, wanted):
                ids.append(film.id)
                if limit is not None and len(ids) >= limit:
                    break
    return ids


async def _apply(db: Database, actor: Actor, film_id: int, found: Film, wanted: list[str], s: EnrichSummary) -> None:
    protected = await edited_fields(db, film_id)
    async with db.write() as session:
        repo = FilmRepository(session)
        current = await repo.get_for_update(film_id)
        if current is None:
            return
        gaps = missing_fields(current, wanted)
        kept = {f for f in gaps if set(FIELDS[f]) & protected}
        s.kept_edits += len(kept)
        updated, done = fill(current, found, gaps - kept)
        if not done:
            return
        try:
            await repo.update(updated)
        except ExternalIdConflict:  # the source's id is another film's: fill the fields, keep our ids
            updated = updated.replace(external_ids=current.external_ids)
            await repo.update(updated)
        ref = next((f"{k}:{v}" for k, v in found.external_ids.items() if k == found.source), found.source or "")
        await CurationRepository(session).add_audit(
            actor, "enrich", at=datetime.now(UTC), film_id=film_id, field=",".join(done)[:40],
            new=f"from {s.source} ({ref})",
        )  # fmt: skip
    s.enriched += 1
    for name in done:
        s.filled[name] = s.filled.get(name, 0) + 1
