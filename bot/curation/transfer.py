"""Catalog import from an uploaded file and export to a JSON Lines file, for admins in chat.

Both reuse the importers the CLI uses (`parse_text`, the record schema, `export_jsonl`). An import is
parsed completely first (a malformed file raises ImportFailed naming the line, and nothing is written),
then written with its audit row in one transaction, then the search index is updated.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import Actor
from bot.curation.store import CurationRepository
from bot.films.importers import ImportFailed, ParsedBatch
from bot.i18n import _
from bot.replies import FileReply, Problem, Reply, Text
from bot.store.bulk import ImportCounts
from bot.store.db import Database
from bot.store.films import FilmRepository

if TYPE_CHECKING:
    from bot.curation.service import Curation

MAX_UPLOAD_BYTES = 50 << 20  # Telegram bots can't download more than 20 MB anyway; Discord allows ~25
SHOWN_WARNINGS = 5
REBUILD_OVER = 2000  # more changed films than this: rebuild the index once instead of film by film
GZIP_OVER = 8 << 20  # exports larger than this are gzipped (the importer reads .jsonl.gz back)
EXPORT_KEEP_SECONDS = 24 * 3600
LOCAL_PLATFORMS = frozenset({"console", "cli"})


def cli_actor() -> Actor:
    """Who a command-line import is recorded as: the local operator (an admin by definition)."""
    user = os.environ.get("USER") or os.environ.get("USERNAME") or "local"
    return Actor("cli", user[:64], "cli", is_owner=True, display_name="command line")


async def audit_import(
    session: AsyncSession,
    actor: Actor,
    names: Sequence[str],
    records: int,
    counts: ImportCounts,
    *,
    at: datetime | None = None,
) -> None:
    """The one audit row of an import (chat upload or CLI), in the import's own transaction: call it with
    the session that ran `upsert_many`, before the commit. Cheap: one row, whatever the file's size."""
    await CurationRepository(session).add_audit(
        actor,
        "import",
        at=at or datetime.now(UTC),
        field=", ".join(names)[:40] or None,
        new=f"{records} records: {summary(counts)}",
    )


def summary(counts: ImportCounts) -> str:
    text = _(
        "{added} added, {updated} updated, {unchanged} unchanged",
        added=counts.added,
        updated=counts.updated,
        unchanged=counts.unchanged,
    )
    if counts.skipped:
        text += _(", {skipped} duplicates merged", skipped=counts.skipped)
    return text


async def import_upload(cur: Curation, actor: Actor, filename: str, data: bytes) -> Reply:
    """Import one uploaded file (admin check already done). Nothing is written when any record is bad."""
    name = Path(filename or "upload").name[:100] or "upload"
    if not data:
        return Problem(_("{name} is empty.", name=name))
    if len(data) > MAX_UPLOAD_BYTES:
        return Problem(
            _(
                "{name} is too large ({data} MB; at most {MAX_UPLOAD_BYTES} MB).",
                name=name,
                data=len(data) >> 20,
                MAX_UPLOAD_BYTES=MAX_UPLOAD_BYTES >> 20,
            )
        )
    limits = cur.settings.imports.limits(chat=actor.platform not in LOCAL_PLATFORMS)
    from bot.films.importers.reader import parse_bytes  # the readers load on first use

    return await _import(cur, actor, name, lambda: parse_bytes(data, name, limits=limits))


async def _import(cur: Curation, actor: Actor, name: str, parse: Callable[[], ParsedBatch]) -> Reply:
    try:
        batch = await asyncio.to_thread(parse)
    except ImportFailed as exc:
        where = _("line {line}", line=exc.line) + ": " if exc.line is not None else ""
        return Problem(
            _("Nothing was imported. {file} {where}{reason}", file=exc.file, where=where, reason=exc.reason),
            hint=_("Fix that line and send the file again."),
        )
    now = cur.clock()
    async with cur.db.write() as session:
        counts = await FilmRepository(session).upsert_many(batch.films)
        await audit_import(session, actor, [name], len(batch.films), counts, at=now)
    await refresh_index(cur, counts.changed_ids)
    warnings = [*batch.warnings, *counts.warnings]
    body = f"{name}: {len(batch.films)} records — {summary(counts)}."
    if warnings:
        shown = "\n".join(f"• {w}" for w in warnings[:SHOWN_WARNINGS])
        more = (
            _("\n…and {SHOWN_WARNINGS} more.", SHOWN_WARNINGS=len(warnings) - SHOWN_WARNINGS)
            if len(warnings) > SHOWN_WARNINGS
            else ""
        )
        body += _("\nWarnings:\n{shown}{more}", shown=shown, more=more)
    return Text(body, title=_("Import done"))


async def refresh_index(cur: Curation, changed_ids: list[int]) -> None:
    """After the commit: show the imported films in search (per film, or one rebuild for big imports)."""
    if not changed_ids:
        return
    if len(changed_ids) > REBUILD_OVER:
        await cur.catalog.load()
        return
    films = await cur.catalog.films(changed_ids)
    for film_id in changed_ids:
        film = films.get(film_id)
        if film is None:
            cur.catalog.film_removed(film_id)  # removed films stay removed on re-import
        else:
            cur.catalog.film_changed(film)


async def export_catalog(cur: Curation, actor: Actor) -> Reply:
    """Every non-removed film as JSON Lines (gzipped when large); console/CLI get a file path instead.

    The file is produced in a worker thread (with its own connection and event loop), streamed a batch of
    films at a time to a temporary file, so neither the event loop nor memory carries the ~25 MB."""
    stamp = cur.clock().strftime("%Y%m%d-%H%M")
    folder = await asyncio.to_thread(_export_folder)
    target = await asyncio.to_thread(_new_private_file, folder, f"filmbot-catalog-{stamp}-")
    if cur.db.in_memory:  # only this engine sees it (tests): write from here
        count = await _write_export(cur.db, target)
    else:
        count = await asyncio.to_thread(asyncio.run, _export_in_thread(cur.db, target))
    path = await asyncio.to_thread(_pack_if_large, target)
    filename = f"filmbot-catalog-{stamp}.jsonl" + (".gz" if path.suffix == ".gz" else "")
    caption = _("{count} films, exported {clock}.", count=count, clock=_when(cur.clock()))
    if actor.platform in LOCAL_PLATFORMS:
        return Text(_("{caption}\nWritten to {path}", caption=caption, path=path), title=_("Catalog exported"))
    return FileReply(filename=filename, caption=caption, path=path)


async def _export_in_thread(db: Database, target: Path) -> int:
    twin = db.twin()
    try:
        return await _write_export(twin, target)
    finally:
        await twin.dispose()


async def _write_export(db: Database, target: Path) -> int:
    """Stream the catalog to `target`, a batch of films at a time; returns the film count."""
    with target.open("w", encoding="utf-8", newline="\n") as out:
        async with db.session() as session:
            from bot.films.importers.export import export_jsonl_async

            return await export_jsonl_async(FilmRepository(session).iter_films(), out)


def _pack_if_large(target: Path) -> Path:
    """The file to send: `target` itself, or when large its gzipped copy (the original is deleted)."""
    if target.stat().st_size <= GZIP_OVER:
        return target
    packed = target.with_name(target.name + ".gz")
    raw_fd = os.open(packed, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with (
        target.open("rb") as src,
        os.fdopen(raw_fd, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as dst,
    ):
        shutil.copyfileobj(src, dst, 1 << 20)
    target.unlink()
    return packed


def _new_private_file(folder: Path, prefix: str) -> Path:
    """A new, empty file only this user can read (mode 0600, created exclusively)."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".jsonl", dir=folder)
    os.close(fd)
    return Path(name)


def _export_folder() -> Path:
    """Where exports are written: this user's own cache folder (mode 0700), never a shared, guessable path
    in /tmp that another local user could pre-create or read. Files left there for over a day (a failed
    upload) are swept."""
    folder = Path(platformdirs.user_cache_dir("filmbot", appauthor=False)) / "exports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    stale = time.time() - EXPORT_KEEP_SECONDS
    for old in folder.glob("filmbot-catalog-*"):
        with contextlib.suppress(OSError):
            if old.stat().st_mtime < stale:
                old.unlink()
    return folder


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


async def import_local(cur: Curation, actor: Actor, path_text: str) -> Reply:
    """Console/CLI only: import a file from this machine (chat platforms must attach the file)."""
    if actor.platform not in LOCAL_PLATFORMS:
        return Problem(_("Attach the file to your message with /film import (JSONL, JSON, CSV or film pages)."))
    path = await asyncio.to_thread(lambda: Path(path_text).expanduser())
    if not await asyncio.to_thread(path.is_file):
        return Problem(_("I can't read {path_text}: there is no such file.", path_text=path_text))
    limits = cur.settings.imports.limits(chat=False)
    from bot.films.importers.reader import parse_file

    return await _import(cur, actor, path.name, lambda: parse_file(path, limits=limits))
