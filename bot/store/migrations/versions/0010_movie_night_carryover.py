"""movie_night_settings.carryover: whether a group's losing nominees stay on the slate after a night.

NULL (the default) means no: the next movie night starts from a fresh slate.

Revision ID: 0010_movie_night_carryover
Revises: 0009_film_changed_version
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_movie_night_carryover"
down_revision: str | None = "0009_film_changed_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("movie_night_settings") as batch:
        batch.add_column(sa.Column("carryover", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("movie_night_settings") as batch:
        batch.drop_column("carryover")
