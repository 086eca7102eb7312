"""The `/` command menu, generated from the command registry.

Telegram commands are flat, so a group (`/movienight nominate`, `/movienight vote`) appears as one command
whose description lists its subcommands. Everyone sees the commands anyone may run; group administrators
also see the admin-only ones.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllChatAdministrators, BotCommandScopeDefault

from adapters.telegram.html import one_line, trim
from bot.commands import CommandRegistry

log = logging.getLogger(__name__)

MAX_COMMANDS = 100
DESCRIPTION_CHARS = 256


def bot_commands(registry: CommandRegistry, *, admin: bool) -> list[BotCommand]:
    commands: list[BotCommand] = []
    seen: set[str] = set()
    for spec in (s for s in registry if admin or not s.admin_only):
        if spec.group is None:
            name, description = spec.name, spec.summary
        else:
            if spec.group in seen:
                continue
            subs = [s for s in registry.groups()[spec.group] if admin or not s.admin_only]
            name = spec.group
            description = "; ".join(f"{s.name} — {s.summary}" for s in subs)
        if name in seen:
            continue
        if spec.group is None and spec.name in registry.groups():
            # `/film` is both a command and a group (`/film add`): one menu entry names both.
            names = [s.name for s in registry.groups()[spec.name] if admin or not s.admin_only]
            if names:
                description = f"{description} (also: {', '.join(names)})"
        seen.add(name)
        commands.append(BotCommand(name, trim(one_line(description), DESCRIPTION_CHARS) or name))
    return commands[:MAX_COMMANDS]


async def publish_commands(bot: Bot, registry: CommandRegistry) -> None:
    """Set the menu for everyone and the fuller one for chat administrators."""
    everyone = bot_commands(registry, admin=False)
    admins = bot_commands(registry, admin=True)
    await bot.set_my_commands(everyone, scope=BotCommandScopeDefault())
    if [(c.command, c.description) for c in admins] != [(c.command, c.description) for c in everyone]:
        await bot.set_my_commands(admins, scope=BotCommandScopeAllChatAdministrators())
    log.info("telegram command menu set: %d commands (%d for admins)", len(everyone), len(admins))
