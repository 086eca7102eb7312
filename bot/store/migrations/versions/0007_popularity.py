"""Learned popularity: decaying scores per film and per (normalised query -> chosen film).

Revision ID: 0007_popularity
Revises: 0006_group_scopes
Create Date: 2025-01-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_popularity"
down_revision: str | None = "0006_group_scopes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "film_popularity",
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["film_id"], ["films.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("film_id"),
    )
    op.create_table(
        "query_choices",
        sa.Column("query_key", sa.String(200), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["film_id"], ["films.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("query_key", "film_id"),
    )


def downgrade() -> None:
    op.drop_table("query_choices")
    op.drop_table("film_popularity")
