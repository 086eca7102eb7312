"""Ballots keep the ordering key of the event that set them (Telegram update_id, Discord snowflake), so an
older event arriving late (a retry, a second worker) is ignored instead of overwriting a newer vote.
A retraction keeps its row (empty choices) as a tombstone carrying its sequence.

Revision ID: 0004_ballot_event_order
Revises: 0003_curation
Create Date: 2025-01-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_ballot_event_order"
down_revision: str | None = "0003_curation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("movie_night_ballots", sa.Column("seq", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    # Tombstones (retractions) become what they were before: no row.
    op.execute("DELETE FROM movie_night_ballots WHERE CAST(choices AS TEXT) = '[]'")
    with op.batch_alter_table("movie_night_ballots") as batch:
        batch.drop_column("seq")
