"""How well people are likely to know a film, for suggestions (`/random`, `/movienight suggest`): 2 when people
have voted for it (votes) or our members look it up (learned popularity, bot.films.popularity), 1 when it has
a synopsis and a cast of at least `CAST_LISTED` (a feature someone wrote about at length), 0 otherwise (a 1905
short with a bare title). In the starter catalog few films have votes, and a fuller cast list goes with the
films people remember (Alien 7, American Beauty 8, Mud 12 against 3 for most silent-era records).

Costs a correlated subquery per film: ~0.1-0.2 s for /random over 36,000 films on SQLite (off the event loop)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select

from bot.store.mapping import credits_t, films_t
from bot.store.models import FilmPopularityRow

KNOWN = 2
DESCRIBED = 1
CAST_LISTED = 4


def familiarity() -> ColumnElement[int]:
    """A SQL expression on `films`: 2, 1 or 0 (see the module docstring)."""
    f = films_t.c
    learned = exists(
        select(FilmPopularityRow.film_id).where(FilmPopularityRow.film_id == f.id, FilmPopularityRow.score > 0)
    )
    c = credits_t.c
    cast_size = select(func.count()).where(c.film_id == f.id, c.role == "cast").scalar_subquery()
    return case(
        (or_(f.votes > 0, learned), KNOWN),
        (and_(f.synopsis.is_not(None), f.synopsis != "", cast_size >= CAST_LISTED), DESCRIBED),
        else_=0,
    )


def learned_score() -> ColumnElement[float]:
    """The film's learned popularity (0 without one), to order films people know among themselves."""
    score = select(FilmPopularityRow.score).where(FilmPopularityRow.film_id == films_t.c.id).scalar_subquery()
    return case((score.is_(None), 0.0), else_=score)
