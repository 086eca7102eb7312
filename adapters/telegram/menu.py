"""The `/` command menu, generated from the command registry, in every language we ship.

Telegram commands are flat, so a group (`/movienight nominate`, `/movienight vote`) appears as one command
whose description lists its subcommands. Everyone sees the commands anyone may run; group administrators
also see the admin-only ones. The menu is set once for everyone (English, Telegram's fallback) and once per
translated language with `language_code`, so a member whose app speaks Korean or Japanese reads the
descriptions in their language. Command names stay ASCII (Telegram allows only `a-z`, `0-9` and `_`), and
descriptions are kept within Telegram's 3-256 characters after translation.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllChatAdministrators, BotCommandScopeDefault

from adapters.telegram.html import one_line, trim
from bot.commands import CommandRegistry
from bot.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.i18n.command_text import phrase, summary

log = logging.getLogger(__name__)

MAX_COMMANDS = 100
DESCRIPTION_CHARS = 256
DESCRIPTION_MIN = 3
ALSO = "{description} (also: {names})"  # a command that is also a group: `/film` and `/film add`


def bot_commands(registry: CommandRegistry, *, admin: bool, language: str | None = None) -> list[BotCommand]:
    """The menu entries for members (or admins) in `language` (None: English)."""
    commands: list[BotCommand] = []
    seen: set[str] = set()
    for spec in (s for s in registry if admin or not s.admin_only):
        if spec.group is None:
            name, description = spec.name, summary(spec.summary, language)
        else:
            if spec.group in seen:
                continue
            subs = [s for s in registry.groups()[spec.group] if admin or not s.admin_only]
            name = spec.group
            description = "; ".join(f"{s.name} — {summary(s.summary, language)}" for s in subs)
        if name in seen:
            continue
        if spec.group is None and spec.name in registry.groups():
            # `/film` is both a command and a group (`/film add`): one menu entry names both.
            names = [s.name for s in registry.groups()[spec.name] if admin or not s.admin_only]
            if names:
                description = phrase(ALSO, language, description=description, names=", ".join(names))
        seen.add(name)
        text = trim(one_line(description), DESCRIPTION_CHARS)
        commands.append(BotCommand(name, text if len(text) >= DESCRIPTION_MIN else f"/{name}"))
    return commands[:MAX_COMMANDS]


async def publish_commands(bot: Bot, registry: CommandRegistry) -> None:
    """Set the menu for everyone and the fuller one for chat administrators: the default (English) and then
    one per translated language."""
    for language in SUPPORTED_LANGUAGES:
        code = None if language == DEFAULT_LANGUAGE else language
        everyone = bot_commands(registry, admin=False, language=code)
        admins = bot_commands(registry, admin=True, language=code)
        await bot.set_my_commands(everyone, scope=BotCommandScopeDefault(), language_code=code)
        if [(c.command, c.description) for c in admins] != [(c.command, c.description) for c in everyone]:
            await bot.set_my_commands(admins, scope=BotCommandScopeAllChatAdministrators(), language_code=code)
        log.info(
            "telegram command menu set (%s): %d commands (%d for admins)",
            language,
            len(everyone),
            len(admins),
        )
