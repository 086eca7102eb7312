"""movie_night_settings.language and .default_language: the language a group's bot speaks.

`language` is the group's `/settings language` (NULL: auto — each member's own language, else the chat's
default); `default_language` is the platform's default for the chat as last seen (Discord's guild locale), so
scheduled announcements speak it with no member in the room.

Revision ID: 0012_chat_language
Revises: 0010_movie_night_carryover
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_chat_language"
down_revision: str | None = "0010_movie_night_carryover"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("movie_night_settings") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))
        batch.add_column(sa.Column("default_language", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("movie_night_settings") as batch:
        batch.drop_column("default_language")
        batch.drop_column("language")
