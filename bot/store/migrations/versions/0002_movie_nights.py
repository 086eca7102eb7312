"""Movie nights: polls, frozen poll options, nominations (the slate), ballots, per-group settings.

Revision ID: 0002_movie_nights
Revises: 0001_catalog
Create Date: 2025-01-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_movie_nights"
down_revision: str | None = "0001_catalog"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "movie_nights",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("open_chat", sa.String(100), nullable=True),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("question", sa.String(300), nullable=False),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(64), nullable=True),
        sa.Column("native", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("platform_poll_id", sa.String(100), nullable=True),
        sa.Column("message_id", sa.String(100), nullable=True),
        sa.Column("winner_film_id", sa.Integer(), nullable=True),
        sa.Column("tie_seed", sa.Integer(), nullable=True),
        sa.Column("voters", sa.Integer(), server_default="0", nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("scores", sa.JSON(), nullable=True),
        sa.Column("watched_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["winner_film_id"], ["films.id"], name="fk_movie_nights_winner_film_id_films", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_movie_nights"),
        sa.UniqueConstraint("open_chat", name="uq_movie_nights_open_chat"),
        sa.UniqueConstraint(
            "platform", "platform_poll_id", name="uq_movie_nights_platform_platform_poll_id"
        ),
    )
    op.create_index("ix_movie_nights_closes_at", "movie_nights", ["closes_at"])
    op.create_index("ix_movie_nights_platform_chat_id_id", "movie_nights", ["platform", "chat_id", "id"])

    op.create_table(
        "movie_night_options",
        sa.Column("night_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["night_id"], ["movie_nights.id"], name="fk_movie_night_options_night_id_movie_nights",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name="fk_movie_night_options_film_id_films", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("night_id", "position", name="pk_movie_night_options"),
    )

    op.create_table(
        "movie_night_nominations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("nominated_by", sa.String(64), nullable=False),
        sa.Column("nominator_name", sa.String(100), nullable=True),
        sa.Column("nominated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name="fk_movie_night_nominations_film_id_films", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_movie_night_nominations"),
        sa.UniqueConstraint(
            "platform", "chat_id", "film_id", name="uq_movie_night_nominations_platform_chat_id_film_id"
        ),
    )

    op.create_table(
        "movie_night_ballots",
        sa.Column("night_id", sa.Integer(), nullable=False),
        sa.Column("voter_id", sa.String(64), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["night_id"], ["movie_nights.id"], name="fk_movie_night_ballots_night_id_movie_nights",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("night_id", "voter_id", name="pk_movie_night_ballots"),
    )

    op.create_table(
        "movie_night_settings",
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("max_rating", sa.String(40), nullable=True),
        sa.Column("poll_hours", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("platform", "chat_id", name="pk_movie_night_settings"),
    )


def downgrade() -> None:
    op.drop_table("movie_night_settings")
    op.drop_table("movie_night_ballots")
    op.drop_table("movie_night_nominations")
    op.drop_table("movie_night_options")
    op.drop_index("ix_movie_nights_platform_chat_id_id", table_name="movie_nights")
    op.drop_index("ix_movie_nights_closes_at", table_name="movie_nights")
    op.drop_table("movie_nights")
