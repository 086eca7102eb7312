"""`Curation`: the admin use-cases that change the catalog, and the adapter-facing API (see the package doc).

Every change follows one order: open a transaction, re-read the film, apply the change, write the audit row
in the same transaction, commit, THEN update the search index, then build the reply. A failure before
the commit leaves the database and the index as they were.

Entry points adapters call directly (not through the registry: modal fields, attachments, buttons) check
the permission themselves from the command's spec (`bot.commands.permitted`), so the spec stays the one
source of truth. Misses, reports and the log are scoped: catalog editors see every chat's, a group's admins
only their own chat's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import Actor, Permission, refusal, sees_everything
from bot.curation import feedback, lifecycle, transfer
from bot.curation.common import GROUP, Refused, actor_name, film_label
from bot.curation.edits import Change, apply_edit, detail_changes
from bot.curation.fields import FieldError, check_film, film_from_fields, parse_key_values
from bot.curation.search_hooks import AliasPins, MissLog
from bot.curation.store import CurationRepository, Origin, who_label
from bot.films.cards import choice_from_match, film_card
from bot.films.catalog import Catalog
from bot.films.importers import ImportFailed
from bot.films.model import Film
from bot.films.search import Match
from bot.films.service import PICKER_SIZE, check_query, parse_film_ref, resolve
from bot.i18n import N_, _
from bot.replies import FilmList, Problem, Reply, Text
from bot.sources import Sources
from bot.sources.add import add_by_ref, split_ref
from bot.store.films import ExternalIdConflict, FilmExists, FilmRepository
from bot.store.mapping import films_t
from bot.text import clean_text

if TYPE_CHECKING:
    from bot.commands import CommandRegistry
    from bot.config import Settings
    from bot.films.service import FilmService
    from bot.services import Services
    from bot.store.db import Database

log = logging.getLogger(__name__)

# A change names its film by #id, a pinned alias, or a title that matches (almost) exactly and alone.
ADMIN_TARGET_SCORE = 97.0


class Curation:
    """Admin curation of the catalog. Built once per process in the composition root (`bot.app.build_services`)."""

    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        catalog: Catalog,
        films: FilmService,
        registry: CommandRegistry,
        clock: Callable[[], datetime],
        pins: AliasPins,
        misses: MissLog,
        sources: Sources | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.catalog = catalog
        self.films = films
        self.registry = registry
        self._clock = clock
        self.pins = pins  # the film service asks them first (`pins.match`), wired in bot.app
        self.misses = misses  # the film service's `on_miss`
        self.sources = sources if sources is not None else Sources()  # for adds by id or link

    def clock(self) -> datetime:
        return self._clock()

    async def start(self) -> None:
        """Load the alias pins."""
        await self.pins.load(self.db)

    def pinned_match(self, query: str) -> Match | None:
        return self.pins.match(query)

    # --- permission -----------------------------------------------------------------------------

    def allowed(self, actor: Actor, command: str) -> Problem | None:
        """None when `actor` may run `/film <command>`, judged from its spec (owners only if no spec is known)."""
        spec = self.registry.get(command, group=GROUP)
        level = spec.permission if spec is not None else Permission.CATALOG_OWNER
        if not self.registry.allows(actor, level):
            log.info("refused %s %s for %s:%s in %s", GROUP, command, actor.platform, actor.user_id, actor.chat_id)
            return refusal(f"{GROUP} {command}", level)
        return None

    def scope(self, actor: Actor) -> Origin | None:
        """Whose misses, reports and changes `actor` may read: None (every chat's) or their own chat's."""
        return None if sees_everything(actor, self.registry.catalog_editors) else actor.origin

    async def close(self) -> None:
        """At shutdown: write the search misses still counted in memory."""
        await self.misses.close()

    # --- which film ------------------------------------------------------------------------------

    async def target(self, value: str, *, command: str, include_removed: bool = False) -> Film | Reply:
        """The one film a change is about: `#id`, a pinned alias, or a fuzzy title with no rival at all.

        Unlike a lookup, popularity never settles a tie here: near-ties return the picker, so an admin
        never edits a film by guess.
        """
        text = clean_text(value)
        ref = parse_film_ref(text)
        if ref is not None:
            film = await self.catalog.film(ref, include_removed=True)
            if film is None:
                return Problem(_("There is no film #{ref} in the catalog.", ref=ref), kind="not_found")
            if film.removed and not include_removed:
                return Problem(
                    _("{film} (#{ref}) is removed.", film=film_label(film), ref=ref),
                    kind="not_found",
                    hint=_("Bring it back first: /{GROUP} restore #{ref}", GROUP=GROUP, ref=ref),
                )
            return film
        checked = check_query(text)
        if isinstance(checked, Problem):
            return checked
        pin = self.pinned_match(checked)
        found = resolve(self.catalog.index.search(checked, limit=PICKER_SIZE * 2))
        certain = found.best is not None and found.clear and len(found.close) == 1
        if certain and found.best is not None and found.best.score < ADMIN_TARGET_SCORE:
            certain = False  # a typo-level match is a guess: an admin confirms it through the picker
        film_id = pin.film_id if pin else (found.best.film_id if certain and found.best else None)
        if film_id is not None:
            film = await self.catalog.film(film_id)
            if film is not None:
                return film
        if found.best is None and not found.close:
            return Problem(
                _("No film matches “{checked}”.", checked=checked),
                kind="not_found",
                hint=_("Check the title or use #id."),
            )
        items = tuple(choice_from_match(m) for m in found.close)
        return FilmList(
            kind="did_you_mean",
            query=checked,
            items=items,
            heading=_("Which film do you mean by “{checked}”?", checked=checked),
            total=len(items),
            hint=_(
                "Run /{GROUP} {command} again with the film's #id, e.g. #{film_id}.",
                GROUP=GROUP,
                command=command,
                film_id=items[0].film_id,
            ),
        )

    # --- add -------------------------------------------------------------------------------------

    async def add_film(self, actor: Actor, fields: Mapping[str, str]) -> Reply:
        """API for structured input (the Discord modal): title, year, native_title, alt_titles, genres,
        runtime, synopsis, trailer_url (and any other label `film add` understands)."""
        if (refused := self.allowed(actor, "add")) is not None:
            return refused
        try:
            film = film_from_fields(fields)
        except FieldError as exc:
            return Problem(str(exc))
        return await self._add(actor, film)

    async def add_text(self, actor: Actor, details: str) -> Reply:
        """API for a chat message: `Key: Value` lines (or one line of them) or a whole pasted film page."""
        if (refused := self.allowed(actor, "add")) is not None:
            return refused
        return await self.add_from_text(actor, details)

    async def add_from_text(self, actor: Actor, details: str) -> Reply:
        """`film add` after the admin check. Newlines kept: the importers' page parser reads it."""
        text = (details or "").strip()
        if not text:
            return Problem(_(ADD_HELP))
        if (by_ref := split_ref(text)) is not None:  # an IMDb/TMDB/Wikidata id or link: fetch, confirm, add
            return await add_by_ref(self, actor, by_ref[0], confirmed=by_ref[1])
        warnings: list[str] = []
        try:
            if "\n" in text:
                film, warnings = _parse_page(text)
            else:
                fields = parse_key_values(text)
                if fields is None:
                    return Problem(_("I need the details as Key: Value pairs."), hint=_(ADD_HELP))
                film = film_from_fields(fields)
        except FieldError as exc:
            return Problem(str(exc))
        except ImportFailed as exc:
            where = _("line {line}", line=exc.line) + ": " if exc.line is not None else ""
            return Problem(_("I couldn't read that: {where}{reason}", where=where, reason=exc.reason), hint=_(ADD_HELP))
        return await self._add(actor, film, warnings)

    async def _add(self, actor: Actor, film: Film, warnings: list[str] | None = None) -> Reply:
        now = self.clock()
        try:
            async with self.db.write() as session:
                repo = FilmRepository(session)
                await repo.lock_identity()  # a concurrent identical add waits here, then finds this one
                existing = await repo.find_existing_id(film)
                if existing is not None:
                    other = await repo.get(existing, include_removed=True)
                    raise Refused(_duplicate(existing, other))
                try:
                    stored = await repo.add(film.replace(id=None, removed=False, aliases=[]))
                except ExternalIdConflict as exc:
                    raise Refused(_duplicate(exc.other_film_id, None)) from None
                except FilmExists as exc:
                    raise Refused(_duplicate_of(exc)) from None
                await CurationRepository(session).add_audit(
                    actor, "add", at=now, film_id=stored.id, new=film_label(stored)
                )
        except Refused as exc:
            return exc.problem
        self.catalog.film_changed(stored)
        notice = _("Added by {actor}.", actor=actor_name(actor))
        if warnings:
            notice += _(" Ignored: ") + "; ".join(warnings[:3])
        return film_card(stored, notice=notice)

    # --- edit ------------------------------------------------------------------------------------

    async def edit(self, actor: Actor, film: str, field: str, value: str) -> Reply:
        """`film edit` after the admin check (the registry did it)."""
        found = await self.target(film, command="edit")
        if not isinstance(found, Film):
            return found
        assert found.id is not None
        try:
            change = await self.change(actor, found.id, "edit", lambda f: apply_edit(f, field, value))
        except FieldError as exc:
            return Problem(str(exc))
        if isinstance(change, Problem):
            return change
        if not change.changed:
            return Text(
                _(
                    "{film}: {field} is already “{new}”.",
                    film=film_label(change.film),
                    field=change.field,
                    new=change.new or "—",
                )
            )
        return film_card(change.film, notice=_change_notice(actor, change))

    async def edit_details(self, actor: Actor, film_id: int, values: Mapping[str, str]) -> Reply:
        """A details form (`DETAIL_FIELDS`) submitted: every changed field through `apply_edit`, in one
        transaction with one audit row; a bad value changes nothing. The admin check is done here."""
        if (refused := self.allowed(actor, "edit")) is not None:
            return refused
        try:
            change = await self.change(actor, film_id, "edit", lambda film: detail_changes(film, values))
        except FieldError as exc:
            return Problem(str(exc))
        if isinstance(change, Problem):
            return change
        notice = _("Updated: {new}.", new=change.new) if change.changed else _("Nothing to change.")
        return film_card(change.film, notice=notice)

    async def change(
        self, actor: Actor, film_id: int, action: str, mutate: Callable[[Film], Change]
    ) -> Change | Problem:
        """Re-read the film in a transaction, mutate it, store it with its audit row, then index it.

        `mutate` may raise FieldError (the transaction rolls back and the error propagates).
        """
        now = self.clock()
        try:
            async with self.db.write() as session:
                repo = FilmRepository(session)
                current = await repo.get_for_update(film_id)  # row lock: a concurrent edit waits, then re-reads
                if current is None:
                    raise Refused(Problem(_("That film is no longer in the catalog."), kind="not_found"))
                change = mutate(current)
                if not change.changed:
                    return change
                if change.field in ("title", "year"):
                    await _refuse_title_clash(session, change.film)
                try:
                    await repo.update(change.film)
                except FilmExists as exc:
                    raise Refused(_duplicate_of(exc)) from None
                await CurationRepository(session).add_audit(
                    actor, action, at=now, film_id=film_id, field=change.field, old=change.old, new=change.new
                )
        except Refused as exc:
            return exc.problem
        self.catalog.film_changed(change.film)
        return change

    # --- the rest of the API: thin, the work is in lifecycle / transfer / feedback ----------------

    async def alias(self, actor: Actor, film: str, alias: str) -> Reply:
        return await lifecycle.alias(self, actor, film, alias)

    async def unalias(self, actor: Actor, film: str, alias: str) -> Reply:
        return await lifecycle.unalias(self, actor, film, alias)

    async def remove(self, actor: Actor, film: str) -> Reply:
        return await lifecycle.remove(self, actor, film)

    async def restore(self, actor: Actor, film: str) -> Reply:
        return await lifecycle.restore(self, actor, film)

    async def undo_remove(self, actor: Actor, film_id: int) -> Reply:
        """API for the "Undo" button of a removal reply (admin only, from the `restore` spec)."""
        if (refused := self.allowed(actor, "restore")) is not None:
            return refused
        return await lifecycle.restore_id(self, actor, film_id)

    async def import_upload(self, actor: Actor, filename: str, data: bytes) -> Reply:
        """API for an attached file: all-or-nothing import, counts and the first problem with its line."""
        if (refused := self.allowed(actor, "import")) is not None:
            return refused
        return await transfer.import_upload(self, actor, filename, data)

    async def export(self, actor: Actor) -> Reply:
        """API: the catalog as a `FileReply` (JSONL; .jsonl.gz when large). Console/CLI: Text with a path."""
        if (refused := self.allowed(actor, "export")) is not None:
            return refused
        return await transfer.export_catalog(self, actor)

    async def report_wrong_film(
        self, actor: Actor, film_id: int, query: str | None = None, note: str | None = None
    ) -> Reply:
        """API for the "Wrong film?" button: any user; one report per user and film per 12 hours."""
        return await feedback.report_wrong_film(self, actor, film_id, query, note)

    async def log(self, actor: Actor, film: str | None) -> Reply:
        if film is None:
            return await feedback.audit_log(self, None, self.scope(actor))
        found = await self.target(film, command="log", include_removed=True)
        if not isinstance(found, Film):
            return found
        return await feedback.audit_log(self, found, self.scope(actor))

    async def top_misses(self, actor: Actor) -> Reply:
        await self.misses.flush()  # what was counted a moment ago is part of the answer
        return await feedback.top_misses(self, self.scope(actor))

    async def reports(self, actor: Actor) -> Reply:
        return await feedback.open_reports(self, self.scope(actor))

    async def resolve_report(self, actor: Actor, report_id: int) -> Reply:
        return await feedback.resolve_report(self, actor, report_id)


def curation_of(services: Services) -> Curation:
    """The process's Curation (adapters: `curation_of(services).add_film(actor, fields)`)."""
    return services.curation


ADD_HELP = N_(
    "Send the details as Key: Value lines, e.g.\n"
    "Title: Miracle in Cell No. 7\nYear: 2013\nNative Title: 7번방의 선물\n"
    "Alternative Titles: Gift From Room 7, December 23\nGenre: Comedy, Drama, Family\n"
    "Duration: 2 hr. 7 min.\nTrailer: https://…\n"
    "or paste a whole film page (title on the first line). Only the title is required."
)


def _parse_page(text: str) -> tuple[Film, list[str]]:
    """A multi-line message through the importers' page parser; a leading `Title:` label is allowed."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip())
    head = lines[first].strip()
    if head.casefold().startswith("title:"):
        lines[first] = head[len("title:") :].strip()
    from bot.films.importers import parse_text  # the readers load on first use

    batch = parse_text("\n".join(lines), "page", "message")
    if len(batch.films) != 1:
        raise FieldError(
            _("That is {count} films; add one at a time, or use /{GROUP} import.", count=len(batch.films), GROUP=GROUP)
        )
    return check_film(batch.films[0]), list(batch.warnings)


def _duplicate(existing: int, other: Film | None) -> Problem:
    what = f"{film_label(other)} (#{existing})" if other else f"film #{existing}"
    if other is not None and other.removed:
        return Problem(
            _("{what} is already in the catalog, but removed.", what=what),
            kind="conflict",
            hint=_("Bring it back with /{GROUP} restore #{existing}.", GROUP=GROUP, existing=existing),
        )
    return Problem(
        _("{what} is already in the catalog.", what=what),
        kind="conflict",
        hint=_("Change it with /{GROUP} edit #{existing} <field> <value>.", GROUP=GROUP, existing=existing),
    )


def _duplicate_of(exc: FilmExists) -> Problem:
    """The database refused a second film of the same identity (a concurrent add or edit got there first)."""
    which = (
        _("Film #{other_film_id}", other_film_id=exc.other_film_id)
        if exc.other_film_id is not None
        else _("Another film")
    )
    return Problem(_("{which} already has this title and year.", which=which), kind="conflict")


async def _refuse_title_clash(session: AsyncSession, film: Film) -> None:
    """An edit may not make a film a duplicate (same title and year) of another."""
    f = films_t.c
    year_cond = f.year.is_(None) if film.year is None else f.year == film.year
    other = await session.scalar(
        select(func.min(f.id)).where(f.title_folded == film.title.casefold(), year_cond, f.id != film.id)
    )
    if other is not None:
        raise Refused(
            Problem(
                _(
                    "Film #{other} already has the title “{title}” and year {year}.",
                    other=other,
                    title=film.title,
                    year=film.year or "—",
                ),
                kind="conflict",
            )
        )


def _change_notice(actor: Actor, change: Change) -> str:
    return f"{change.field}: {change.old or '—'} → {change.new or '—'} (by {who_label(actor)})"
