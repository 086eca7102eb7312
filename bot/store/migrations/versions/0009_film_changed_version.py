"""films.changed_version: the catalog version at which each film last changed.

Another process sharing the database asks "which films changed after the version I hold?" instead of
"which changed in the last minutes?": no clock, no margin, and rows written before a process loaded its
index (a fresh install's starter import) are never read again.

Revision ID: 0009_film_changed_version
Revises: 0008_starter_release
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_film_changed_version"
down_revision: str | None = "0008_starter_release"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("films") as batch:
        batch.add_column(sa.Column("changed_version", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index("ix_films_changed_version", ["changed_version"])


def downgrade() -> None:
    with op.batch_alter_table("films") as batch:
        batch.drop_index("ix_films_changed_version")
        batch.drop_column("changed_version")
