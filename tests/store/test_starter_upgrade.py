"""A catalog seeded by an older version takes in the starter data's synopses and directors once, on
start-up, without overwriting anything an admin edited (SQLite and PostgreSQL)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import column, insert, table

from bot.store.bootstrap import ensure_ready
from bot.store.db import Database
from bot.store.films import FilmRepository
from bot.store.starter_upgrade import STARTER_RELEASE, mark_release, starter_release

audit_t = table(
    "audit_log", column("at"), column("platform"), column("user_id"), column("action"), column("film_id"),
    column("field"), column("old_value"), column("new_value"),
)  # fmt: skip


def _record(key: str, title: str, synopsis: str | None, directors: list[str] | None = None) -> dict[str, Any]:
    rec: dict[str, Any] = {"id": f"wiki:{key}", "title": title, "year": 1950, "cast": ["Ann Actor"]}
    if synopsis is not None:
        rec["synopsis"] = synopsis
    if directors is not None:
        rec["directors"] = directors
    return rec


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    target = path / "starter-films.jsonl.gz"
    with gzip.open(target, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    return target


FILMS = [("A", "Alpha"), ("B", "Bravo"), ("C", "Charlie"), ("D", "Delta")]


async def test_an_older_catalog_takes_in_synopses_and_directors_once_keeping_admin_edits(
    db: Database, tmp_path: Path
) -> None:
    old = _write(tmp_path / "old", [_record(k, t, None) for k, t in FILMS])
    await ensure_ready(db, paths=[old])  # as the older version seeded it
    async with db.session() as session, session.begin():
        await mark_release(session, 0)
        ids = await FilmRepository(session).external_id_map("wiki")
        b, c, d = ids["wiki:B"], ids["wiki:C"], ids["wiki:D"]
        repo = FilmRepository(session)
        film_c = await repo.get(c)
        assert film_c is not None
        await repo.update(film_c.replace(synopsis="Written by our admin."))  # an admin's own synopsis
        now = datetime.now(UTC)
        for film_id, field in ((b, "synopsis"), (d, "director")):  # an admin cleared B's synopsis, set D's directors
            await session.execute(insert(audit_t).values(at=now, platform="console", user_id="owner",
                                                         action="edit", film_id=film_id, field=field))  # fmt: skip
    new = _write(tmp_path / "new", [_record(k, t, f"{t} is a 1950 film directed by Jo Maker.", ["Jo Maker"])
                                    for k, t in FILMS])  # fmt: skip
    async with db.session() as session:
        version = await FilmRepository(session).catalog_version()
    result = await ensure_ready(db, paths=[new])
    assert result.seeded_now is False and result.version > version  # running processes will refresh
    async with db.session() as session:
        films = {f.external_ids["wiki"]: f for f in (await FilmRepository(session).get_many(ids.values())).values()}
        assert await starter_release(session) == STARTER_RELEASE
    assert films["A"].synopsis == "Alpha is a 1950 film directed by Jo Maker."
    assert films["A"].directors == ["Jo Maker"] and [c.name for c in films["A"].cast] == ["Ann Actor"]
    assert films["B"].synopsis is None and films["B"].directors == ["Jo Maker"]  # the cleared synopsis stays so
    assert films["C"].synopsis == "Written by our admin."
    assert films["D"].synopsis == "Delta is a 1950 film directed by Jo Maker." and films["D"].directors == []
    async with db.session() as session, session.begin():  # an admin clears A's synopsis after the upgrade ...
        repo = FilmRepository(session)
        film_a = await repo.get(ids["wiki:A"])
        assert film_a is not None
        await repo.update(film_a.replace(synopsis=None))
    await ensure_ready(db, paths=[new])  # ... and the next start does not bring it back: the step ran once
    async with db.session() as session:
        again = await FilmRepository(session).get(ids["wiki:A"])
    assert again is not None and again.synopsis is None


async def test_a_fresh_catalog_is_seeded_at_the_current_release(db: Database, tmp_path: Path) -> None:
    new = _write(tmp_path / "new", [_record("A", "Alpha", "Alpha is a film.")])
    result = await ensure_ready(db, paths=[new])
    assert result.seeded_now
    async with db.session() as session:
        assert await starter_release(session) == STARTER_RELEASE
