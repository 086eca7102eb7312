"""FilmRepository: the catalog as domain `Film` objects. No ORM object leaves bot/store.

Every mutating method bumps the catalog version in the same transaction (so other processes sharing the
database refresh their search index); the caller owns the transaction and commits.
"""

from __future__ import annotations

import random as _random
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, delete, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.films.model import Film
from bot.films.search import SearchDoc
from bot.store.bulk import ImportCounts, chunks, upsert_many
from bot.store.mapping import (
    CHILD_TABLES,
    FILM_COLUMNS,
    FilmAssembler,
    child_rows,
    child_rows_query,
    external_ids_t,
    film_values,
    film_with_children_query,
    films_t,
    genres_t,
    identity_key,
    keep_identity,
    titles_t,
)
from bot.store.models import CatalogStateRow
from bot.store.notify import notify_catalog

__all__ = ["ExternalIdConflict", "FilmExists", "FilmRepository", "ImportCounts"]

state_t = cast(Table, CatalogStateRow.__table__)
ID_CHUNK = 1000  # ids per IN (...) list: well under SQLite's and asyncpg's bind-parameter limits
# PostgreSQL advisory lock (transaction-scoped) held by everything that creates films or matches records
# against the whole catalog: imports and adds. SQLite needs none: its writers are serialised by
# BEGIN IMMEDIATE (`Database.write`).
IDENTITY_LOCK = 0x46494C4D  # "FILM"
JOINED_READ = 50  # up to this many films are read with their child rows in one statement
DOC_PAGE = 2000  # films per page of search docs: a few ms of work each


class ExternalIdConflict(ValueError):
    """The film carries an external id that another film already holds."""

    def __init__(self, source: str, key: str, other_film_id: int) -> None:
        super().__init__(f"external id {source}:{key} already belongs to film {other_film_id}")
        self.source, self.key, self.other_film_id = source, key, other_film_id


class FilmExists(ValueError):
    """Another film already has this film's identity (its title + year, for a film without external ids)."""

    def __init__(self, other_film_id: int | None) -> None:
        super().__init__(f"the catalog already holds this film (#{other_film_id})")
        self.other_film_id = other_film_id


class FilmRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- reading -------------------------------------------------------------------------------

    async def get(self, film_id: int, include_removed: bool = False) -> Film | None:
        return (await self.get_many([film_id], include_removed=include_removed)).get(film_id)

    async def get_many(self, ids: Iterable[int], *, include_removed: bool = False) -> dict[int, Film]:
        """Films by id; unknown (and, unless asked, removed) ids are simply absent from the result."""
        out: dict[int, Film] = {}
        for chunk in chunks(sorted(set(ids)), ID_CHUNK):
            for film in await self._load(chunk, include_removed):
                assert film.id is not None
                out[film.id] = film
        return out

    async def _load(self, ids: list[int], include_removed: bool) -> list[Film]:
        """Films with these ids: a few (a card, a page of choices) in one joined statement, more in two
        queries (the films, then all their child rows in one UNION ALL) so a film's columns are not
        repeated on each of its child rows."""
        if len(ids) <= JOINED_READ:
            joined = FilmAssembler()
            result = await self.session.execute(film_with_children_query(include_removed), {"ids": ids})
            return [joined.build(r) for r in joined.add_joined(result)]
        cond: ColumnElement[bool] = films_t.c.id.in_(ids)
        if not include_removed:
            cond = and_(cond, films_t.c.removed.is_(False))
        q = select(*(films_t.c[c] for c in FILM_COLUMNS)).where(cond).order_by(films_t.c.id)
        rows = (await self.session.execute(q)).all()
        if not rows:
            return []
        found = [r[0] for r in rows]
        asm = FilmAssembler()
        asm.add_children(await self.session.execute(child_rows_query(found)))
        return [asm.build(r) for r in rows]

    async def find_id_by_external_ids(self, external_ids: Mapping[str, str]) -> int | None:
        """The stored film carrying any of these external ids (source -> key), if one does."""
        if not external_ids:
            return None
        e = external_ids_t.c
        pairs = [and_(e.source == s, e.key == k) for s, k in external_ids.items()]
        found = await self.session.scalar(select(func.min(e.film_id)).where(or_(*pairs)))
        return None if found is None else int(found)

    async def find_existing_id(self, film: Film) -> int | None:
        """The stored film this record describes: by any external id, else case-insensitive title + year."""
        found = await self.find_id_by_external_ids(film.external_ids)
        if found is not None:
            return found
        f = films_t.c
        year_cond = f.year.is_(None) if film.year is None else f.year == film.year
        found = await self.session.scalar(
            select(func.min(f.id)).where(f.title_folded == film.title.casefold(), year_cond)
        )
        return None if found is None else int(found)

    async def random(self, genre: str | None, rng: _random.Random) -> Film | None:
        """A random film (see `random_id`) of a genre named in any case, read whole."""
        spellings = None if genre is None else genre_spellings(await self.all_genres(), genre)
        if spellings is not None and not spellings:
            return None
        picked = await self.random_id(spellings, rng)
        return None if picked is None else await self.get(picked)

    async def random_id(self, genres: Sequence[str] | None, rng: _random.Random) -> int | None:
        """A random non-removed film's id, optionally of one of these genres (exact spellings, see
        `genre_spellings`): uniformly among the films people know or someone described
        (`bot.store.familiarity`), else among all. Counted and picked through the familiarity index; the
        learned films below that level are few, checked by id."""
        from bot.store.familiarity import DESCRIBED, learned_scores

        f = films_t.c
        cond: ColumnElement[bool] = f.removed.is_(False)
        if genres is not None:
            cond = and_(cond, f.id.in_(select(genres_t.c.film_id).where(genres_t.c.genre.in_(genres))))
        described = and_(cond, f.familiarity >= DESCRIBED)
        total = await self.session.scalar(select(func.count()).select_from(films_t).where(described)) or 0
        learned: list[int] = []
        for chunk in chunks(sorted(await learned_scores(self.session)), ID_CHUNK):
            rows = await self.session.scalars(
                select(f.id).where(cond, f.familiarity < DESCRIBED, f.id.in_(chunk)).order_by(f.id)
            )
            learned.extend(rows)
        if total + len(learned) == 0:  # no film anyone knows: any film
            described = cond
            total = await self.session.scalar(select(func.count()).select_from(films_t).where(cond)) or 0
            if total == 0:
                return None
        pick = rng.randrange(total + len(learned))
        if pick >= total:
            return learned[pick - total]
        # In ix_films_familiarity's own order (its columns, then the row id): the offset walks the index, no sort.
        order = (f.familiarity, f.votes, f.runtime_minutes, f.content_rating, f.id)
        return await self.session.scalar(select(f.id).where(described).order_by(*order).offset(pick).limit(1))

    async def all_genres(self) -> list[str]:
        """Every genre spelling stored (a scan of the genre index: callers keep it, see `Catalog.genres`)."""
        return list(await self.session.scalars(select(genres_t.c.genre).distinct()))

    async def genres(self) -> list[str]:
        """Distinct genres of non-removed films (one spelling per case-folded name), sorted."""
        g, f = genres_t.c, films_t.c
        rows = await self.session.scalars(
            select(g.genre).join(films_t, f.id == g.film_id).where(f.removed.is_(False)).distinct()
        )
        by_fold: dict[str, str] = {}
        for genre in sorted(rows):
            by_fold.setdefault(genre.casefold(), genre)
        return sorted(by_fold.values(), key=str.casefold)

    async def iter_films(self, include_removed: bool = False, batch_size: int = 1000) -> AsyncIterator[Film]:
        """Every film in id order, loaded a batch at a time (keyset pagination, constant memory)."""
        last = 0
        while True:
            cond = films_t.c.id > last
            if not include_removed:
                cond = and_(cond, films_t.c.removed.is_(False))
            ids = list(
                await self.session.scalars(select(films_t.c.id).where(cond).order_by(films_t.c.id).limit(batch_size))
            )
            if not ids:
                return
            batch = await self.get_many(ids, include_removed=True)
            for film_id in ids:
                yield batch[film_id]
            last = ids[-1]

    async def search_docs(self, changed_after: int | None = None) -> list[SearchDoc]:
        """What the in-memory search index needs for every non-removed film (see `iter_search_docs`)."""
        return [doc async for page in self.iter_search_docs(changed_after) for doc in page]

    async def iter_search_docs(
        self, changed_after: int | None = None, page_size: int = DOC_PAGE
    ) -> AsyncIterator[list[SearchDoc]]:
        """What the search index needs per non-removed film, a page at a time in id order (two queries per
        page): between pages the event loop runs other work, so reading 150k films never holds it long.

        With `changed_after`, only films changed under a later catalog version (another process's edits).
        """
        f = films_t.c
        last = 0
        while True:
            cond: ColumnElement[bool] = and_(f.removed.is_(False), f.id > last)
            if changed_after is not None:
                cond = and_(cond, f.changed_version > changed_after)
            rows = (
                await self.session.execute(
                    select(f.id, f.title, f.year, f.votes, f.original_title, f.country)
                    .where(cond)
                    .order_by(f.id)
                    .limit(page_size)
                )
            ).all()
            if not rows:
                return
            yield await self._docs_of(rows, sparse=changed_after is not None)
            last = rows[-1][0]

    async def _docs_of(self, rows: Sequence[Any], *, sparse: bool) -> list[SearchDoc]:
        """Search docs for these film rows; `sparse` rows are a few scattered ids, else a dense id range."""
        t = titles_t.c
        ids = [row[0] for row in rows]
        extra: dict[int, list[str]] = {}
        aliases: dict[int, list[str]] = {}  # admin aliases: an exact hit on one ranks first
        wanted = (
            [t.film_id.in_(chunk) for chunk in chunks(ids, ID_CHUNK)]
            if sparse
            else [t.film_id.between(ids[0], ids[-1])]
        )
        for cond in wanted:
            title_rows = await self.session.execute(
                select(t.film_id, t.kind, t.title)
                .where(cond)
                .order_by(t.film_id, t.kind.desc(), t.position)  # 'alt' before 'alias'
            )
            for film_id, kind, title in title_rows:
                extra.setdefault(film_id, []).append(title)
                if kind == "alias":
                    aliases.setdefault(film_id, []).append(title)
        docs = []
        for film_id, title, year, votes, original, country in rows:
            titles = _unique([title, original, *extra.get(film_id, ())])
            docs.append(
                SearchDoc(film_id, title, titles, year, votes, original, country, tuple(aliases.get(film_id, ())))
            )
        return docs

    async def namesake_rows(self) -> list[tuple[int, str, int | None, str | None]]:
        """(id, title, year, synopsis) of every live film whose title (case aside) another live film shares:
        what `bot.films.namesakes.originals` reads to order namesakes (one grouped query, no other rows)."""
        f = films_t.c
        live = f.removed.is_(False)
        shared = select(func.lower(f.title)).where(live).group_by(func.lower(f.title)).having(func.count() > 1)
        rows = await self.session.execute(
            select(f.id, f.title, f.year, f.synopsis).where(live, func.lower(f.title).in_(shared)).order_by(f.id)
        )
        return [(int(i), str(t), y, s) for i, t, y, s in rows]

    async def count_changed_after(self, version: int) -> int:
        """How many films (live or removed) changed under a catalog version later than `version`."""
        q = select(func.count()).select_from(films_t).where(films_t.c.changed_version > version)
        return int(await self.session.scalar(q) or 0)

    async def removed_after(self, version: int) -> list[int]:
        """Ids of films removed (soft-deleted) under a catalog version later than `version`."""
        f = films_t.c
        rows = await self.session.execute(select(f.id).where(f.removed.is_(True) & (f.changed_version > version)))
        return [film_id for (film_id,) in rows]

    async def count(self, include_removed: bool = False) -> int:
        q = select(func.count()).select_from(films_t)
        if not include_removed:
            q = q.where(films_t.c.removed.is_(False))
        return int(await self.session.scalar(q) or 0)

    async def external_id_map(self, source: str | None = None) -> dict[str, int]:
        """``"source:key" -> film id`` for every external id (benchmarks, cross-referencing imports)."""
        e = external_ids_t.c
        q = select(e.source, e.key, e.film_id)
        if source is not None:
            q = q.where(e.source == source)
        return {f"{s}:{k}": i for s, k, i in await self.session.execute(q)}

    # --- catalog state -------------------------------------------------------------------------

    async def catalog_version(self) -> int:
        return int(await self.session.scalar(select(state_t.c.version).where(state_t.c.id == 1)) or 0)

    async def catalog_stamp(self) -> tuple[int, str, str]:
        """The catalog version, the time of the change that made it and the time the catalog was seeded:
        together they name one state of one catalog (a search index snapshot is reused only for the same)."""
        row = (
            await self.session.execute(
                select(state_t.c.version, state_t.c.updated_at, state_t.c.seeded_at).where(state_t.c.id == 1)
            )
        ).first()
        if row is None:
            return 0, "", ""
        return int(row[0] or 0), str(row[1] or ""), str(row[2] or "")

    async def bump_version(self) -> int:
        """Move the catalog version on, in the caller's transaction; the new version is returned.

        Call it before writing film rows: the update locks the state row until the commit (PostgreSQL;
        SQLite has one writer), so versions are committed in order and each row carries its own."""
        await self.session.execute(
            update(state_t).where(state_t.c.id == 1).values(version=state_t.c.version + 1, updated_at=_now())
        )
        version = await self.catalog_version()
        await notify_catalog(self.session, version)  # delivered to other processes on commit (PostgreSQL)
        return version

    async def is_seeded(self) -> bool:
        return bool(await self.session.scalar(select(state_t.c.seeded).where(state_t.c.id == 1)))

    async def mark_seeded(self) -> None:
        await self.session.execute(update(state_t).where(state_t.c.id == 1).values(seeded=True, seeded_at=_now()))

    # --- writing -------------------------------------------------------------------------------

    async def lock_identity(self) -> None:
        """Serialise, until this transaction ends, with every other add and import (PostgreSQL)."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": IDENTITY_LOCK})

    async def lock(self, film_id: int) -> bool:
        """Lock one film's row until the transaction ends (SELECT … FOR UPDATE; SQLite's writer lock
        already covers it), so a read-modify-write sees and keeps the latest version. False: no film."""
        found = await self.session.scalar(select(films_t.c.id).where(films_t.c.id == film_id).with_for_update())
        return found is not None

    async def get_for_update(self, film_id: int, include_removed: bool = False) -> Film | None:
        """`get` under the film's row lock: the start of every read-modify-write of a film."""
        if not await self.lock(film_id):
            return None
        return await self.get(film_id, include_removed=include_removed)

    async def add(self, film: Film) -> Film:
        """Store a new film; raises `ExternalIdConflict` if one of its external ids is taken and
        `FilmExists` if a film without external ids of the same title + year is already stored."""
        await self.lock_identity()
        await self._check_external_ids(film, None)
        version = await self.bump_version()
        values = film_values(film, _now(), created=True, version=version)
        new_id = await self.session.scalar(
            _insert(self.session).values(values).on_conflict_do_nothing(index_elements=["identity_key"])
            .returning(films_t.c.id)
        )  # fmt: skip
        if new_id is None:
            raise FilmExists(await self._identity_owner(values["identity_key"]))
        await self._insert_children(new_id, film)
        return film.replace(id=new_id)

    async def _identity_owner(self, key: str | None) -> int | None:
        return await self.session.scalar(select(films_t.c.id).where(films_t.c.identity_key == key))

    async def update(self, film: Film) -> Film:
        """Overwrite a stored film (titles, genres, credits and external ids are replaced); raises
        `FilmExists` when the new title + year is another film's identity."""
        if film.id is None:
            raise ValueError("update() needs a film with an id")
        await self._check_external_ids(film, film.id)
        version = await self.bump_version()
        values = film_values(film, _now(), created=False, version=version)
        values["removed"] = film.removed
        stored = await self.session.execute(select(films_t.c.identity_key).where(films_t.c.id == film.id))
        row = stored.first()
        if row is None:
            raise LookupError(f"no film with id {film.id}")
        values["identity_key"] = keep_identity(row[0], identity_key(film))
        try:
            async with self.session.begin_nested():
                await self.session.execute(update(films_t).where(films_t.c.id == film.id).values(values))
        except IntegrityError:
            raise FilmExists(await self._identity_owner(values["identity_key"])) from None
        for table in CHILD_TABLES:
            await self.session.execute(delete(table).where(table.c.film_id == film.id))
        await self._insert_children(film.id, film)
        return film

    async def set_removed(self, film_id: int, removed: bool) -> bool:
        """Soft-delete (or restore) a film; False when there is no such film."""
        f = films_t.c
        exists = await self.session.scalar(select(f.removed).where(f.id == film_id))
        if exists is None:
            return False
        if bool(exists) != removed:
            version = await self.bump_version()
            await self.session.execute(
                update(films_t)
                .where(f.id == film_id)
                .values(removed=removed, updated_at=_now(), changed_version=version)
            )
        return True

    async def upsert_many(
        self, films: Sequence[Film], progress: Callable[[int, int], None] | None = None
    ) -> ImportCounts:
        """Bulk import; see `bot.store.bulk.upsert_many`. Bumps the version once if anything changed.

        Holds the identity lock, so two imports of one file run one after the other and the second
        finds everything unchanged instead of adding every film again."""
        await self.lock_identity()
        return await upsert_many(self.session, films, progress, bump=self.bump_version)

    async def _insert_children(self, film_id: int, film: Film) -> None:
        rows = child_rows(film_id, film)
        for table in CHILD_TABLES:
            if rows[table.name]:
                await self.session.execute(insert(table), rows[table.name])

    async def _check_external_ids(self, film: Film, own_id: int | None) -> None:
        if not film.external_ids:
            return
        e = external_ids_t.c
        pairs = [and_(e.source == s, e.key == k) for s, k in film.external_ids.items()]
        q = select(e.source, e.key, e.film_id).where(or_(*pairs))
        for source, key, other in await self.session.execute(q):
            if other != own_id:
                raise ExternalIdConflict(source, key, other)


def genre_spellings(all_genres: Iterable[str], genre: str) -> list[str]:
    """The stored spellings of a genre named in any case ("drama" -> ["Drama"]); empty when none is stored."""
    wanted = genre.strip().casefold()
    return [g for g in all_genres if g.casefold() == wanted]


def _insert(session: AsyncSession) -> Any:
    """INSERT with ON CONFLICT support for the session's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(films_t)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(films_t)


def _unique(titles: Iterable[str | None]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for t in titles:
        if t and t.strip():
            seen.setdefault(t, None)
    return tuple(seen)


def _now() -> datetime:
    return datetime.now(UTC)
