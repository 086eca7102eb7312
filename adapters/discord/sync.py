"""`filmbot discord sync [--guild ID]`: upload the slash commands built from the registry.

Commands go up with their Korean and Japanese names and descriptions (`adapters.discord.translator`).
Logs in over HTTP only (no gateway connection) and bulk-overwrites the command list, globally or in one
server. A server sync is instant and meant for development; it copies the global commands into that server,
so a server that also sees the global ones shows both until the server copy is removed
(sync again after removing them, or sync globally only).
"""

from __future__ import annotations

import logging

import discord

from adapters.discord.client import build_client
from adapters.discord.translator import CatalogTranslator
from bot.services import Services

log = logging.getLogger(__name__)


async def sync_commands(services: Services, guild_id: int | None = None) -> int:
    """Upload the commands; returns how many top-level commands Discord now has there."""
    token = services.settings.discord.token
    if token is None:
        raise RuntimeError("DISCORD__TOKEN is not set")
    client = build_client(services)
    async with client:
        await client.login(token.get_secret_value())
        await client.tree.set_translator(CatalogTranslator())  # name/description localizations for ko, ja
        guild = discord.Object(id=guild_id) if guild_id else None
        if guild is not None:
            client.tree.copy_global_to(guild=guild)
        synced = await client.tree.sync(guild=guild)
    log.info("synced %d commands to %s", len(synced), f"guild {guild_id}" if guild_id else "global")
    return len(synced)
