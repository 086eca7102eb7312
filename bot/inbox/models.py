"""The `update_inbox` table: every update a webhook worker acknowledged, until it is old enough to forget.

One row per (platform, update_id), so Telegram's retry of an update it got no answer for is recognised and
recorded once. `processed_at` is set when a worker takes the update to handle it; a partial index over the
pending rows (processed_at IS NULL) keeps "the oldest pending update of this key" and "keys with pending
updates" cheap however many handled rows are kept. Rows are pruned by `received_at` once Telegram can no
longer retry them (it keeps an unanswered update for 24 hours).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base


class InboxRow(Base):
    __tablename__ = "update_inbox"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    order_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index(
            "ix_update_inbox_pending",
            "platform",
            "order_key",
            "update_id",
            postgresql_where=text("processed_at IS NULL"),
            sqlite_where=text("processed_at IS NULL"),
        ),
    )
