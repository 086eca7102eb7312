"""Group scopes: remember the chat a change, a report or a search miss came from.

A group's admins see only their own chat's misses, reports and changes; catalog owners see all. Search
misses are counted per (platform, chat, query) from now on; older rows keep "" as their unknown origin.

Revision ID: 0006_group_scopes
Revises: 0005_film_identity
Create Date: 2025-01-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_group_scopes"
down_revision: str | None = "0005_film_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("chat_id", sa.String(64), nullable=True))
        batch.create_index("ix_audit_log_origin", ["platform", "chat_id", "id"])
    with op.batch_alter_table("film_reports") as batch:
        batch.add_column(sa.Column("chat_id", sa.String(64), nullable=True))
        batch.create_index("ix_film_reports_origin", ["platform", "chat_id", "status", "id"])
    with op.batch_alter_table("search_misses", recreate="always") as batch:
        batch.add_column(sa.Column("platform", sa.String(20), server_default="", nullable=False))
        batch.add_column(sa.Column("chat_id", sa.String(64), server_default="", nullable=False))
        batch.drop_constraint("pk_search_misses", type_="primary")
        batch.create_primary_key("pk_search_misses", ["platform", "chat_id", "query_key"])


def downgrade() -> None:
    # Per-chat counts fold back into one row per query.
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT query_key, MAX(query), SUM(count), MIN(first_seen), MAX(last_seen) "
            "FROM search_misses GROUP BY query_key"
        )
    ).all()
    conn.execute(sa.text("DELETE FROM search_misses"))
    with op.batch_alter_table("search_misses", recreate="always") as batch:
        batch.drop_constraint("pk_search_misses", type_="primary")
        batch.drop_column("chat_id")
        batch.drop_column("platform")
        batch.create_primary_key("pk_search_misses", ["query_key"])
    misses = sa.table(
        "search_misses",
        sa.column("query_key", sa.String),
        sa.column("query", sa.String),
        sa.column("count", sa.Integer),
        sa.column("first_seen", sa.DateTime(timezone=True)),
        sa.column("last_seen", sa.DateTime(timezone=True)),
    )
    if rows:
        op.bulk_insert(
            misses,
            [{"query_key": r[0], "query": r[1], "count": r[2], "first_seen": r[3], "last_seen": r[4]} for r in rows],
        )
    with op.batch_alter_table("film_reports") as batch:
        batch.drop_index("ix_film_reports_origin")
        batch.drop_column("chat_id")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_origin")
        batch.drop_column("chat_id")
