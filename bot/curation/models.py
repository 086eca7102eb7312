"""Curation tables: the audit log, recent search misses and "wrong film?" reports.

They live beside the catalog tables on the one `Base` so Alembic sees them (revision 0003_curation).
`film_id` columns in the audit log carry no foreign key on purpose: the log must outlive anything it
describes, and films are only ever soft-deleted anyway.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base

QUERY_KEY_CHARS = 200  # normalised queries are cut to this (search cuts queries there too)


class AuditRow(Base):
    """One change by one person: who (platform, user id, display name), what, when, old -> new."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str | None] = mapped_column(String(64))  # where the change was made (0006_group_scopes)
    display_name: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    film_id: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_audit_log_film_id_id", "film_id", "id"),
        Index("ix_audit_log_origin", "platform", "chat_id", "id"),
    )


class SearchMissRow(Base):
    """A normalised query that found nothing good in one chat, how often, and when last; pruned to a bounded
    size. `platform`/`chat_id` are "" for misses of unknown origin (inline mode, rows from before 0006)."""

    __tablename__ = "search_misses"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True, server_default="")
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True, server_default="")
    query_key: Mapped[str] = mapped_column(String(QUERY_KEY_CHARS), primary_key=True)
    query: Mapped[str] = mapped_column(String(QUERY_KEY_CHARS))
    count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_search_misses_last_seen", "last_seen"),)


class FilmReportRow(Base):
    """A user's "wrong film?" report: the film they got, what they typed, an optional note."""

    __tablename__ = "film_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str | None] = mapped_column(String(64))  # where the report was sent from (0006_group_scopes)
    display_name: Mapped[str | None] = mapped_column(String(100))
    query: Mapped[str | None] = mapped_column(String(QUERY_KEY_CHARS))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        Index("ix_film_reports_status_id", "status", "id"),
        Index("ix_film_reports_reporter", "platform", "user_id", "film_id", "created_at"),
        Index("ix_film_reports_origin", "platform", "chat_id", "status", "id"),
    )
