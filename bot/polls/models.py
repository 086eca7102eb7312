"""Movie-night tables. ORM rows stay inside bot/polls/store.py; use-cases see plain dataclasses.

One row per poll in ``movie_nights`` (a "night" and its vote are the same thing: the night's film is the
poll's winner). Guarantees are put in the schema, not in hopeful code:

* ``open_chat`` is ``"<platform>:<chat_id>"`` while a poll is open and NULL once it closes; a unique
  constraint on it means a group can never have two open polls, even with several processes racing
  (NULLs never collide, on SQLite and PostgreSQL alike).
* ``movie_night_ballots`` has the primary key (night_id, voter_id): a member has at most one ballot per
  poll, so double votes count once and a changed vote replaces the old one (upserts). ``seq`` is the
  ordering key of the event that set it (Telegram ``update_id``, Discord interaction snowflake): an older
  event is refused by the upsert's condition. A retraction leaves the row with no choices (a tombstone
  with its ``seq``), so an older vote arriving after it can't resurrect the ballot.
* ``movie_night_nominations`` is unique on (platform, chat_id, film_id): a film is on a group's slate once.
* ``movie_night_options`` freezes the slate when the poll opens; ``position`` is the native poll's
  option index, so platform votes (indices) map back to films even if the slate changes later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base


class MovieNightRow(Base):
    __tablename__ = "movie_nights"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    open_chat: Mapped[str | None] = mapped_column(String(100), unique=True)
    mode: Mapped[str] = mapped_column(String(10))
    question: Mapped[str] = mapped_column(String(300))
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(64))
    native: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    platform_poll_id: Mapped[str | None] = mapped_column(String(100))
    message_id: Mapped[str | None] = mapped_column(String(100))
    winner_film_id: Mapped[int | None] = mapped_column(ForeignKey("films.id", ondelete="SET NULL"))
    tie_seed: Mapped[int | None] = mapped_column(Integer)
    voters: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    result: Mapped[str | None] = mapped_column(Text)
    scores: Mapped[list[Any] | None] = mapped_column(JSON)  # [[film_id, points], ...] in slate order
    watched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("platform", "platform_poll_id"),
        Index("ix_movie_nights_platform_chat_id_id", "platform", "chat_id", "id"),
    )


class NightOptionRow(Base):
    __tablename__ = "movie_night_options"

    night_id: Mapped[int] = mapped_column(ForeignKey("movie_nights.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(100))


class NominationRow(Base):
    __tablename__ = "movie_night_nominations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"))
    nominated_by: Mapped[str] = mapped_column(String(64))
    nominator_name: Mapped[str | None] = mapped_column(String(100))
    nominated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("platform", "chat_id", "film_id"),)


class BallotRow(Base):
    """One member's current vote: film ids, in rank order for ranked polls; none = retracted."""

    __tablename__ = "movie_night_ballots"

    night_id: Mapped[int] = mapped_column(ForeignKey("movie_nights.id", ondelete="CASCADE"), primary_key=True)
    voter_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    choices: Mapped[list[Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seq: Mapped[int | None] = mapped_column(BigInteger)  # the applied event's order; None = unordered events


class ChatSettingsRow(Base):
    """Per-group movie-night settings set by admins; NULL means "use the bot-wide setting"."""

    __tablename__ = "movie_night_settings"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    max_rating: Mapped[str | None] = mapped_column(String(40))
    poll_hours: Mapped[int | None] = mapped_column(Integer)
    carryover: Mapped[bool | None] = mapped_column(Boolean)  # losers stay on the slate; NULL: no
    language: Mapped[str | None] = mapped_column(String(8))  # `/settings language`; NULL: auto
    default_language: Mapped[str | None] = mapped_column(String(8))  # the platform's chat default, last seen
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
