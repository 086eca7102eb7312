"""Admin add by id or link: `/film add tt6751668`, a TMDB/Wikidata link, or `tmdb:496243`.

The first command fetches the record and shows it for confirmation (nothing is stored); the same command
followed by ``confirm`` stores it through the curation add path (duplicate checks by external id, then
title + year, and the audit row). A chat "Add" button is a later step: today confirmation is typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.films.model import Film
from bot.i18n import _
from bot.replies import Problem, Reply, Text
from bot.sources import SourceError
from bot.sources.refs import FilmRef, parse_ref
from bot.store.films import FilmRepository

if TYPE_CHECKING:
    from bot.commands import Actor
    from bot.curation.service import Curation

CONFIRM_WORDS = frozenset({"confirm", "yes", "ok"})
SOURCE_NAMES = {"tmdb": "TMDB", "wikidata": "Wikidata", "imdb": "IMDb"}


def split_ref(text: str) -> tuple[FilmRef, bool] | None:
    """(reference, confirmed) when `text` is an id or link, optionally followed by a confirm word."""
    words = text.split()
    if not words or len(words) > 2:
        return None
    ref = parse_ref(words[0])
    if ref is None:
        return None
    if len(words) == 2 and words[1].casefold() not in CONFIRM_WORDS:
        return None
    return ref, len(words) == 2


async def add_by_ref(curation: Curation, actor: Actor, ref: FilmRef, *, confirmed: bool) -> Reply:
    """Fetch the film `ref` names; show it (not confirmed) or add it (confirmed). Admin check done by caller."""
    existing = await _stored_id(curation, ref)
    if existing is not None:
        return Problem(_("That film is already in the catalog as #{existing}.", existing=existing), kind="conflict")
    try:
        film = await curation.sources.fetch(ref)
    except SourceError as exc:
        return Problem(_("I couldn't look that up: {exc}.", exc=exc), kind="error")
    if film is None:
        return Problem(
            _("{kind} has no film {key}.", kind=SOURCE_NAMES.get(ref.kind, ref.kind), key=ref.key), kind="not_found"
        )
    if not confirmed:
        return preview(film, ref)
    return await curation._add(actor, film)


async def _stored_id(curation: Curation, ref: FilmRef) -> int | None:
    async with curation.db.session() as session:
        return await FilmRepository(session).find_existing_id(Film(title="\x00", external_ids={ref.kind: ref.key}))


def preview(film: Film, ref: FilmRef) -> Text:
    """The fetched record, plain, with how to confirm (the card proper needs a stored film)."""
    heading = f"{film.title} ({film.year})" if film.year else film.title
    lines = []
    if film.original_title:
        lines.append(_("Original title: {original_title}", original_title=film.original_title))
    if film.directors:
        lines.append(_("Directed by ") + ", ".join(film.directors[:3]))
    if film.cast:
        lines.append(_("With ") + ", ".join(c.name for c in film.cast[:4]))
    facts = [f"{film.runtime_minutes} min"] if film.runtime_minutes else []
    facts += [", ".join(film.genres[:3])] if film.genres else []
    if film.country:
        facts.append(film.country)
    if facts:
        lines.append(" · ".join(facts))
    if film.synopsis:
        lines.append(film.synopsis[:400])
    ids = ", ".join(f"{k}:{v}" for k, v in film.external_ids.items())
    lines.append(
        _("Found on {source} ({ids}).", source=SOURCE_NAMES.get(film.source or "", film.source or "?"), ids=ids)
    )
    lines.append(_("Not added yet. To add it: /film add {key} confirm", key=ref.key))
    return Text("\n".join(lines), title=heading)
