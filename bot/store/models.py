"""Catalog tables. ORM rows stay inside bot/store: repositories hand out domain `Film` objects.

One row per film in ``films``; its list-valued parts live in child tables keyed by
(film_id, position) so their order survives a round trip. ``title_folded`` (casefolded title) backs
the case-insensitive title+year lookup that imports use when a record has no known external id;
``content_hash`` lets a re-import skip unchanged films without loading their children. ``identity_key``
(unique) makes the database itself refuse a second film without external ids of the same title + year,
so concurrent adds and imports converge on one film.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base


class FilmRow(Base):
    __tablename__ = "films"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String)
    title_folded: Mapped[str] = mapped_column(String)
    identity_key: Mapped[str | None] = mapped_column(String(80))  # see mapping.identity_key
    original_title: Mapped[str | None] = mapped_column(String)
    year: Mapped[int | None] = mapped_column(Integer)
    release_date: Mapped[date | None] = mapped_column(Date)
    runtime_minutes: Mapped[int | None] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(String)
    content_rating: Mapped[str | None] = mapped_column(String)
    synopsis: Mapped[str | None] = mapped_column(Text)
    votes: Mapped[int | None] = mapped_column(Integer)
    rating: Mapped[float | None] = mapped_column(Float)
    trailer_url: Mapped[str | None] = mapped_column(String)
    poster_url: Mapped[str | None] = mapped_column(String)
    info_url: Mapped[str | None] = mapped_column(String)
    source: Mapped[str | None] = mapped_column(String)
    removed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The catalog version this film's last change was committed under: other processes re-read only the
    # films changed after the version they hold (see Catalog.refresh_if_changed).
    changed_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # How well people likely know the film, from its record (bot.films.familiarity: 2 voted, 1 synopsis and
    # cast, 0), written with every row so suggestions read an index instead of counting each film's cast.
    familiarity: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")

    __table_args__ = (
        Index("ix_films_title_folded_year", "title_folded", "year"),
        Index("ux_films_identity_key", "identity_key", unique=True),
        Index("ix_films_changed_version", "changed_version"),
        # Suggestions read it in order, the filters' columns included (no row lookups for 8,000 films).
        Index("ix_films_familiarity", "removed", "familiarity", "votes", "runtime_minutes", "content_rating"),
    )


class FilmTitleRow(Base):
    """Alternative titles (kind 'alt', from sources) and aliases (kind 'alias', added by admins).

    An alternative title may know its `language` (ISO 639-1, "ko") and `region` (ISO 3166-1, "KR");
    see bot.films.locales."""

    __tablename__ = "film_titles"

    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String)
    language: Mapped[str | None] = mapped_column(String(8))
    region: Mapped[str | None] = mapped_column(String(8))


class FilmGenreRow(Base):
    __tablename__ = "film_genres"

    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    genre: Mapped[str] = mapped_column(String)

    __table_args__ = (Index("ix_film_genres_genre_film_id", "genre", "film_id"),)


class FilmCreditRow(Base):
    """Directors, writers and cast in one list; `position` keeps the film's credit order."""

    __tablename__ = "film_credits"

    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String)
    character: Mapped[str | None] = mapped_column(String)


class FilmExternalIdRow(Base):
    """A source's key for a film ("ml" -> "105340"); one key per source and film, unique per source."""

    __tablename__ = "film_external_ids"

    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"), primary_key=True)
    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String)

    __table_args__ = (UniqueConstraint("source", "key"),)


class CatalogStateRow(Base):
    """Single row (id=1). `version` is bumped by every catalog change so other processes on the same
    database can notice and refresh their search index; `seeded` stops the starter catalog from being
    loaded again into a catalog an admin emptied on purpose; `starter_release` says which release of
    the starter data a seeded catalog has taken in, so a newer one is brought in once."""

    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    seeded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    seeded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Which release of the shipped starter data this catalog has taken in (bot.store.starter_upgrade);
    # 0: the first one, or a catalog never seeded.
    starter_release: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


# --- learned popularity (bot/films/popularity.py): counts of what people do, no user ids ---------------


class FilmPopularityRow(Base):
    """A film's learned score as of `updated_at` (it decays with a half-life; see bot.films.popularity)."""

    __tablename__ = "film_popularity"

    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QueryChoiceRow(Base):
    """How often a normalised query was answered with a film through a picker (decaying, like above)."""

    __tablename__ = "query_choices"

    query_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
