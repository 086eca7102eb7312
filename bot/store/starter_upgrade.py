"""Bring a newer release of the shipped starter data into a catalog seeded by an older version, once.

Release 2 added synopses (Wikipedia leads) and the directors read from them. A catalog seeded before has
the same films without them. This step fills them in, and only where nothing is there yet and no admin
touched that field: a film's stored synopsis (or director list) is never replaced, and a field the audit
log shows an admin edited (even to clear it) is left alone. Films are matched by the starter record's
external id, so films admins added, or starter films an admin renamed, are matched all the same.

Idempotent: it only fills empty fields, and `catalog_state.starter_release` records that it ran, so it
costs nothing on later starts. It runs at start-up (`bot.store.bootstrap.ensure_ready`), in one
transaction, with the catalog version bumped so running processes refresh.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from sqlalchemy import Table, column, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.films.model import Credit, Film
from bot.store.db import Database
from bot.store.films import FilmRepository
from bot.store.models import CatalogStateRow

log = logging.getLogger(__name__)

STARTER_RELEASE = 2  # 1: titles and facts; 2: + synopses and the directors their leads name
STARTER_FILE = "starter-films.jsonl.gz"

state_t = cast(Table, CatalogStateRow.__table__)
# The curation area's audit log, read by name only (the store does not import feature areas).
audit_t = table("audit_log", column("film_id"), column("field"))


@dataclass(slots=True)
class UpgradeResult:
    synopses: int = 0
    directors: int = 0
    kept: int = 0  # films where an admin's edit was left alone


async def starter_release(session: AsyncSession) -> int:
    return int(await session.scalar(select(state_t.c.starter_release).where(state_t.c.id == 1)) or 0)


async def mark_release(session: AsyncSession, release: int = STARTER_RELEASE) -> None:
    await session.execute(update(state_t).where(state_t.c.id == 1).values(starter_release=release))


async def upgrade_starter(db: Database, paths: Sequence[Path]) -> UpgradeResult | None:
    """Fill the newer starter release's fields into a seeded catalog; None when it has them already."""
    async with db.session() as session:
        if await starter_release(session) >= STARTER_RELEASE:
            return None
    source = next((p for p in paths if p.name == STARTER_FILE), None)
    if source is None:  # a custom starter set: nothing of ours to bring in
        async with db.session() as session, session.begin():
            await mark_release(session)
        return UpgradeResult()
    from bot.films.importers.reader import parse_file  # once per catalog: not imported on every start

    records = (await asyncio.to_thread(parse_file, source)).films
    async with db.session() as session, session.begin():
        result = await _fill(session, records)
        await mark_release(session)
    log.info(
        "starter data release %d brought in: %d synopses, %d directors added; %d admin-edited films left alone",
        STARTER_RELEASE, result.synopses, result.directors, result.kept,
    )  # fmt: skip
    return result


async def _fill(session: AsyncSession, records: Sequence[Film]) -> UpgradeResult:
    repo = FilmRepository(session)
    owners = await repo.external_id_map()
    wanted: dict[int, Film] = {}
    for record in records:
        if not (record.synopsis or record.directors):
            continue
        for source, key in record.external_ids.items():
            film_id = owners.get(f"{source}:{key}")
            if film_id is not None:
                wanted.setdefault(film_id, record)
                break
    edited = await _edited_fields(session)
    stored = await repo.get_many(wanted, include_removed=True)
    result = UpgradeResult()
    changed: list[Film] = []
    for film_id, film in stored.items():
        record = wanted[film_id]
        fields = edited.get(film_id, set())
        new = film
        if record.synopsis and not film.synopsis:
            if fields & {"synopsis", "*"}:
                result.kept += 1
            else:
                new = new.replace(synopsis=record.synopsis)
                result.synopses += 1
        if record.directors and not film.directors:
            if fields & {"director", "*"}:
                result.kept += 1
            else:
                directors = [Credit(name, "director") for name in record.directors]
                new = new.replace(credits=directors + list(film.credits))
                result.directors += 1
        if new is not film:
            changed.append(new)
    if changed:
        await repo.upsert_many(changed)
    return result


async def _edited_fields(session: AsyncSession) -> dict[int, set[str]]:
    """Film id -> the fields admins changed on it ("*" for a change whose field is not named)."""
    out: dict[int, set[str]] = {}
    rows = await session.execute(select(audit_t.c.film_id, audit_t.c.field).where(audit_t.c.film_id.is_not(None)))
    for film_id, field in rows:
        names = {part.strip() for part in field.split(",")} if field else {"*"}
        out.setdefault(int(film_id), set()).update(names)
    return out
