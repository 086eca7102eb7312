"""Reading the curation record: the audit log, what people searched for and didn't find, and the
"wrong film?" reports users send (with a per-user, per-film rate limit so a button can't flood admins)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.commands import Actor
from bot.curation.store import AuditEntry, CurationRepository, Origin, who_label
from bot.films.model import Film
from bot.i18n import _
from bot.replies import Problem, Reply, Text
from bot.store.films import FilmRepository
from bot.text import clean_text

if TYPE_CHECKING:
    from bot.curation.service import Curation

LOG_ROWS = 15
MISS_ROWS = 20
MISS_WINDOW = timedelta(days=30)
REPORT_ROWS = 20
REPORT_COOLDOWN = timedelta(hours=12)
MAX_NOTE_CHARS = 500
MAX_SHOWN_VALUE = 80


def ago(then: datetime, now: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds >= 86400:
        return _("{n} d ago", n=seconds // 86400)
    if seconds >= 3600:
        return _("{n} h ago", n=seconds // 3600)
    if seconds >= 60:
        return _("{n} min ago", n=seconds // 60)
    return _("just now")


def _short(value: str | None) -> str:
    if value is None:
        return "—"
    return value if len(value) <= MAX_SHOWN_VALUE else value[: MAX_SHOWN_VALUE - 1] + "…"


def _label(film: Film | None, film_id: int | None) -> str:
    if film_id is None:
        return ""
    if film is None:
        return f"#{film_id}"
    year = f" ({film.year})" if film.year else ""
    return f"{film.title}{year} #{film_id}"


def audit_line(entry: AuditEntry, film: Film | None, now: datetime) -> str:
    what = entry.action
    target = _label(film, entry.film_id)
    if target:
        what += f" {target}"
    if entry.field:
        what += f" · {entry.field}: {_short(entry.old_value)} → {_short(entry.new_value)}"
    elif entry.new_value:
        what += f" · {_short(entry.new_value)}"
    stamp = entry.at.strftime("%Y-%m-%d %H:%M")
    return f"{stamp} ({ago(entry.at, now)}) · {entry.who} · {what}"


def _here(scope: Origin | None) -> str:
    return "" if scope is None else _(" from this chat")


async def audit_log(cur: Curation, film: Film | None, scope: Origin | None = None) -> Reply:
    """`film log [film]`: newest changes first, of one film or of the whole catalog; only changes made in
    `scope` (a chat) when given."""
    film_id = film.id if film is not None else None
    async with cur.db.session() as session:
        entries = await CurationRepository(session).audit(film_id, limit=LOG_ROWS, origin=scope)
    if not entries:
        if film is None:
            return Text(_("No changes recorded{scope} yet.", scope=_here(scope)))
        return Text(_("No changes recorded{scope} for {film}.", scope=_here(scope), film=_label(film, film_id)))
    ids = {e.film_id for e in entries if e.film_id is not None}
    async with cur.db.session() as session:
        films = await FilmRepository(session).get_many(ids, include_removed=True)
    now = cur.clock()
    lines = [audit_line(e, films.get(e.film_id or 0), now) for e in entries]
    heading = (_("Recent changes") if film is None else _("Changes to {film}", film=_label(film, film_id))) + _here(
        scope
    )
    return Text("\n".join(lines), title=heading)


async def top_misses(cur: Curation, scope: Origin | None = None) -> Reply:
    """`film misses`: the most frequent recent queries that found nothing good (in `scope`, a chat, when
    given; summed over every chat otherwise)."""
    now = cur.clock()
    async with cur.db.session() as session:
        misses = await CurationRepository(session).top_misses(since=now - MISS_WINDOW, limit=MISS_ROWS, origin=scope)
    if not misses:
        return Text(
            _("No searches{scope} came up empty in the last 30 days.", scope=_here(scope)), title=_("Search misses")
        )
    lines = [_("{count}× “{query}” — last {ago}", count=m.count, query=m.query, ago=ago(m.last_seen, now))
             for m in misses]  # fmt: skip
    lines.append(_("Add a film with /film add, or point a query at a film with /film alias."))
    return Text("\n".join(lines), title=_("Searches{scope} that found nothing (30 days)", scope=_here(scope)))


async def report_wrong_film(cur: Curation, actor: Actor, film_id: int, query: str | None, note: str | None) -> Reply:
    """Anyone may report that a card showed the wrong film; one report per user and film per 12 h."""
    text_query = clean_text(query or "")[:200] or None
    text_note = clean_text(note or "")
    if len(text_note) > MAX_NOTE_CHARS:
        return Problem(_("Please keep the note under {MAX_NOTE_CHARS} characters.", MAX_NOTE_CHARS=MAX_NOTE_CHARS))
    now = cur.clock()
    async with cur.db.session() as session, session.begin():
        film = await FilmRepository(session).get(film_id)
        if film is None:
            return Problem(_("That film is no longer in the catalog."), kind="not_found")
        repo = CurationRepository(session)
        last = await repo.last_report_at(actor, film_id)
        if last is not None and now - last < REPORT_COOLDOWN:
            return Text(_("Thanks — you already reported this film; the admins will look at it."))
        report_id = await repo.add_report(actor, film_id, query=text_query, note=text_note or None, at=now)
    learning = cur.films.learning
    if learning is not None:  # the film, and the query that led to it, rank lower from now on
        learning.reported(film_id, text_query)
    return Text(
        _(
            "Thanks! Report #{report_id} about {film} was sent to the admins.",
            report_id=report_id,
            film=_label(film, film_id),
        )
    )


async def open_reports(cur: Curation, scope: Origin | None = None) -> Reply:
    """`film reports`: open reports (sent from `scope`, a chat, when given), oldest first, with what to do."""
    async with cur.db.session() as session:
        repo = CurationRepository(session)
        reports = await repo.reports(limit=REPORT_ROWS, origin=scope)
        total = await repo.count_reports(origin=scope)
        films = await FilmRepository(session).get_many({r.film_id for r in reports}, include_removed=True)
    if not reports:
        return Text(_("No open reports{scope}.", scope=_here(scope)), title=_("Wrong-film reports"))
    now = cur.clock()
    lines = []
    for r in reports:
        who = f"{r.display_name} " if r.display_name else ""
        line = _("Report {id}: {film_id}", id=r.id, film_id=_label(films.get(r.film_id), r.film_id))
        if r.query:
            line += f" · searched “{r.query}”"
        if r.note:
            line += f" · “{_short(r.note)}”"
        lines.append(f"{line} · by {who}({r.platform}:{r.user_id}), {ago(r.created_at, now)}")
    more = _("\n…and {reports} more.", reports=total - len(reports)) if total > len(reports) else ""
    hint = _("\nFix the film (/film edit, /film alias) then close the report: /film resolve_report <id>")
    if scope is not None:
        hint = _("\nThe bot's catalog owners fix films and close reports.")
    return Text(
        "\n".join(lines) + more + hint,
        title=_("Wrong-film reports{scope} ({total} open)", scope=_here(scope), total=total),
    )


async def resolve_report(cur: Curation, actor: Actor, report_id: int) -> Reply:
    now = cur.clock()
    async with cur.db.session() as session, session.begin():
        repo = CurationRepository(session)
        report = await repo.report(report_id)
        if report is None:
            return Problem(_("There is no report {report_id}.", report_id=report_id), kind="not_found")
        if not await repo.resolve_report(report_id, by=who_label(actor), at=now):
            return Problem(
                _(
                    "Report {report_id} is already closed (by {resolved_by}).",
                    report_id=report_id,
                    resolved_by=report.resolved_by,
                ),
                kind="conflict",
            )
        await repo.add_audit(
            actor, "resolve", at=now, film_id=report.film_id, field="report", old="open", new=f"{report_id} closed"
        )
    return Text(_("Report {report_id} closed.", report_id=report_id))
