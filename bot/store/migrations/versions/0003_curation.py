"""Curation: audit log, search misses, "wrong film?" reports.

Revision ID: 0003_curation
Revises: 0002_movie_nights
Create Date: 2025-01-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_curation"
down_revision: str | None = "0002_movie_nights"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(40), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_film_id_id", "audit_log", ["film_id", "id"])

    op.create_table(
        "search_misses",
        sa.Column("query_key", sa.String(200), nullable=False),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("count", sa.Integer(), server_default="1", nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("query_key", name="pk_search_misses"),
    )
    op.create_index("ix_search_misses_last_seen", "search_misses", ["last_seen"])

    op.create_table(
        "film_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=True),
        sa.Column("query", sa.String(200), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(10), server_default="open", nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name="fk_film_reports_film_id_films", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_film_reports"),
    )
    op.create_index("ix_film_reports_status_id", "film_reports", ["status", "id"])
    op.create_index(
        "ix_film_reports_reporter", "film_reports", ["platform", "user_id", "film_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_film_reports_reporter", table_name="film_reports")
    op.drop_index("ix_film_reports_status_id", table_name="film_reports")
    op.drop_table("film_reports")
    op.drop_index("ix_search_misses_last_seen", table_name="search_misses")
    op.drop_table("search_misses")
    op.drop_index("ix_audit_log_film_id_id", table_name="audit_log")
    op.drop_table("audit_log")
