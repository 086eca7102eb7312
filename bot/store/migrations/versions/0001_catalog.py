"""Film catalog: films, their titles, genres, credits, external ids, and the catalog state row.

Revision ID: 0001_catalog
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_catalog"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "films",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("title_folded", sa.String(), nullable=False),
        sa.Column("original_title", sa.String(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("release_date", sa.Date(), nullable=True),
        sa.Column("runtime_minutes", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(), nullable=True),
        sa.Column("content_rating", sa.String(), nullable=True),
        sa.Column("synopsis", sa.Text(), nullable=True),
        sa.Column("votes", sa.Integer(), nullable=True),
        sa.Column("rating", sa.Float(), nullable=True),
        sa.Column("trailer_url", sa.String(), nullable=True),
        sa.Column("poster_url", sa.String(), nullable=True),
        sa.Column("info_url", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=True),
        sa.Column("removed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_films"),
    )
    op.create_index("ix_films_title_folded_year", "films", ["title_folded", "year"])

    op.create_table(
        "film_titles",
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name="fk_film_titles_film_id_films", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("film_id", "kind", "position", name="pk_film_titles"),
    )

    op.create_table(
        "film_genres",
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("genre", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name="fk_film_genres_film_id_films", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("film_id", "position", name="pk_film_genres"),
    )
    op.create_index("ix_film_genres_genre_film_id", "film_genres", ["genre", "film_id"])

    op.create_table(
        "film_credits",
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("character", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name="fk_film_credits_film_id_films", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("film_id", "position", name="pk_film_credits"),
    )

    op.create_table(
        "film_external_ids",
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name="fk_film_external_ids_film_id_films", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("film_id", "source", name="pk_film_external_ids"),
        sa.UniqueConstraint("source", "key", name="uq_film_external_ids_source_key"),
    )

    catalog_state = op.create_table(
        "catalog_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("seeded", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("seeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_state"),
    )
    op.bulk_insert(catalog_state, [{"id": 1, "version": 0, "seeded": False}])


def downgrade() -> None:
    op.drop_table("catalog_state")
    op.drop_table("film_external_ids")
    op.drop_table("film_credits")
    op.drop_index("ix_film_genres_genre_film_id", table_name="film_genres")
    op.drop_table("film_genres")
    op.drop_table("film_titles")
    op.drop_index("ix_films_title_folded_year", table_name="films")
    op.drop_table("films")
