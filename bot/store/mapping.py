"""Domain `Film` <-> table rows (plain dicts and tuples, no ORM objects), and the film content hash.

Bulk paths (import, search-doc loading) use SQLAlchemy Core with these helpers because building ORM
objects for 150k films costs seconds; the repository's single-film paths use the same helpers so both
agree on the stored shape.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import BindParameter, CompoundSelect, Select, Table, bindparam, literal, null, select, union_all

from bot.films.familiarity import record_familiarity
from bot.films.model import SCALAR_FIELDS, Credit, CreditRole, Film, TitleLocale
from bot.store.models import FilmCreditRow, FilmExternalIdRow, FilmGenreRow, FilmRow, FilmTitleRow

films_t = cast(Table, FilmRow.__table__)
titles_t = cast(Table, FilmTitleRow.__table__)
genres_t = cast(Table, FilmGenreRow.__table__)
credits_t = cast(Table, FilmCreditRow.__table__)
external_ids_t = cast(Table, FilmExternalIdRow.__table__)

FILM_COLUMNS = ("id", *SCALAR_FIELDS, "removed")


def content_hash(film: Film) -> str:
    """A digest of everything stored about a film except its id and removed flag.

    Built from the repr of plain tuples (str/int/float/None/date reprs are stable across runs and
    platforms), which is several times cheaper than canonical JSON on a 150k-film import."""
    doc: tuple[object, ...] = (
        tuple(getattr(film, f) for f in SCALAR_FIELDS),
        tuple(film.alt_titles),
        tuple(film.aliases),
        tuple(film.genres),
        tuple((c.role, c.name, c.character) for c in film.credits),
        tuple(sorted(film.external_ids.items())),
    )
    locales = tuple((t, lc.language, lc.region) for t in film.alt_titles if (lc := film.alt_title_locale(t)))
    if locales:  # only then, so films without any keep the digest they were stored with
        doc = (*doc, locales)
    return hashlib.blake2b(repr(doc).encode(), digest_size=20).hexdigest()


def identity_title(title: str) -> str:
    """A title as film identity compares it: NFKC, casefolded, spacing collapsed (stable on purpose:
    stored keys depend on it, so search's richer normalisation must not leak in here)."""
    return " ".join(unicodedata.normalize("NFKC", title).casefold().split())


def identity_key(film: Film) -> str | None:
    """The unique key of a film without external ids: year + a digest of its identity title.

    Films with external ids are identified by those (unique per source), so their key is NULL and two
    different films that share a title and year across sources can both exist."""
    if film.external_ids:
        return None
    digest = hashlib.blake2b(identity_title(film.title).encode(), digest_size=16).hexdigest()
    return f"{film.year or '-'}:{digest}"


def keep_identity(stored: str | None, new: str | None) -> str | None:
    """A film kept apart by migration 0005 (an old duplicate, key "<key>|#<id>") keeps its key while
    its identity is unchanged; otherwise the key follows the film."""
    if stored is not None and new is not None and stored.startswith(new + "|#"):
        return stored
    return new


def film_values(film: Film, now: datetime, *, created: bool, version: int) -> dict[str, Any]:
    """The `films` row for a film (without id), changed under catalog `version`."""
    values: dict[str, Any] = {f: getattr(film, f) for f in SCALAR_FIELDS}
    values["title_folded"] = film.title.casefold()
    values["identity_key"] = identity_key(film)
    values["content_hash"] = content_hash(film)
    values["updated_at"] = now
    values["changed_version"] = version
    values["familiarity"] = record_familiarity(film)
    if created:
        values["created_at"] = now
        values["removed"] = film.removed
    return values


def child_rows(film_id: int, film: Film) -> dict[str, list[dict[str, Any]]]:
    """Rows of every child table for one film, keyed by table name."""
    titles: list[dict[str, Any]] = []
    for i, t in enumerate(film.alt_titles):
        locale = film.alt_title_locale(t) or TitleLocale()
        titles.append({"film_id": film_id, "kind": "alt", "position": i, "title": t,
                       "language": locale.language, "region": locale.region})  # fmt: skip
    titles += [
        {"film_id": film_id, "kind": "alias", "position": i, "title": t, "language": None, "region": None}
        for i, t in enumerate(film.aliases)
    ]
    return {
        "film_titles": titles,
        "film_genres": [{"film_id": film_id, "position": i, "genre": g} for i, g in enumerate(film.genres)],
        "film_credits": [
            {"film_id": film_id, "position": i, "role": c.role, "name": c.name, "character": c.character}
            for i, c in enumerate(film.credits)
        ],
        "film_external_ids": [{"film_id": film_id, "source": s, "key": k} for s, k in film.external_ids.items()],
    }


CHILD_TABLES = (titles_t, genres_t, credits_t, external_ids_t)


class FilmAssembler:
    """Collects child rows (in position order) and builds domain films from `films` rows."""

    def __init__(self) -> None:
        self.alt: dict[int, list[str]] = {}
        self.locales: dict[int, dict[str, TitleLocale]] = {}
        self.aliases: dict[int, list[str]] = {}
        self.genres: dict[int, list[str]] = {}
        self.credits: dict[int, list[Credit]] = {}
        self.external_ids: dict[int, dict[str, str]] = {}

    def add_titles(self, rows: Iterable[Any]) -> None:
        """Rows of (film_id, kind, title, language, region)."""
        for film_id, kind, title, language, region in rows:
            self._add_title(film_id, kind, title, language, region)

    def _add_title(self, film_id: int, kind: str, title: str, language: str | None, region: str | None) -> None:
        if kind != "alt":
            self.aliases.setdefault(film_id, []).append(title)
            return
        self.alt.setdefault(film_id, []).append(title)
        if language or region:
            self.locales.setdefault(film_id, {}).setdefault(title, TitleLocale(language, region))

    def add_genres(self, rows: Iterable[Any]) -> None:
        for film_id, genre in rows:
            self.genres.setdefault(film_id, []).append(genre)

    def add_credits(self, rows: Iterable[Any]) -> None:
        for film_id, role, name, character in rows:
            credit = Credit(name=name, role=cast(CreditRole, role), character=character)
            self.credits.setdefault(film_id, []).append(credit)

    def add_external_ids(self, rows: Iterable[Any]) -> None:
        for film_id, source, key in rows:
            self.external_ids.setdefault(film_id, {})[source] = key

    def add_children(self, rows: Iterable[Any]) -> None:
        """Rows of `child_rows_query`: (part, film_id, s, k, position, a, b, l, r), in position order."""
        for part, film_id, _, k, _, a, b, lang, region in rows:
            if part == "t":
                self._add_title(film_id, k, a, lang, region)
            elif part == "g":
                self.genres.setdefault(film_id, []).append(a)
            elif part == "c":
                credit = Credit(name=a, role=cast(CreditRole, k), character=b)
                self.credits.setdefault(film_id, []).append(credit)
            else:
                self.external_ids.setdefault(film_id, {})[a] = b

    def add_joined(self, rows: Iterable[Any]) -> list[Sequence[Any]]:
        """Rows of `film_with_children_query`: collects the child part of each and returns each film's own
        columns once (in the query's order)."""
        films: list[Sequence[Any]] = []
        width = len(FILM_COLUMNS)
        last = None
        for row in rows:
            if row[0] != last:
                films.append(row[:width])
                last = row[0]
            if row[width] is not None:
                self.add_children([row[width:]])
        return films

    def build(self, row: Sequence[Any]) -> Film:
        values = dict(zip(FILM_COLUMNS, row, strict=True))
        film_id = values["id"]
        release = values["release_date"]
        if isinstance(release, datetime):  # some drivers hand back datetimes for DATE
            values["release_date"] = release.date()
        elif release is not None and not isinstance(release, date):
            values["release_date"] = date.fromisoformat(str(release))
        values["removed"] = bool(values["removed"])
        return Film(
            **values,
            alt_titles=self.alt.get(film_id, []),
            alt_title_locales=self.locales.get(film_id, {}),
            aliases=self.aliases.get(film_id, []),
            genres=self.genres.get(film_id, []),
            credits=self.credits.get(film_id, []),
            external_ids=self.external_ids.get(film_id, {}),
        )


def child_rows_query(ids: Sequence[int]) -> CompoundSelect[Any]:
    """Every child row of these films in one query: (part, film_id, s, k, position, a, b, l, r), ordered so
    each list keeps its stored order. part: t(itles: k=kind, a=title, l=language, r=region), g(enres: a),
    c(redits: k=role, a=name, b=character), e(xternal ids: a=source, b=key)."""
    return _child_parts(ids).order_by("part", "film_id", "s", "position")


def _child_parts(ids: Sequence[int] | BindParameter[Any]) -> CompoundSelect[Any]:
    t, g, c, e = titles_t.c, genres_t.c, credits_t.c, external_ids_t.c
    none, blank = null(), literal("")
    return union_all(
        select(literal("t").label("part"), t.film_id, t.kind.label("s"), t.kind.label("k"), t.position,
               t.title.label("a"), none.label("b"), t.language.label("l"), t.region.label("r"))
        .where(t.film_id.in_(ids)),
        select(literal("g"), g.film_id, blank, blank, g.position, g.genre, none, none, none)
        .where(g.film_id.in_(ids)),
        select(literal("c"), c.film_id, blank, c.role, c.position, c.name, c.character, none, none)
        .where(c.film_id.in_(ids)),
        select(literal("e"), e.film_id, blank, blank, literal(0), e.source, e.key, none, none)
        .where(e.film_id.in_(ids)),
    )  # fmt: skip


@functools.cache
def film_with_children_query(include_removed: bool = False) -> Select[Any]:
    """Films and all their child rows in one statement, for the ids bound as `ids` (a list): each film's
    columns (`FILM_COLUMNS`) followed by one `child_rows_query` row (all NULL for a film with no child
    rows). One round trip for a card, and consistent without a transaction (a single statement reads one
    snapshot). Built once: making the construct costs more than running it."""
    ids: BindParameter[Any] = bindparam("ids", expanding=True)
    children = _child_parts(ids).subquery("ch")
    f = films_t.c
    cond = f.id.in_(ids) if include_removed else f.id.in_(ids) & f.removed.is_(False)
    return (
        select(*(f[c] for c in FILM_COLUMNS), *children.c)
        .select_from(films_t.outerjoin(children, children.c.film_id == f.id))
        .where(cond)
        .order_by(f.id, children.c.part, children.c.s, children.c.position)
    )
