"""film_titles.language and film_titles.region: where an alternative title is used.

Both nullable: titles stored before (and admin aliases) have no known language or region.

Revision ID: 0011_title_language
Revises: 0010_movie_night_carryover
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_title_language"
down_revision: str | None = "0010_movie_night_carryover"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("film_titles") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))
        batch.add_column(sa.Column("region", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("film_titles") as batch:
        batch.drop_column("region")
        batch.drop_column("language")
