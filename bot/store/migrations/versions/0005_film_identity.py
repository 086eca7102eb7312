"""Film identity enforced by the database: a unique key for films without external ids.

Backfill: every film without external ids gets `identity_key` (year + digest of its NFKC-casefolded
title, `bot.store.mapping.identity_key`). Duplicates already stored (same key) must not break the
upgrade and must not be merged behind anyone's back: the lowest id keeps the plain key, every other
gets "<key>|#<id>" (still unique) and is named in a warning, so an admin can merge or remove them.

Revision ID: 0005_film_identity
Revises: 0004_ballot_event_order
Create Date: 2025-01-05
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_film_identity"
down_revision: str | None = "0004_ballot_event_order"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    from bot.films.model import Film
    from bot.store.mapping import identity_key

    op.add_column("films", sa.Column("identity_key", sa.String(80), nullable=True))
    bind = op.get_bind()
    films = sa.table("films", sa.column("id", sa.Integer), sa.column("title", sa.String),
                     sa.column("year", sa.Integer), sa.column("identity_key", sa.String))  # fmt: skip
    ext = sa.table("film_external_ids", sa.column("film_id", sa.Integer))
    with_ids = sa.select(ext.c.film_id).distinct()
    rows = bind.execute(
        sa.select(films.c.id, films.c.title, films.c.year).where(films.c.id.not_in(with_ids)).order_by(films.c.id)
    )
    seen: dict[str, int] = {}
    params: list[dict[str, object]] = []
    for film_id, title, year in rows:
        key = identity_key(Film(title=title, year=year))
        assert key is not None
        if key in seen:
            log.warning("film #%s duplicates film #%s (%r, %s); kept apart, merge or remove it", film_id,
                        seen[key], title, year)  # fmt: skip
            key = f"{key}|#{film_id}"
        else:
            seen[key] = film_id
        params.append({"b_id": film_id, "key": key})
    stmt = films.update().where(films.c.id == sa.bindparam("b_id")).values(identity_key=sa.bindparam("key"))
    for i in range(0, len(params), 1000):
        bind.execute(stmt, params[i : i + 1000])
    op.create_index("ux_films_identity_key", "films", ["identity_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_films_identity_key", table_name="films")
    with op.batch_alter_table("films") as batch:
        batch.drop_column("identity_key")
