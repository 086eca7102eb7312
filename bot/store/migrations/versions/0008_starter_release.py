"""catalog_state.starter_release: which release of the shipped starter data a catalog has taken in.

Revision ID: 0008_starter_release
Revises: 0007_popularity
Create Date: 2025-01-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_starter_release"
down_revision: str | None = "0007_popularity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_state") as batch:
        batch.add_column(sa.Column("starter_release", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("catalog_state") as batch:
        batch.drop_column("starter_release")
