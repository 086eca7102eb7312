"""update_inbox: updates a webhook worker acknowledged, processed per chat in update_id order by any worker.

See bot/inbox/ordered.py for the design. The partial index covers only pending rows, so it stays small
while handled rows are kept (for recognising Telegram's retries) until they are pruned.

Revision ID: 0014_update_inbox
Revises: 0013_film_familiarity
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_update_inbox"
down_revision: str | None = "0013_film_familiarity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "update_inbox",
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("order_key", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("platform", "update_id", name="pk_update_inbox"),
    )
    op.create_index("ix_update_inbox_received_at", "update_inbox", ["received_at"])
    pending = sa.text("processed_at IS NULL")
    op.create_index(
        "ix_update_inbox_pending",
        "update_inbox",
        ["platform", "order_key", "update_id"],
        postgresql_where=pending,
        sqlite_where=pending,
    )


def downgrade() -> None:
    op.drop_index("ix_update_inbox_pending", table_name="update_inbox")
    op.drop_index("ix_update_inbox_received_at", table_name="update_inbox")
    op.drop_table("update_inbox")
