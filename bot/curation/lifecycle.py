"""Aliases (pin a query to a film) and soft removal with undo: changes that also touch search directly.

Removal is a flag, never a delete: the film vanishes from search at once, its history and reports stay, and
`restore` (or the Undo button, `Curation.undo_remove`) brings it back exactly as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.commands import Actor
from bot.curation.common import GROUP, actor_name, film_label
from bot.curation.edits import Change
from bot.curation.fields import FieldError, title_value
from bot.curation.search_hooks import query_key
from bot.curation.store import CurationRepository
from bot.films.cards import film_card
from bot.films.model import Film
from bot.films.service import PICKER_SIZE, parse_film_ref
from bot.i18n import _
from bot.replies import Action, FilmChoice, FilmList, Problem, Reply, Text
from bot.store.films import FilmRepository
from bot.store.mapping import films_t
from bot.text import clean_text

if TYPE_CHECKING:
    from bot.curation.service import Curation


# --- aliases ---------------------------------------------------------------------------------


async def alias(cur: Curation, actor: Actor, film: str, alias: str) -> Reply:
    found = await cur.target(film, command="alias")
    if not isinstance(found, Film):
        return found
    assert found.id is not None
    try:
        title = title_value("alias", alias)
    except FieldError as exc:
        return Problem(str(exc))
    owner = cur.pins.owner(title)
    if owner is not None and owner != found.id and cur.pins(title) == owner:
        return Problem(
            _("“{title}” already pins film #{owner}.", title=title, owner=owner),
            kind="conflict",
            hint=_("Remove it there first: /{GROUP} unalias #{owner} {title}", GROUP=GROUP, owner=owner, title=title),
        )

    def add(f: Film) -> Change:
        key = query_key(title)
        if any(query_key(a) == key for a in f.aliases):
            raise FieldError(_("“{title}” is already an alias of this film.", title=title))
        return Change(f.replace(aliases=[*f.aliases, title]), "aliases", None, title)

    try:
        change = await cur.change(actor, found.id, "alias", add)
    except FieldError as exc:
        return Problem(str(exc))
    if isinstance(change, Problem):
        return change
    cur.pins.pin(title, found.id)
    return Text(
        _("“{title}” now finds {film} (#{id}) first.", title=title, film=film_label(change.film), id=found.id),
        title=_("Alias added"),
    )


async def unalias(cur: Curation, actor: Actor, film: str, alias: str) -> Reply:
    found = await cur.target(film, command="unalias")
    if not isinstance(found, Film):
        return found
    assert found.id is not None
    key = query_key(alias)

    def drop(f: Film) -> Change:
        gone = [a for a in f.aliases if query_key(a) == key]
        if not key or not gone:
            known = ", ".join(f.aliases) or _("none")
            raise FieldError(
                _(
                    "“{alias}” is not an alias of this film (aliases: {known}).",
                    alias=clean_text(alias)[:60],
                    known=known,
                )
            )
        return Change(f.replace(aliases=[a for a in f.aliases if a not in gone]), "aliases", gone[0], None)

    try:
        change = await cur.change(actor, found.id, "unalias", drop)
    except FieldError as exc:
        return Problem(str(exc))
    if isinstance(change, Problem):
        return change
    cur.pins.unpin(alias, found.id)
    return Text(
        _("“{old}” no longer points to {film}.", old=change.old, film=film_label(change.film)), title=_("Alias removed")
    )


# --- remove / restore ------------------------------------------------------------------------


async def remove(cur: Curation, actor: Actor, film: str) -> Reply:
    found = await cur.target(film, command="remove", include_removed=True)
    if not isinstance(found, Film):
        return found
    assert found.id is not None
    done = await _set_removed(cur, actor, found.id, removed=True)
    if isinstance(done, Problem):
        return done
    return Text(
        _(
            "Removed {done} (#{id}). It no longer shows up in search. Undo with /{GROUP} restore #{id}.",
            done=film_label(done),
            id=found.id,
            GROUP=GROUP,
        ),
        title=_("Film removed"),
        actions=(Action("undo_remove", found.id, _("Undo")),),
    )


async def restore(cur: Curation, actor: Actor, film: str) -> Reply:
    """`film restore <#id or exact title of a removed film>` after the admin check."""
    text = clean_text(film)
    ref = parse_film_ref(text)
    if ref is not None:
        return await restore_id(cur, actor, ref)
    async with cur.db.session() as session:
        f = films_t.c
        rows = (
            await session.execute(
                select(f.id, f.title, f.year)
                .where(f.removed.is_(True), f.title_folded == text.casefold())
                .order_by(f.id)
                .limit(PICKER_SIZE)
            )
        ).all()
    if len(rows) == 1:
        return await restore_id(cur, actor, int(rows[0][0]))
    if not rows:
        return Problem(
            _("No removed film is called “{text}”.", text=text[:80]), kind="not_found", hint=_("Use its #id.")
        )
    items = tuple(FilmChoice(film_id=i, title=t, year=y) for i, t, y in rows)
    return FilmList(
        kind="did_you_mean",
        query=text,
        items=items,
        heading=_("Several removed films have that title. Which one?"),
        total=len(items),
        hint=_("Run /{GROUP} restore #id with the film's id.", GROUP=GROUP),
    )


async def restore_id(cur: Curation, actor: Actor, film_id: int) -> Reply:
    done = await _set_removed(cur, actor, film_id, removed=False)
    if isinstance(done, Problem):
        return done
    return film_card(done, notice=_("Restored by {actor}.", actor=actor_name(actor)))


async def _set_removed(cur: Curation, actor: Actor, film_id: int, *, removed: bool) -> Film | Problem:
    now = cur.clock()
    async with cur.db.write() as session:
        repo = FilmRepository(session)
        film = await repo.get_for_update(film_id, include_removed=True)
        if film is None:
            return Problem(_("There is no film #{film_id} in the catalog.", film_id=film_id), kind="not_found")
        if film.removed == removed:
            state = _("removed") if removed else _("in the catalog")
            return Problem(
                _("{film} (#{film_id}) is already {state}.", film=film_label(film), film_id=film_id, state=state),
                kind="conflict",
            )
        await repo.set_removed(film_id, removed)
        await CurationRepository(session).add_audit(
            actor,
            "remove" if removed else "restore",
            at=now,
            film_id=film_id,
            field="removed",
            old="no" if removed else "yes",
            new="yes" if removed else "no",
        )
    film = film.replace(removed=removed)
    if removed:
        cur.catalog.film_removed(film_id)
    else:
        cur.catalog.film_changed(film)
    return film
