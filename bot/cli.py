"""The `filmbot` command line: one-shot commands, the console chat, the bots, imports and maintenance."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import os
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from bot.config import Settings
from bot.i18n import _

log = logging.getLogger("filmbot")

EPILOG = """examples:
  filmbot film "miracle in cell"      show a film's card
  filmbot chat                        talk to the bot in this terminal (no tokens needed)
  filmbot run                         start the Discord and/or Telegram bots from your settings
  filmbot import films.jsonl page.txt add or update films (JSON Lines, JSON, CSV, film pages; .gz ok)
  filmbot import --format imdb ~/imdb  import IMDb's datasets (downloaded by you; personal, non-commercial use)
"""


FILM_EXAMPLES = """examples:
  filmbot film "miracle in cell"       the card of the best match
  filmbot film 7번방의 선물            any title, in any language
  filmbot film parasite 2019           a year picks between films of one title
  filmbot film '#23923'                a film by its id (shown on every card and list; quote the #)
  filmbot film 23923                   the same
  filmbot film alien --short --json    the card as data, as `filmbot export` writes it
"""


IMPORT_HELP = """formats (by file name; anything else is recognised from its first characters):
  .jsonl .ndjson   JSON Lines, one film a line: what `filmbot export` writes
  .json            a JSON array of the same records
  .csv             a header row of record fields (title, year, genres, …); lists split by "|"
  .txt .md         film pages as people paste them: the title, "Key: value" lines (Year, Director,
                   Genres, …), the synopsis, a cast list; several pages split by "---"
  any of them .gz  gzipped
  --format imdb    a folder of IMDb's TSV datasets (title.basics.tsv.gz, title.akas…, title.ratings…)

examples:
  filmbot import films.jsonl
  filmbot import club-picks.csv more-films.json.gz
  filmbot import page.txt --quiet
  filmbot import --format imdb ~/imdb --title-types movie,tvMovie
"""


def _output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--short", action="store_true", help="cut each synopsis to three lines")
    p.add_argument(
        "--json",
        action="store_true",
        help="print the answer as JSON: a card as the fields `filmbot export` writes (plus film_id), "
        "a list as its items with the command that opens each",
    )


class _Parser(argparse.ArgumentParser):
    """argparse's parser, except that its error line never shows a password: "unrecognized arguments:
    --database-url postgresql://bot:secret@db/films" (the option given after the command) quotes argv."""

    def error(self, message: str) -> NoReturn:
        from bot.logs import Redactor

        super().error(Redactor()(_URL_PASSWORD.sub(r"\1***\2", message)))


_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s]*(@)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="filmbot",
        description="A film-club bot for Discord, Telegram and your terminal.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database-url", help="database to use (default: DATABASE_URL or a local SQLite file)")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR (default: LOG_LEVEL or INFO)")
    _language_option(parser, default=None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "film",
        help="show the card of a film (fuzzy title, any language, or its #id)",
        description="Show one film's card: the best match for a title (typos, native titles and a year\n"
        "are fine), or a film by its id. Several close matches give a list with the command that opens each.",
        epilog=FILM_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("query", nargs="+", help="a title (any of its titles, optionally with a year) or an id: '#23923'")
    _output_options(p)
    p = sub.add_parser(
        "search",
        help="list films whose titles match some words",
        description="List every film whose titles match some words, ten a page, best first.",
        epilog='examples:\n  filmbot search miracle\n  filmbot search "cell no 7" --page 2\n'
        "  filmbot search parasite --json | jq '.items[].open'",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("words", nargs="+", help="words of a title, in any of its languages")
    p.add_argument("--page", type=int, default=1, help="which page of ten results (default: 1)")
    _output_options(p)
    p = sub.add_parser(
        "random",
        help="a random film people know, optionally of a genre",
        description="Pick a random film, preferring ones people know; name a genre to narrow it down.",
        epilog="examples:\n  filmbot random\n  filmbot random comedy\n  filmbot random science fiction --short",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("genre", nargs="*", help="a genre such as drama or science fiction (default: any)")
    _output_options(p)
    sub.add_parser(
        "chat",
        help="a chat in this terminal with every bot command (no tokens needed)",
        description="Talk to the bot in this terminal, as a club member would on Discord or Telegram: every "
        "/command works, a plain title is a lookup, a number picks from the last list or votes in an open "
        "movie night. Up/Down recall earlier lines (kept between sessions), Tab completes commands, Ctrl+C "
        "clears the line, Ctrl+D or /quit leaves. /as <name> acts as another member, to try a vote.",
    )
    sub.add_parser(
        "run",
        help="run the Discord and Telegram bots whose tokens are configured",
        description="Run every bot whose token is set (TELEGRAM__TOKEN, DISCORD__TOKEN in the environment or "
        ".env) in one process, until Ctrl+C or SIGTERM.",
    )

    p = sub.add_parser(
        "import",
        help="import films from files (transactional, idempotent)",
        description="Add or update films from files, all or nothing: a bad row is reported with its line\n"
        "and nothing of that import is written; importing the same file again changes nothing.",
        epilog=IMPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", type=Path, help="files; with --format imdb, the folder of IMDb's datasets")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--format", choices=["auto", "imdb"], default="auto", help="imdb: IMDb's TSV datasets (title.basics, …)"
    )
    p.add_argument(
        "--title-types",
        default="movie",
        help="with --format imdb: IMDb titleType values, comma-separated (default: movie; e.g. movie,tvMovie)",
    )
    p = sub.add_parser("enrich", help="fill missing fields of stored films from TMDB or Wikidata")
    p.add_argument("--source", choices=["tmdb", "wikidata"], help="default: TMDB when configured, else Wikidata")
    p.add_argument(
        "--fields",
        default="trailer,poster,directors,runtime,synopsis,votes,titles",
        help="comma-separated: trailer, poster, directors, runtime, synopsis, votes, titles (default: all)",
    )
    p.add_argument("--limit", type=int, help="at most this many films (default: every film missing a field)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p = sub.add_parser("export", help="write every film as JSON Lines")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    p.add_argument("--include-removed", action="store_true", help="also write films an admin removed")

    p = sub.add_parser("db", help="database maintenance")
    dbsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    dbsub.add_parser("upgrade", help="create or upgrade the schema to the latest version")
    dump = dbsub.add_parser("dump", help="back up every table as JSON Lines (.gz ok); restorable on any backend")
    dump.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    restore = dbsub.add_parser("restore", help="load a backup made by `db dump` into an empty database")
    restore.add_argument("file", type=Path, help="a file written by `filmbot db dump` (.gz ok)")
    restore.add_argument("--force", action="store_true", help="replace everything in a database that holds data")

    p = sub.add_parser("bench", help="benchmarks (figures, not pass/fail)")
    p.add_argument("bench_name", choices=["search", "answers"], help="search: index speed; answers: reply quality")
    p.add_argument("bench_args", nargs=argparse.REMAINDER, help="the benchmark's own options (see its --help)")

    p = sub.add_parser("discord", help="Discord maintenance")
    dsub = p.add_subparsers(dest="discord_command", metavar="ACTION", required=True)
    sync = dsub.add_parser("sync", help="upload the slash commands (globally, or to one server)")
    where = sync.add_mutually_exclusive_group()
    where.add_argument(
        "--guild", type=int, help="server id to sync to (instant; default: DISCORD__SYNC_GUILD_ID, else global)"
    )
    where.add_argument(
        "--global", dest="global_sync", action="store_true", help="sync globally even if a server is set"
    )
    _describe(parser)
    _language_everywhere(parser)
    return parser


LANG_HELP = (
    "the language of what I print: en, ko or ja (default: the terminal's locale, LC_ALL / LC_MESSAGES / LANG); "
    "--json output and log lines stay language-neutral"
)


def _language_option(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--lang", metavar="LANG", default=default, help=LANG_HELP)


def _language_everywhere(parser: argparse.ArgumentParser) -> None:
    """`--lang` before the command (`filmbot --lang ko film …`) or after it (`filmbot film … --lang ko`): every
    command takes it, without a default of its own so that it never hides the one given before the command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                if name != "bench":  # the benchmarks' own options follow it
                    _language_option(child, default=argparse.SUPPRESS)
                    _language_everywhere(child)


def _describe(parser: argparse.ArgumentParser) -> None:
    """A command's --help opens with its one-line summary when it has no longer description."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            summaries = {a.dest: a.help for a in action._choices_actions}
            for name, child in action.choices.items():
                if not child.description and summaries.get(name):
                    text = str(summaries[name])
                    child.description = text[0].upper() + text[1:] + "."
                _describe(child)


def load_settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if args.database_url:
        overrides["database_url"] = args.database_url
    if args.log_level:
        overrides["log_level"] = args.log_level
    return Settings(**overrides)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "bench":
        if args.bench_name == "answers":
            from bench.answers_bench import main as answers_main

            return answers_main(list(args.bench_args))
        from bench.search_bench import main as bench_main

        return bench_main(list(args.bench_args))
    if args.command == "chat":
        from adapters.console.terminal import ctrl_c_for_the_prompt_only

        # Before any import that starts a thread (bot.app imports numpy, whose OpenBLAS pool is one).
        with ctrl_c_for_the_prompt_only():
            return _run(args)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    """Run the command speaking the CLI's language (`--lang`, else the terminal's locale): stage lines, summaries,
    cards and errors a person reads; `--json` data and log lines stay English, and so does `run` (see there)."""
    from bot.cli_commands import terminal_language
    from bot.i18n import speaking

    # `run` keeps English as the process's default: each bot speaks every chat's own language, never the host's.
    with speaking(None if args.command == "run" else terminal_language(args.lang)):
        return _run_speaking(args)


def _run_speaking(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    from bot.app import configure_logging

    configure_logging(settings.log_level if args.command in {"run", "db"} else "WARNING", settings)
    try:
        if args.command == "chat":  # its prompt owns this thread; the services get a loop thread of their own
            from bot import cli_commands

            return cli_commands.chat(args, settings)
        return asyncio.run(dispatch(args, settings))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `filmbot export | head`: the reader left. Point stdout at /dev/null so the final flush is quiet too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:
        from bot.cli_commands import terminal_language
        from bot.i18n import speaking

        with speaking(terminal_language(args.lang)):  # `run` too: the person who started it reads this line
            message = database_error(exc, settings)
        if message is None:
            raise
        log.debug("database error", exc_info=exc)
        print(f"filmbot: {message}", file=sys.stderr)
        return 1


def database_error(exc: BaseException, settings: Settings) -> str | None:
    """One line for a database failure a person can act on (busy, read-only, full disk, unreachable
    server, wrong URL form, file gone), in the CLI's language; None for anything else. The password is never in
    it."""
    from bot.store.errors import explain

    try:
        url = settings.resolved_database_url()
    except Exception:  # the URL itself is what failed
        url = ""
    problem = explain(exc, url)
    return None if problem is None else " ".join(problem.translated().split())


async def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot import cli_commands, cli_sources

    handler = {
        "film": cli_commands.film,
        "search": cli_commands.search,
        "random": cli_commands.random_film,
        "run": run_bots,
        "import": cli_commands.import_files,
        "export": cli_commands.export_films,
        "enrich": cli_sources.enrich_films,
        "db": cli_commands.db,
        "discord": cli_commands.discord_sync,
    }[args.command]
    return await handler(args, settings)


def _import_for_run(telegram: bool, discord: bool) -> None:
    """Import what `run` needs (one-off start-up work, run in a worker thread)."""
    modules = ["bot.films.importers.apply", "sqlalchemy.dialects.sqlite.aiosqlite"]
    modules += ["adapters.telegram.runner", "anyio._backends._asyncio"] if telegram else []  # httpx's first request
    modules += ["adapters.discord.runner"] if discord else []
    for name in modules:
        importlib.import_module(name)


async def run_bots(args: argparse.Namespace, settings: Settings) -> int:
    """Start every adapter whose token is set, in one process, until Ctrl+C or SIGTERM."""
    tg = settings.telegram.token is not None
    dc = settings.discord.token is not None
    if not (tg or dc):
        from bot.cli_commands import terminal_language
        from bot.i18n import speaking

        with speaking(terminal_language(args.lang)):
            nothing_to_run = _(
                "No bot token is configured, so there is nothing to run.\n"
                "Set TELEGRAM__TOKEN and/or DISCORD__TOKEN in the environment or in .env (see .env.example).\n"
                "Meanwhile, try the bot in this terminal:  filmbot chat"
            )
        print(nothing_to_run, file=sys.stderr)
        return 2
    from bot.app import build_services, close_services
    from bot.loopwatch import watch_event_loop
    from bot.startup import StartupFailed
    from bot.store.errors import DatabaseFileGone

    if settings.asyncio_debug:
        watch_event_loop(asyncio.get_running_loop())
    # Importing discord.py / python-telegram-bot and the store takes a few hundred ms: do it off the loop.
    await asyncio.to_thread(_import_for_run, tg, dc)
    from bot.cli_progress import StageLog

    services = await build_services(settings, report=StageLog())
    # Movie-night polls close on time through one scheduler per process (bot.polls.announce); each adapter
    # registers its platform once connected and resynced, and unregisters on the way out.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    refresh = services.catalog.follow(stop, settings.catalog_refresh_seconds)
    tasks = [
        asyncio.create_task(refresh, name="catalog-refresh"),
        asyncio.create_task(services.db.watch_file(stop), name="database-file"),
    ]
    ops_server = None
    if settings.health.port is not None:
        # aiohttp.web and prometheus_client take ~0.13 s of CPU to import: do it off the event loop.
        await asyncio.to_thread(importlib.import_module, "bot.ops.server")
        from bot.ops.metrics import install_metrics
        from bot.ops.server import start_server

        metrics = install_metrics(services)
        health = services.health
        health.expected = {name for name, on in (("telegram", tg), ("discord", dc)) if on}
        health.listener_grace_s = settings.health.listener_grace_seconds
        ops_server = await start_server(settings.health, health, metrics)
        tasks.append(asyncio.create_task(metrics.watch_loop_lag(stop), name="loop-lag"))
    if services.films.learning is not None:
        tasks.append(asyncio.create_task(services.films.learning.keep_flushing(stop), name="learned-popularity"))
    if settings.sources.enrich_in_background:
        from bot.sources.background import enrich_in_background

        tasks.append(asyncio.create_task(enrich_in_background(settings, services.db, stop), name="enrichment"))
    if tg:
        from adapters.telegram.runner import run_telegram

        tasks.append(asyncio.create_task(run_telegram(services, stop), name="telegram"))
    if dc:
        from adapters.discord.runner import run_discord

        tasks.append(asyncio.create_task(run_discord(services, stop), name="discord"))
    try:
        done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if isinstance(task.exception(), StartupFailed | DatabaseFileGone):
                log.error("%s", task.exception())
                stop.set()
                await asyncio.gather(*tasks, return_exceptions=True)
                return 1
            if task.exception() is not None:
                log.error("%s adapter stopped", task.get_name(), exc_info=task.exception())
                stop.set()
                await asyncio.gather(*tasks, return_exceptions=True)
                return 1
        return 0
    finally:
        stop.set()
        if ops_server is not None:
            await ops_server.cleanup()
        await close_services(services)
