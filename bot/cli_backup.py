"""`filmbot db dump` and `filmbot db restore`: the CLI side of bot.store.backup."""

from __future__ import annotations

import argparse
import sys

from bot.config import Settings
from bot.i18n import _, ngettext
from bot.i18n.errors import TranslatableError


async def dump(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database
    from bot.store.backup import dump as dump_db
    from bot.store.backup import open_text

    db = await open_database(settings)
    try:
        if args.output is None:
            await dump_db(db, sys.stdout)
            return 0
        with open_text(args.output, write=True) as out:
            rows = await dump_db(db, out)
        print(
            ngettext("dumped {n} row to {path}", "dumped {n} rows to {path}", rows, path=args.output), file=sys.stderr
        )
        return 0
    finally:
        await db.dispose()


async def restore(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import make_database
    from bot.store.backup import BackupProblem, open_text
    from bot.store.backup import restore as restore_db

    # Not open_database: a database being restored into must not get the starter catalog first.
    db = make_database(settings)
    try:
        with open_text(args.file) as lines:
            report = await restore_db(db, lines, force=args.force)
    except FileNotFoundError:
        print("filmbot: " + _("no such backup file: {path}", path=args.file), file=sys.stderr)
        return 1
    except (BackupProblem, UnicodeDecodeError, OSError) as exc:
        reason = exc.translated() if isinstance(exc, TranslatableError) else exc
        print("filmbot: " + _("nothing was restored: {reason}", reason=reason), file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    rows = ngettext("{n} row", "{n} rows", report.rows)
    tables = ngettext("{n} table", "{n} tables", report.tables)
    print(
        _("restored {rows} into {tables} of {database}", rows=rows, tables=tables, database=repr(db)), file=sys.stderr
    )
    return 0
