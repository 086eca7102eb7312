"""CurationRepository: audit rows, search misses and reports as plain dataclasses (no ORM leaves here).

The caller owns the transaction, so an audit row is written in the same transaction as the change it
describes and both commit or neither does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import Actor
from bot.curation.models import QUERY_KEY_CHARS, AuditRow, FilmReportRow, SearchMissRow

audit_t = cast(Table, AuditRow.__table__)
misses_t = cast(Table, SearchMissRow.__table__)
reports_t = cast(Table, FilmReportRow.__table__)

Origin = tuple[str, str]  # (platform, chat id): where a change, report or miss came from; see Actor.origin
MAX_VALUE_CHARS = 4000  # an audit value (a synopsis, say) is cut here: the log is for people, not backups


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    platform: str
    user_id: str
    chat_id: str | None
    display_name: str | None
    action: str
    film_id: int | None
    field: str | None
    old_value: str | None
    new_value: str | None

    @property
    def who(self) -> str:
        name = f"{self.display_name} " if self.display_name else ""
        return f"{name}({self.platform}:{self.user_id})"


@dataclass(frozen=True, slots=True)
class MissEntry:
    query_key: str
    query: str
    count: int
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class MissCount:
    """Misses of one query in one chat, counted in memory between two flushes."""

    origin: Origin
    query_key: str
    query: str
    count: int
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class ReportEntry:
    id: int
    film_id: int
    platform: str
    user_id: str
    chat_id: str | None
    display_name: str | None
    query: str | None
    note: str | None
    created_at: datetime
    status: str
    resolved_at: datetime | None
    resolved_by: str | None


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _cut(value: str | None, limit: int) -> str | None:
    return None if value is None else value[:limit]


def who_label(actor: Actor) -> str:
    name = f"{actor.display_name} " if actor.display_name else ""
    return f"{name}({actor.platform}:{actor.user_id})"[:100]


class CurationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- audit ---------------------------------------------------------------------------------

    async def add_audit(
        self,
        actor: Actor,
        action: str,
        *,
        at: datetime,
        film_id: int | None = None,
        field: str | None = None,
        old: str | None = None,
        new: str | None = None,
    ) -> None:
        await self.session.execute(
            insert(audit_t).values(
                at=at,
                platform=actor.platform[:20],
                user_id=actor.user_id[:64],
                chat_id=actor.chat_id[:64],
                display_name=_cut(actor.display_name, 100),
                action=action[:20],
                film_id=film_id,
                field=_cut(field, 40),
                old_value=_cut(old, MAX_VALUE_CHARS),
                new_value=_cut(new, MAX_VALUE_CHARS),
            )
        )

    async def audit(
        self, film_id: int | None = None, limit: int = 20, *, origin: Origin | None = None
    ) -> list[AuditEntry]:
        """Newest first; one film's history, or everything; only changes made in `origin` when given."""
        q = select(*audit_t.c).order_by(audit_t.c.id.desc()).limit(limit)
        if film_id is not None:
            q = q.where(audit_t.c.film_id == film_id)
        if origin is not None:
            q = q.where(audit_t.c.platform == origin[0], audit_t.c.chat_id == origin[1])
        rows = (await self.session.execute(q)).mappings().all()
        return [AuditEntry(**{**dict(r), "at": utc(r["at"])}) for r in rows]

    # --- misses --------------------------------------------------------------------------------

    async def record_misses(self, misses: Iterable[MissCount]) -> None:
        """Add counted misses (insert or bump, race-free on both backends)."""
        dialect = self.session.get_bind().dialect.name
        for m in misses:
            key, query = m.query_key[:QUERY_KEY_CHARS], m.query[:QUERY_KEY_CHARS]
            values: dict[str, Any] = {
                "platform": m.origin[0][:20],
                "chat_id": m.origin[1][:64],
                "query_key": key,
                "query": query,
                "count": m.count,
                "first_seen": m.first_seen,
                "last_seen": m.last_seen,
            }
            stmt: Any
            if dialect == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                stmt = pg_insert(misses_t).values(values)
            else:
                from sqlalchemy.dialects.sqlite import insert as sqlite_insert

                stmt = sqlite_insert(misses_t).values(values)
            stmt = stmt.on_conflict_do_update(
                index_elements=[misses_t.c.platform, misses_t.c.chat_id, misses_t.c.query_key],
                set_={"count": misses_t.c.count + m.count, "last_seen": m.last_seen, "query": query},
            )
            await self.session.execute(stmt)

    async def record_miss(self, key: str, query: str, at: datetime, origin: Origin = ("", "")) -> None:
        """Count one miss of a normalised query."""
        await self.record_misses([MissCount(origin, key, query, 1, at, at)])

    async def prune_misses(self, *, keep: int, before: datetime) -> int:
        """Forget misses not seen since `before`, then all but the `keep` most frequent."""
        gone = await self.session.execute(delete(misses_t).where(misses_t.c.last_seen < before))
        removed = int(gone.rowcount or 0)  # type: ignore[attr-defined]
        total = int(await self.session.scalar(select(func.count()).select_from(misses_t)) or 0)
        if total > keep:
            m = misses_t.c
            cutoff = select(m.count, m.last_seen).order_by(m.count.desc(), m.last_seen.desc()).offset(keep - 1).limit(1)
            row = (await self.session.execute(cutoff)).first()
            if row is not None:
                count, last_seen = row
                weaker = (m.count < count) | ((m.count == count) & (m.last_seen < last_seen))
                extra = await self.session.execute(delete(misses_t).where(weaker))
                removed += int(extra.rowcount or 0)  # type: ignore[attr-defined]
        return removed

    async def top_misses(self, *, since: datetime, limit: int = 20, origin: Origin | None = None) -> list[MissEntry]:
        """The most frequent misses: of one chat (`origin`), or summed over every chat."""
        m = misses_t.c
        count = func.sum(m.count).label("count")
        last_seen = func.max(m.last_seen).label("last_seen")
        q = (
            select(
                m.query_key,
                func.max(m.query).label("query"),
                count,
                func.min(m.first_seen).label("first_seen"),
                last_seen,
            )
            .where(m.last_seen >= since)
            .group_by(m.query_key)
            .order_by(count.desc(), last_seen.desc())
            .limit(limit)
        )
        if origin is not None:
            q = q.where(m.platform == origin[0], m.chat_id == origin[1])
        rows = (await self.session.execute(q)).mappings().all()
        return [
            MissEntry(
                query_key=r["query_key"],
                query=r["query"],
                count=int(r["count"]),
                first_seen=utc(r["first_seen"]),
                last_seen=utc(r["last_seen"]),
            )
            for r in rows
        ]

    async def miss_count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(misses_t)) or 0)

    # --- reports -------------------------------------------------------------------------------

    async def add_report(self, actor: Actor, film_id: int, *, query: str | None, note: str | None, at: datetime) -> int:
        new_id = await self.session.scalar(
            insert(reports_t)
            .values(
                film_id=film_id,
                platform=actor.platform[:20],
                user_id=actor.user_id[:64],
                chat_id=actor.chat_id[:64],
                display_name=_cut(actor.display_name, 100),
                query=_cut(query, QUERY_KEY_CHARS),
                note=_cut(note, 500),
                created_at=at,
                status="open",
            )
            .returning(reports_t.c.id)
        )
        assert new_id is not None
        return int(new_id)

    async def last_report_at(self, actor: Actor, film_id: int) -> datetime | None:
        r = reports_t.c
        found = await self.session.scalar(
            select(func.max(r.created_at)).where(
                r.platform == actor.platform[:20], r.user_id == actor.user_id[:64], r.film_id == film_id
            )
        )
        return None if found is None else utc(found)

    async def reports(
        self, *, status: str = "open", limit: int = 20, origin: Origin | None = None
    ) -> list[ReportEntry]:
        q = select(*reports_t.c).where(reports_t.c.status == status).order_by(reports_t.c.id).limit(limit)
        if origin is not None:
            q = q.where(reports_t.c.platform == origin[0], reports_t.c.chat_id == origin[1])
        return [_report(r) for r in (await self.session.execute(q)).mappings().all()]

    async def report(self, report_id: int) -> ReportEntry | None:
        row = (await self.session.execute(select(*reports_t.c).where(reports_t.c.id == report_id))).mappings().first()
        return None if row is None else _report(row)

    async def count_reports(self, status: str = "open", *, origin: Origin | None = None) -> int:
        q = select(func.count()).select_from(reports_t).where(reports_t.c.status == status)
        if origin is not None:
            q = q.where(reports_t.c.platform == origin[0], reports_t.c.chat_id == origin[1])
        return int(await self.session.scalar(q) or 0)

    async def resolve_report(self, report_id: int, *, by: str, at: datetime) -> bool:
        """Close an open report; False when there is no such open report."""
        result = await self.session.execute(
            update(reports_t)
            .where(reports_t.c.id == report_id, reports_t.c.status == "open")
            .values(status="resolved", resolved_at=at, resolved_by=by[:100])
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _report(r: Any) -> ReportEntry:
    values = dict(r)
    values["created_at"] = utc(values["created_at"])
    if values["resolved_at"] is not None:
        values["resolved_at"] = utc(values["resolved_at"])
    return ReportEntry(**values)
