"""The one-shot CLI commands. Each opens the database (created and seeded on first use), acts, closes."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.cli_progress import FILMS_UNIT
from bot.commands import Actor, CommandContext
from bot.config import Settings
from bot.i18n import _, current_language, ngettext, speaking, translator
from bot.replies import Problem, Reply
from bot.services import Services

if TYPE_CHECKING:
    from bot.store.films import ImportCounts

CLI_ACTOR = Actor(platform="cli", user_id="owner", chat_id="cli", is_owner=True)


def reply_language(args: argparse.Namespace) -> str:
    """The language of a one-shot command's reply: the CLI's (`--lang`, else the terminal's locale, spoken around
    the whole command by bot.cli), but English for `--json`, which is data for scripts, the same on every machine."""
    return "en" if getattr(args, "json", False) else current_language()


def cli_actor(args: argparse.Namespace) -> Actor:
    """The person at the terminal, speaking the reply's language (the registry answers in the actor's)."""
    return dataclasses.replace(CLI_ACTOR, language=reply_language(args))


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Services]:
    from bot.app import build_services, close_services
    from bot.cli_progress import setup_report

    services = await build_services(settings, report=setup_report(settings.log_format))
    try:
        yield services
    finally:
        await close_services(services)


def show(reply: Reply, args: argparse.Namespace | None = None) -> int:
    """Print a reply as a card or list (`--short`: three-line synopsis); exit status 1 for a Problem."""
    from adapters.console.render import render
    from bot.cli_json import open_command

    print(render(reply, short=bool(getattr(args, "short", False)), opener=open_command))
    return 1 if isinstance(reply, Problem) else 0


async def formats_ready() -> None:
    """Load Babel's data for the current language in a worker thread before a card is rendered on the event loop
    (runtimes and dates in Korean or Japanese; nothing to load for English)."""
    from bot.i18n.formats import load_language

    await asyncio.to_thread(load_language, current_language())


async def answer(services: Services, reply: Reply, args: argparse.Namespace) -> int:
    """Show the reply as text, or as data with `--json`."""
    if getattr(args, "json", False):
        from bot.cli_json import reply_json

        print(await reply_json(reply, services))
        return 1 if isinstance(reply, Problem) else 0
    await formats_ready()
    return show(reply, args)


async def run_command(settings: Settings, name: str, raw: dict[str, str], args: argparse.Namespace) -> int:
    async with opened(settings) as services:
        spec = services.registry.get(name)
        assert spec is not None
        reply = await services.registry.run(spec, CommandContext(cli_actor(args), services), raw)
        return await answer(services, reply, args)


def by_id(query: str, services: Services) -> str:
    """`filmbot film 23923` opens film #23923, unless a film is titled so (`filmbot film 1917`)."""
    if not query.isdigit() or len(query) > 12:
        return query
    titled = any(m.matched_title.strip() == query for m in services.catalog.index.search(query)[:5])
    return query if titled else f"#{query}"


async def film(args: argparse.Namespace, settings: Settings) -> int:
    async with opened(settings) as services:
        spec = services.registry.get("film")
        assert spec is not None
        query = by_id(" ".join(args.query).strip(), services)
        reply = await services.registry.run(spec, CommandContext(cli_actor(args), services), {"title": query})
        return await answer(services, reply, args)


async def search(args: argparse.Namespace, settings: Settings) -> int:
    async with opened(settings) as services:
        with speaking(reply_language(args)):
            reply = await services.films.search(" ".join(args.words), page=max(args.page, 1) - 1)
        return await answer(services, reply, args)


async def random_film(args: argparse.Namespace, settings: Settings) -> int:
    return await run_command(settings, "random", {"genre": " ".join(args.genre)}, args)


def chat(args: argparse.Namespace, settings: Settings) -> int:
    """`filmbot chat`: the prompt on this thread (readline editing and history), the services on a loop
    thread of their own (adapters.console.terminal)."""
    from adapters.console.chat import QUIT_WORDS, WELCOME, ConsoleChat
    from adapters.console.terminal import chat_in_terminal

    stop = asyncio.Event()
    running: dict[str, object] = {}
    language = terminal_language(getattr(args, "lang", None))

    async def start() -> tuple[Services, ConsoleChat]:
        from bot.app import build_services
        from bot.cli_progress import setup_report

        # (on the chat's loop thread, which does not share this thread's `speaking`: the language goes along)
        services = await build_services(settings, report=setup_report(settings.log_format, translator(language)))
        if services.films.learning is not None:
            running["flushing"] = asyncio.create_task(services.films.learning.keep_flushing(stop))
        # The console follows other processes' catalog changes as the bots do (an admin's edit shows here).
        running["following"] = asyncio.create_task(services.catalog.follow(stop, settings.catalog_refresh_seconds))
        return services, ConsoleChat(services, language=language)

    async def answer(state: tuple[Services, ConsoleChat], line: str) -> str:
        return await state[1].handle(line)

    async def follow(state: tuple[Services, ConsoleChat]) -> str:
        return await state[1].follow_up()

    async def finish(state: tuple[Services, ConsoleChat]) -> None:
        from bot.app import close_services

        stop.set()
        for task in running.values():
            if isinstance(task, asyncio.Task):
                await task
        await close_services(state[0])

    words = ["/" + name for name in chat_words()] + ["/as", "/quit"]
    with speaking(language):
        welcome = _(WELCOME)
    return chat_in_terminal(start, answer, finish, welcome=welcome, quit_words=QUIT_WORDS, words=words, follow=follow)


def terminal_language(option: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The console member's language: `--lang`, else the terminal's locale (LC_ALL, LC_MESSAGES, LANG — the
    first one set, as gettext reads them); None when neither names one (the registry then answers in English)."""
    if option:
        return option
    env = os.environ if environ is None else environ
    return next((env[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if env.get(name)), None)


def chat_words() -> list[str]:
    """What Tab completes at the chat prompt: every command name (`film`, `movienight poll`, …)."""
    from bot.registry import all_specs

    return sorted(spec.full_name for spec in all_specs())


async def import_files(args: argparse.Namespace, settings: Settings) -> int:
    if getattr(args, "format", "auto") == "imdb":
        from bot.cli_sources import import_imdb_dir

        return await import_imdb_dir(args, settings)
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import open_database
    from bot.cli_progress import setup_report
    from bot.curation.transfer import audit_import, cli_actor
    from bot.films.importers import ImportFailed
    from bot.films.importers.apply import import_films

    names = [path.name for path in args.files]

    async def audit(session: AsyncSession, records: int, counts: ImportCounts) -> None:
        await audit_import(session, cli_actor(), names, records, counts)

    db = await open_database(settings, setup_report(settings.log_format))
    try:
        progress = None if args.quiet else _progress_bar()
        try:
            report = await import_films(
                db, args.files, progress=progress, before_commit=audit, limits=settings.imports.limits(chat=False)
            )
        except ImportFailed as exc:
            print(_("Nothing was imported: {reason}", reason=exc.translated()), file=sys.stderr)
            return 1
        finally:
            if progress is not None:
                progress.close()
        print_warnings(report.warnings)
        print(import_summary(report.counts))
        return 0
    finally:
        await db.dispose()


SHOWN_WARNINGS = 50


def print_warnings(warnings: list[str]) -> None:
    """An import's warnings on stderr, the first fifty of them."""
    for warning in warnings[:SHOWN_WARNINGS]:
        print(_("warning: {warning}", warning=warning), file=sys.stderr)
    if len(warnings) > SHOWN_WARNINGS:
        left = len(warnings) - SHOWN_WARNINGS
        print(ngettext("... and {n} more warning", "... and {n} more warnings", left), file=sys.stderr)


def import_summary(counts: ImportCounts) -> str:
    """What an import did: "added 3, updated 1, unchanged 40, skipped 0"."""
    return _(
        "added {added}, updated {updated}, unchanged {unchanged}, skipped {skipped}",
        added=counts.added, updated=counts.updated, unchanged=counts.unchanged, skipped=counts.skipped,
    )  # fmt: skip


class _progress_bar:
    """A tqdm bar fed by the importer's (done, total) callback."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=0, unit=" " + _(FILMS_UNIT), file=sys.stderr, disable=None)

    def __call__(self, done: int, total: int) -> None:
        if self._bar.total != total:
            self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        self._bar.close()


async def export_films(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database
    from bot.cli_progress import setup_report
    from bot.films.importers.export import export_jsonl
    from bot.store.films import FilmRepository

    db = await open_database(settings, setup_report(settings.log_format))
    try:
        async with db.session() as session:
            films = [f async for f in FilmRepository(session).iter_films(include_removed=args.include_removed)]
        if args.output:
            with args.output.open("w", encoding="utf-8") as out:
                count = export_jsonl(films, out)
            print(ngettext("exported {n} film to {path}", "exported {n} films to {path}", count, path=args.output),
                  file=sys.stderr)  # fmt: skip
        else:
            export_jsonl(films, sys.stdout)
        return 0
    finally:
        await db.dispose()


async def db(args: argparse.Namespace, settings: Settings) -> int:
    from bot import cli_backup

    handler = {"upgrade": db_upgrade, "dump": cli_backup.dump, "restore": cli_backup.restore}[args.db_command]
    return await handler(args, settings)


async def db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database
    from bot.cli_progress import setup_report

    db = await open_database(settings, setup_report(settings.log_format))
    await db.dispose()
    print(_("database is up to date: {database}", database=repr(db)))
    return 0


async def discord_sync(args: argparse.Namespace, settings: Settings) -> int:
    if settings.discord.token is None:
        print(_("Set DISCORD__TOKEN first (see .env.example)."), file=sys.stderr)
        return 2
    from adapters.discord.sync import sync_commands

    guild = None if args.global_sync else (args.guild or settings.discord.sync_guild_id)
    async with opened(settings) as services:
        with speaking(None):  # the commands' own (English) names and descriptions; ko and ja go as localizations
            count = await sync_commands(services, guild_id=guild)
    if guild:
        print(ngettext("synced {n} command to server {guild}", "synced {n} commands to server {guild}", count,
                       guild=guild))  # fmt: skip
    else:
        everywhere = ngettext(
            "synced {n} command to all servers (global; may take up to an hour to show)",
            "synced {n} commands to all servers (global; may take up to an hour to show)",
            count,
        )
        print(everywhere)
    return 0
