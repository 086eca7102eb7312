"""Admin add by id or link: `/film add tt6751668`, a TMDB/Wikidata link, or `tmdb:496243`.

The first command fetches the record and shows it for confirmation (nothing is stored) with an Add button
(`AddConfirmation`) that only the asking admin may press, for `CONFIRM_SECONDS`; pressing it (`confirm_add`)
stores the film through the curation add path (duplicate checks by external id, then title + year, and the
audit row). The button carries everything it needs (ref, asker, expiry), so it survives a restart like
every other button; a forged one gains nothing, since the presser must be that user and still an admin. A
terminal has no buttons: there the same command followed by ``confirm`` adds it (it works everywhere).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from bot.curation.actions import NOT_AVAILABLE
from bot.films.model import Film
from bot.i18n import _, ngettext
from bot.replies import AddConfirmation, Problem, Reply, Text
from bot.sources import SourceError
from bot.sources.refs import FilmRef, parse_ref
from bot.store.films import FilmRepository

if TYPE_CHECKING:
    from bot.commands import Actor
    from bot.curation.service import Curation

log = logging.getLogger(__name__)

CONFIRM_WORDS = frozenset({"confirm", "yes", "ok"})
CONFIRM_SECONDS = 600  # how long an Add button under a preview stays good
# Refs being added right now in this process: a second press while the first is still fetching is told so
# (the store's unique external ids would refuse a second film anyway; this spares the source a request).
_ADDING: set[str] = set()
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
        return preview(film, ref, actor.user_id, curation.clock())
    return await curation._add(actor, film)


async def confirm_add(curation: Curation, actor: Actor, ref_text: str, owner: str, expires: int) -> Reply:
    """The Add button under a preview: only its asker, before it expires, while still allowed to add."""
    ref = parse_ref(ref_text)
    if ref is None or ref.kind not in ("imdb", "tmdb", "wikidata"):
        return Problem(_(NOT_AVAILABLE), kind="not_found")
    again = f"/film add {_typed(ref)}"
    if actor.user_id != owner:
        log.info("refused add confirmation of %s by user %s (asked by %s)", ref, actor.user_id, owner)
        return Problem(
            _("Only the admin who asked can confirm this add."),
            kind="forbidden",
            hint=_("Run {command} yourself.", command=again),
        )
    if curation.clock().timestamp() > expires:
        return Problem(
            _("This confirmation has expired; nothing was added."), hint=_("Run {command} again.", command=again)
        )
    if (refused := curation.allowed(actor, "add")) is not None:
        return refused
    key = str(ref)
    if key in _ADDING:
        return Problem(_("That film is being added already."), kind="conflict")
    _ADDING.add(key)
    try:
        return await add_by_ref(curation, actor, ref, confirmed=True)
    finally:
        _ADDING.discard(key)


def _typed(ref: FilmRef) -> str:
    """The reference as an admin would type it (a bare TMDB number would not be recognised)."""
    return str(ref) if ref.kind == "tmdb" else ref.key


async def _stored_id(curation: Curation, ref: FilmRef) -> int | None:
    async with curation.db.session() as session:
        # By its id alone (no title to match: a placeholder title with a NUL byte made PostgreSQL refuse it).
        return await FilmRepository(session).find_id_by_external_ids({ref.kind: ref.key})


def preview(film: Film, ref: FilmRef, owner: str, now: datetime) -> Text:
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
    lines.append(_("Not added yet."))
    minutes = CONFIRM_SECONDS // 60
    confirm = AddConfirmation(
        ref=str(ref),
        owner=owner,
        expires=int(now.timestamp()) + CONFIRM_SECONDS,
        label=_("Add {title}", title=heading),
        button_hint=ngettext(
            "Press Add within {n} minute to add it.", "Press Add within {n} minutes to add it.", minutes
        ),
        typed_hint=_("To add it: /film add {ref} confirm", ref=_typed(ref)),
    )
    return Text("\n".join(lines), title=heading, confirm=confirm)
