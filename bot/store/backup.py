"""Backups as JSON Lines: every table of the database, one row a line, in the same form on every backend.

`dump` writes a header line (format, schema revision, tables) and then each table's rows in foreign-key
order, sorted by primary key, keys sorted, datetimes in UTC: so a SQLite database and a PostgreSQL one
holding the same data give byte-identical dumps, and a dump restored elsewhere and dumped again is the same
file. That is also how a club moves from the embedded SQLite default to PostgreSQL.

The tables are read from the database itself (not from the models), so a table added by a later migration
is in the backup without anyone remembering to list it. `restore` refuses a database that holds data
unless forced, and writes everything in one transaction: it lands whole or not at all.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.db import WRITE_OPTION, Database
from bot.store.locks import setup_lock

FORMAT = "filmbot-backup"
FORMAT_VERSION = 1
# alembic_version: the schema revision travels in the header instead. update_inbox: webhook updates in
# flight between Telegram and the workers (kept a day to recognise retries), not the club's data.
SKIPPED = {"alembic_version", "update_inbox"}
STATE_TABLES = {"catalog_state"}  # filled by the migrations: not "data" when deciding if a database is empty
BATCH = 1000


class BackupProblem(RuntimeError):
    """A backup that cannot be restored here, with a sentence saying why and what to do."""


@dataclass(slots=True)
class RestoreReport:
    tables: int
    rows: int


def open_text(path: Path, *, write: bool = False) -> IO[str]:
    """A backup file (gzip when it ends in .gz)."""
    if path.suffix == ".gz":
        return gzip.open(path, "wt" if write else "rt", encoding="utf-8")
    return path.open("w" if write else "r", encoding="utf-8")


async def _tables(conn: AsyncConnection) -> list[sa.Table]:
    metadata = sa.MetaData()
    await conn.run_sync(lambda sync: metadata.reflect(sync))
    return [t for t in metadata.sorted_tables if t.name not in SKIPPED]


async def _revision(conn: AsyncConnection) -> str:
    rows = (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalars()
    return ",".join(sorted(rows))


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        raise BackupProblem("binary columns are not supported by the backup format")
    return value


def _decoder(column: sa.Column[Any]) -> Any:
    if isinstance(column.type, sa.DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(column.type, sa.Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    return None


def _order(table: sa.Table, dialect: str) -> list[Any]:
    """Primary key order, strings compared by code point on every backend (PostgreSQL's "C" collation is
    SQLite's BINARY), so both list rows alike."""
    columns = list(table.primary_key.columns) or list(table.columns)
    if dialect != "postgresql":
        return columns
    return [c.collate("C") if isinstance(c.type, sa.String) else c for c in columns]


async def dump_lines(db: Database) -> AsyncIterator[str]:
    """The backup, line by line (each ends with a newline); read in one snapshot transaction."""
    async with db.engine.connect() as conn:
        if db.dialect == "postgresql":  # one snapshot of every table, even while the bots write
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        tables = await _tables(conn)
        header = {"format": FORMAT, "version": FORMAT_VERSION, "revision": await _revision(conn),
                  "tables": [t.name for t in tables]}  # fmt: skip
        yield json.dumps(header, sort_keys=True) + "\n"
        for table in tables:
            result = await conn.stream(sa.select(table).order_by(*_order(table, db.dialect)))
            async for rows in result.partitions(BATCH):
                yield "".join(_line(table.name, row._mapping) for row in rows)


def _line(table: str, row: Any) -> str:
    record = {key: _encode(value) for key, value in row.items()}
    return json.dumps({"table": table, "row": record}, ensure_ascii=False, sort_keys=True) + "\n"


async def dump(db: Database, out: IO[str]) -> int:
    """Write the backup to `out`; returns the number of rows written."""
    rows = -1  # the header is not a row
    async for chunk in dump_lines(db):
        out.write(chunk)
        rows += chunk.count("\n")
    return rows


def _records(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BackupProblem(f"line {number} is not JSON ({exc.msg}); nothing was restored") from None
            if not isinstance(record, dict):
                raise BackupProblem(f"line {number} is not a backup record; nothing was restored")
            yield number, record


async def restore(db: Database, lines: Iterable[str], *, force: bool = False) -> RestoreReport:
    """Load a backup into `db` (migrated first). Refuses a database holding data unless `force`, which
    replaces everything in it. One transaction: on any problem nothing changes."""
    records = _records(lines)
    first = next(records, None)
    if first is None or first[1].get("format") != FORMAT:
        raise BackupProblem("this file is not a filmbot backup (its first line has no filmbot header)")
    header = first[1]
    if header.get("version") != FORMAT_VERSION:
        raise BackupProblem(f"backup format {header.get('version')} is not one this filmbot reads ({FORMAT_VERSION})")
    async with setup_lock(db):
        await db.upgrade()
        engine = db.engine.execution_options(**{WRITE_OPTION: True})  # BEGIN IMMEDIATE on SQLite
        async with engine.begin() as conn:
            revision = await _revision(conn)
            if header.get("revision") != revision:
                raise BackupProblem(
                    f"this backup is of schema revision {header.get('revision')} but the database is at "
                    f"{revision}: restore it with the filmbot version that made it, then upgrade"
                )
            tables = {t.name: t for t in await _tables(conn)}
            if not force:
                for table in tables.values():
                    if table.name in STATE_TABLES:
                        continue
                    if (await conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1))).first():
                        raise BackupProblem(
                            f"the database already holds data (table {table.name}); restoring would mix two "
                            "clubs. Restore into an empty database, or pass --force to replace everything in it"
                        )
            for table in reversed(list(tables.values())):
                await conn.execute(table.delete())
            rows = await _insert_all(conn, tables, records)
            if db.dialect == "postgresql":
                await _reset_sequences(conn, tables.values())
    return RestoreReport(len(tables), rows)


async def _insert_all(
    conn: AsyncConnection, tables: dict[str, sa.Table], records: Iterator[tuple[int, dict[str, Any]]]
) -> int:
    batch: list[dict[str, Any]] = []
    current: sa.Table | None = None
    decoders: dict[str, Any] = {}
    count = 0

    async def flush() -> None:
        if current is not None and batch:
            await conn.execute(current.insert(), batch)
            batch.clear()

    for number, record in records:
        name, row = record.get("table"), record.get("row")
        table = tables.get(name) if isinstance(name, str) else None
        if table is None or not isinstance(row, dict):
            raise BackupProblem(f"line {number}: unknown table {name!r}; nothing was restored")
        if table is not current:
            await flush()
            current = table
            decoders = {c.name: d for c in table.columns if (d := _decoder(c)) is not None}
        unknown = set(row) - set(table.columns.keys())
        if unknown:
            raise BackupProblem(f"line {number}: {name} has no column {sorted(unknown)[0]!r}; nothing was restored")
        try:
            batch.append({k: decoders[k](v) if k in decoders else v for k, v in row.items()})
        except (TypeError, ValueError) as exc:
            raise BackupProblem(f"line {number}: a bad value in {name} ({exc}); nothing was restored") from None
        count += 1
        if len(batch) >= BATCH:
            await flush()
    await flush()
    return count


async def _reset_sequences(conn: AsyncConnection, tables: Iterable[sa.Table]) -> None:
    """Explicit ids were inserted: move each serial/identity sequence past the largest one."""
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            sequence = (
                await conn.execute(sa.select(sa.func.pg_get_serial_sequence(table.name, column.name)))
            ).scalar_one_or_none()
            if sequence is not None:
                largest = f'SELECT coalesce(max("{column.name}"), 0) + 1 FROM "{table.name}"'
                await conn.execute(sa.text(f"SELECT setval(:seq, ({largest}), false)"), {"seq": sequence})
