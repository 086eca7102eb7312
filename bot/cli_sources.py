"""CLI commands for online sources and dataset imports: `import --format imdb` and `enrich`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli_commands import import_summary, print_warnings
from bot.cli_progress import FILMS_UNIT
from bot.config import Settings
from bot.i18n import _


class StageBar:
    """One tqdm bar per stage (bytes while reading a dataset, films while writing); hidden off a terminal."""

    def __init__(self, *, disable: bool | None = None) -> None:
        self._bar: Any = None
        self._stage = ""
        self._disable = disable

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if stage != self._stage:
            self.close()
            self._stage = stage
            unit = " " + _(FILMS_UNIT) if stage == "films" else "B"
            self._bar = tqdm(
                total=total, desc=stage, unit=unit, unit_scale=unit == "B", file=sys.stderr, disable=self._disable
            )
        self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


async def import_imdb_dir(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import open_database
    from bot.curation.transfer import audit_import, cli_actor
    from bot.films.importers import ImportFailed
    from bot.films.importers.imdb import ImdbOptions
    from bot.films.importers.imdb_apply import import_imdb
    from bot.store.bulk import ImportCounts

    if len(args.files) != 1 or not args.files[0].is_dir():
        print(_("With --format imdb, give the one folder holding IMDb's .tsv.gz files."), file=sys.stderr)
        return 2
    directory = args.files[0]
    types = frozenset(t.strip() for t in args.title_types.split(",") if t.strip())
    if not types:
        print(_("--title-types needs at least one IMDb titleType (e.g. movie)."), file=sys.stderr)
        return 2

    async def audit(session: AsyncSession, records: int, counts: ImportCounts) -> None:
        await audit_import(session, cli_actor(), [f"imdb:{directory.name}"], records, counts)

    db = await open_database(settings)
    bar = StageBar(disable=True if args.quiet else None)
    try:
        try:
            report = await import_imdb(db, directory, ImdbOptions(title_types=types), bar, before_commit=audit)
        except ImportFailed as exc:
            bar.close()
            print(_("Nothing was imported: {reason}", reason=exc.translated()), file=sys.stderr)
            return 1
        bar.close()
        print_warnings(report.warnings)
        print(import_summary(report.counts))
        return 0
    finally:
        bar.close()
        await db.dispose()


async def enrich_films(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database
    from bot.sources import SourceError, Sources
    from bot.sources.enrich import FIELDS, enrich

    fields = [f.strip() for f in args.fields.split(",") if f.strip()]
    unknown = [f for f in fields if f not in FIELDS]
    if unknown or not fields:
        given = ", ".join(unknown) or _("(none given)")
        print(_("Unknown field(s): {fields}; choose from {choices}.", fields=given, choices=", ".join(FIELDS)),
              file=sys.stderr)  # fmt: skip
        return 2
    if args.limit is not None and args.limit < 1:
        print(_("--limit must be at least 1."), file=sys.stderr)
        return 2
    sources = Sources.from_settings(settings)
    name = args.source or ("tmdb" if sources.tmdb is not None else "wikidata")
    client = sources.tmdb if name == "tmdb" else sources.wikidata
    if client is None:
        await sources.close()
        hint = "TMDB__READ_TOKEN or TMDB__API_KEY" if name == "tmdb" else "WIKIDATA__CONTACT"
        print(_("{source} is not configured: set {settings} (see .env.example).", source=name, settings=hint),
              file=sys.stderr)  # fmt: skip
        return 2
    from bot.curation.transfer import cli_actor

    db = await open_database(settings)
    bar = _FilmBar(disable=True if args.quiet else None)
    try:
        summary = await enrich(
            db, client, cli_actor(), fields=fields, limit=args.limit,
            per_second=settings.sources.enrich_per_second, progress=bar,
        )  # fmt: skip
    except SourceError as exc:
        print(f"filmbot: {exc}", file=sys.stderr)
        return 1
    finally:
        bar.close()
        await sources.close()
        await db.dispose()
    print(summary.text(_))
    return 0


class _FilmBar:
    def __init__(self, *, disable: bool | None) -> None:
        self._disable = disable
        self._bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self._bar is None:
            self._bar = tqdm(total=total, unit=" " + _(FILMS_UNIT), file=sys.stderr, disable=self._disable)
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
