"""films.familiarity: how well people likely know a film, from its record, kept with the row.

`/random` and `/movienight suggest` prefer films people know (votes), else described ones (a synopsis and at
least 4 cast members). Computed per call that was a correlated count of each film's cast over the whole
catalog (0.2-0.7 s on the starter catalog); now it is a column written with every film row
(`bot.store.mapping.film_values`) and read through an index. Existing rows are filled in here, with the same
rule as `bot.films.familiarity.record_familiarity`.

Revision ID: 0013_film_familiarity
Revises: 0012_chat_language
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_film_familiarity"
down_revision: str | None = "0012_chat_language"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rule of bot.films.familiarity at this revision (a migration must not change when that module does).
KNOWN, DESCRIBED, CAST_LISTED = 2, 1, 4


def upgrade() -> None:
    with op.batch_alter_table("films") as batch:
        batch.add_column(sa.Column("familiarity", sa.SmallInteger(), nullable=False, server_default="0"))
    op.execute(
        sa.text(
            f"""
            UPDATE films SET familiarity = CASE
                WHEN votes > 0 THEN {KNOWN}
                WHEN synopsis IS NOT NULL AND synopsis <> ''
                     AND (SELECT count(*) FROM film_credits c WHERE c.film_id = films.id AND c.role = 'cast')
                         >= {CAST_LISTED}
                THEN {DESCRIBED}
                ELSE 0 END
            """
        )
    )
    with op.batch_alter_table("films") as batch:
        batch.create_index(
            "ix_films_familiarity", ["removed", "familiarity", "votes", "runtime_minutes", "content_rating"]
        )


def downgrade() -> None:
    with op.batch_alter_table("films") as batch:
        batch.drop_index("ix_films_familiarity")
        batch.drop_column("familiarity")
