"""Bulk upsert of many films in the caller's transaction: the engine behind imports.

Speed comes from preloading every existing key (external ids, folded title+year, content hash) into
dicts once, deciding each record's fate in memory, and writing with chunked executemany statements.
A film whose content hash is unchanged is not rewritten, so re-importing the same file changes nothing.

Matching a record to a stored film: any of its external ids, else the same title + year (NFKC, casefolded)
when that is the same film: never a film with a *different* key from one of the record's sources (two
"Aladdin (1992)" with different MovieLens ids are two films); a film whose directors (else cast) disagree
with the record's is another film; and when both carry ids from different sources and neither names
people, they are kept apart too (two 1928 films of one title from two sources). Two films without any
external id and the same title + year are one film: the database's identity key says so.
Within one batch, a later record for the same film wins (the earlier one is counted
as skipped); a record that reuses an external id already used in this batch by a film with
another title or year (a source's data error) keeps its other data, loses that id, and gets a warning.
On update, external ids are merged (the record's win per source), admin aliases are kept when the record
has none, and the removed flag is left alone: a re-import never resurrects a film an admin removed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.films.model import Film
from bot.store.mapping import (
    CHILD_TABLES,
    child_rows,
    content_hash,
    credits_t,
    external_ids_t,
    film_values,
    films_t,
    identity_key,
    identity_title,
    keep_identity,
    titles_t,
)

T = TypeVar("T")
ROW_CHUNK = 1000  # films per statement: a few thousand bound parameters, fine for SQLite and asyncpg
TitleYear = tuple[str, int | None]
People = tuple[frozenset[str], frozenset[str]]  # casefolded directors, cast


def people_of(film: Film) -> People:
    directors = frozenset(c.name.casefold() for c in film.credits if c.role == "director")
    cast = frozenset(c.name.casefold() for c in film.credits if c.role == "cast")
    return directors, cast


def people_agree(a: People, b: People) -> bool | None:
    """True/False when both name directors (else cast) and they share (or don't share) someone; None
    when there is nothing to compare."""
    for mine, theirs in zip(a, b, strict=True):
        if mine and theirs:
            return bool(mine & theirs)
    return None


@dataclass(slots=True)
class ImportCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # superseded by a later record for the same film in the same batch
    warnings: list[str] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)  # added + updated, for the search index

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged + self.skipped


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


@dataclass(slots=True)
class _Existing:
    """Everything needed to match and compare records without loading whole films."""

    owner: dict[tuple[str, str], int] = field(default_factory=dict)  # (source, key) -> film id
    ext: dict[int, dict[str, str]] = field(default_factory=dict)
    by_title_year: dict[TitleYear, list[int]] = field(default_factory=dict)
    hashes: dict[int, str] = field(default_factory=dict)
    keys: dict[int, str | None] = field(default_factory=dict)
    aliases: dict[int, list[str]] = field(default_factory=dict)
    people: dict[int, People] = field(default_factory=dict)

    @classmethod
    async def load(cls, session: AsyncSession, films: Sequence[Film]) -> _Existing:
        ex = cls()
        f, e, t = films_t.c, external_ids_t.c, titles_t.c
        for film_id, title, year, digest, key in await session.execute(
            select(f.id, f.title, f.year, f.content_hash, f.identity_key).order_by(f.id)
        ):
            ex.by_title_year.setdefault((identity_title(title), year), []).append(film_id)
            ex.hashes[film_id] = digest
            ex.keys[film_id] = key
        for film_id, source, key in await session.execute(select(e.film_id, e.source, e.key)):
            ex.owner[(source, key)] = film_id
            ex.ext.setdefault(film_id, {})[source] = key
        q = select(t.film_id, t.title).where(t.kind == "alias").order_by(t.film_id, t.position)
        for film_id, title in await session.execute(q):
            ex.aliases.setdefault(film_id, []).append(title)
        await ex._load_people(session, films)
        return ex

    async def _load_people(self, session: AsyncSession, films: Sequence[Film]) -> None:
        """Directors and cast of the stored films that share a title + year with a record of the batch."""
        wanted = {i for film in films for i in self.by_title_year.get(_title_year(film), ())}
        c = credits_t.c
        found: dict[int, tuple[set[str], set[str]]] = {i: (set(), set()) for i in wanted}
        for chunk in chunks(sorted(wanted), ROW_CHUNK):
            q = select(c.film_id, c.role, c.name).where(c.film_id.in_(chunk), c.role.in_(("director", "cast")))
            for film_id, role, name in await session.execute(q):
                found[film_id][0 if role == "director" else 1].add(name.casefold())
        self.people = {i: (frozenset(d), frozenset(a)) for i, (d, a) in found.items()}


def _title_year(film: Film) -> TitleYear:
    return identity_title(film.title), film.year


class _Planner:
    """Decides, record by record, which film each record is. Targets: stored ids > 0, new films < 0."""

    def __init__(self, existing: _Existing, counts: ImportCounts) -> None:
        self.ex = existing
        self.counts = counts
        self.plan: dict[int, Film] = {}
        self.claimed: dict[int, TitleYear] = {}
        self.next_new = -1

    def same_film(self, film: Film, ext: dict[str, str], cand: int) -> bool:
        """Is stored (or planned) film `cand`, of the same title + year, the film this record describes?"""
        cand_ext = self.ex.ext.get(cand, {})
        if any(cand_ext.get(s, k) != k for s, k in ext.items()):
            return False  # another key from the same source: another film
        if not ext and not cand_ext:
            return True  # neither has an external id: title + year is their identity
        agree = people_agree(people_of(film), self.ex.people.get(cand, (frozenset(), frozenset())))
        if agree is not None:
            return agree
        return not (ext and cand_ext)  # nothing to compare: merge only into or from a film without ids

    def add(self, film: Film) -> None:
        ty = _title_year(film)
        ext = dict(film.external_ids)
        target: int | None = None
        for source, key in list(ext.items()):
            owner = self.ex.owner.get((source, key))
            if owner is None:
                continue
            if owner in self.claimed and self.claimed[owner] != ty:
                other = self.plan[owner]
                self.counts.warnings.append(
                    f"{_label(film)}: id {source}:{key} is also given to {_label(other)} in this import; "
                    "imported without that id"
                )
                del ext[source]
            elif target is None:
                target = owner
            elif owner != target:
                self.counts.warnings.append(
                    f"{_label(film)}: id {source}:{key} belongs to another film (#{owner}); not moved"
                )
                del ext[source]
        if target is None:
            for cand in self.ex.by_title_year.get(ty, ()):
                if self.same_film(film, ext, cand):
                    target = cand
                    break
        if target is None:
            target = self.next_new
            self.next_new -= 1
            base_ext: dict[str, str] = {}
            base_aliases: list[str] = []
            self.ex.by_title_year.setdefault(ty, []).append(target)
        else:
            if target in self.plan:
                self.counts.skipped += 1
                base_ext, base_aliases = self.plan[target].external_ids, self.plan[target].aliases
            else:
                base_ext, base_aliases = self.ex.ext.get(target, {}), self.ex.aliases.get(target, [])
        merged_ext = {**base_ext, **ext}
        for source, key in merged_ext.items():
            self.ex.owner[(source, key)] = target
        self.ex.ext[target] = merged_ext
        self.ex.people[target] = people_of(film)
        self.claimed[target] = ty
        film_id = target if target > 0 else None
        aliases = film.aliases or base_aliases
        if film.id != film_id or film.external_ids != merged_ext or film.aliases != aliases:
            film = film.replace(id=film_id, external_ids=merged_ext, aliases=list(aliases))
        self.plan[target] = film


def plan_writes(existing: _Existing, films: Sequence[Film], counts: ImportCounts) -> tuple[list[Film], list[Film]]:
    """Match `films` against what is stored: (new films, changed films); unchanged ones are only counted."""
    planner = _Planner(existing, counts)
    for film in films:
        planner.add(film)
    new: list[Film] = []
    changed: list[Film] = []
    for target, film in planner.plan.items():
        if target < 0:
            new.append(film)
        elif content_hash(film) == existing.hashes[target]:
            counts.unchanged += 1
        else:
            changed.append(film)
    return new, changed


async def upsert_many(
    session: AsyncSession,
    films: Sequence[Film],
    progress: Callable[[int, int], None] | None = None,
    *,
    bump: Callable[[], Awaitable[int]],
) -> ImportCounts:
    """Insert new films and update changed ones in the session's transaction (the caller commits).

    `bump()` moves the catalog version on and returns it; it is called once, before the first write, and
    only when something is written (the written rows carry that version). `progress(done, total)` is
    called after each written chunk of the films that need writing."""
    counts = ImportCounts()
    if not films:
        return counts
    existing = await _Existing.load(session, films)
    new, changed = plan_writes(existing, films, counts)
    if not (new or changed):
        return counts
    version = await bump()
    now = datetime.now(UTC)
    report = _Progress(progress, len(new) + len(changed))
    new_ids = await _insert_films(session, new, now, version, report)
    await _update_films(session, changed, now, version, report, existing.keys)
    counts.added, counts.updated = len(new), len(changed)
    counts.changed_ids = new_ids + [f.id for f in changed if f.id is not None]
    return counts


class _Progress:
    def __init__(self, callback: Callable[[int, int], None] | None, total: int) -> None:
        self.callback, self.total, self.done = callback, total, 0

    def step(self, n: int) -> None:
        self.done += n
        if self.callback is not None:
            self.callback(self.done, self.total)


async def _insert_films(
    session: AsyncSession, films: list[Film], now: datetime, version: int, report: _Progress
) -> list[int]:
    """Insert new films and return their ids, in order.

    PostgreSQL returns ids for a multi-row insert in parameter order. SQLite cannot promise that order,
    so SQLAlchemy would fall back to one statement per row (40x slower); there we number the rows
    ourselves from max(id) + 1, which is what SQLite would do, inside the import's write transaction."""
    if not films:
        return []
    sqlite = session.get_bind().dialect.name == "sqlite"
    ids: list[int] = []
    next_id = int(await session.scalar(select(func.coalesce(func.max(films_t.c.id), 0))) or 0) + 1
    returning = insert(films_t).returning(films_t.c.id, sort_by_parameter_order=True)
    for chunk in chunks(films, ROW_CHUNK):
        rows = [film_values(f, now, created=True, version=version) for f in chunk]
        if sqlite:
            chunk_ids = list(range(next_id, next_id + len(rows)))
            next_id += len(rows)
            for row, film_id in zip(rows, chunk_ids, strict=True):
                row["id"] = film_id
            await session.execute(insert(films_t), rows)
        else:
            chunk_ids = [row[0] for row in await session.execute(returning, rows)]
        ids.extend(chunk_ids)
        await _insert_children(session, list(zip(chunk_ids, chunk, strict=True)))
        report.step(len(chunk))
    return ids


async def _update_films(
    session: AsyncSession,
    films: list[Film],
    now: datetime,
    version: int,
    report: _Progress,
    keys: dict[int, str | None],
) -> None:
    if not films:
        return
    sample = film_values(films[0], now, created=False, version=version)
    stmt = update(films_t).where(films_t.c.id == bindparam("b_id")).values({col: bindparam(col) for col in sample})
    for chunk in chunks(films, ROW_CHUNK):
        params: list[dict[str, Any]] = []
        for f in chunk:
            values = film_values(f, now, created=False, version=version)
            assert f.id is not None
            values["identity_key"] = keep_identity(keys.get(f.id), identity_key(f))
            params.append({**values, "b_id": f.id})
        await session.execute(stmt, params)
        ids = [f.id for f in chunk]
        for table in CHILD_TABLES:
            await session.execute(delete(table).where(table.c.film_id.in_(ids)))
        await _insert_children(session, [(f.id, f) for f in chunk if f.id is not None])
        report.step(len(chunk))


async def _insert_children(session: AsyncSession, films: list[tuple[int, Film]]) -> None:
    rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in CHILD_TABLES}
    for film_id, film in films:
        for name, items in child_rows(film_id, film).items():
            rows[name].extend(items)
    for table in CHILD_TABLES:
        for chunk in chunks(rows[table.name], ROW_CHUNK * 4):
            await session.execute(insert(table), chunk)


def _label(film: Film) -> str:
    return f"{film.title!r} ({film.year})" if film.year else repr(film.title)
