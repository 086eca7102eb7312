"""`filmbot db dump` and `filmbot db restore`: the CLI side of bot.store.backup."""

from __future__ import annotations

import argparse
import sys

from bot.config import Settings


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
        print(f"dumped {rows} rows to {args.output}", file=sys.stderr)
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
        print(f"filmbot: no such backup file: {args.file}", file=sys.stderr)
        return 1
    except (BackupProblem, UnicodeDecodeError, OSError) as exc:
        print(f"filmbot: nothing was restored: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    print(f"restored {report.rows} rows into {report.tables} tables of {db!r}", file=sys.stderr)
    return 0
