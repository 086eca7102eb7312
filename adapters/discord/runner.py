"""Run the Discord bot until `stop` is set: the gateway connection for interactions, nothing else.

Slash commands are not synced here (that is `filmbot discord sync`): syncing on every start is rate-limited by
Discord and would race between shards or processes. With `DISCORD__API_BASE_URL` set (a REST proxy or a test
server), the gateway is the one that API's `GET /gateway/bot` names.
"""

from __future__ import annotations

import asyncio
import logging

import discord

from adapters.discord.client import build_client, use_gateway_of_api
from bot.services import Services
from bot.startup import StartupFailed

log = logging.getLogger(__name__)

CLOSE_GRACE_S = 10.0


async def run_discord(services: Services, stop: asyncio.Event) -> None:
    token = services.settings.discord.token
    if token is None:
        raise RuntimeError("DISCORD__TOKEN is not set")
    client = build_client(services)
    services.health.platform("discord", lambda: _connection_problem(client))
    async with client:
        runner = asyncio.create_task(
            _start(client, token.get_secret_value(), elsewhere=bool(services.settings.discord.api_base_url)),
            name="discord-client",
        )
        stopper = asyncio.create_task(stop.wait(), name="discord-stop")
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner in done:
            stopper.cancel()
            runner.result()  # a login failure or a fatal gateway error surfaces here
            return
        log.info("discord: stopping")
        await client.close()
        done, _ = await asyncio.wait({runner}, timeout=CLOSE_GRACE_S)
        if not done:
            log.warning("discord: the client did not stop within %s s; cancelling it", CLOSE_GRACE_S)
            runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)


def _connection_problem(client: discord.Client) -> str | None:
    """None while every gateway connection of this process is open (each shard's, when sharded)."""
    if client.is_closed():
        return "gateway connection closed"
    if not client.is_ready():
        return "gateway not connected yet"
    if isinstance(client, discord.AutoShardedClient):
        down = sorted(shard.id for shard in client.shards.values() if shard.is_closed())
        return f"shards {down} disconnected" if down else None
    ws = client.ws
    return None if ws is not None and ws.open else "gateway disconnected (reconnecting)"


async def _start(client: discord.Client, token: str, *, elsewhere: bool) -> None:
    """`client.start`, asking a stand-in API (`DISCORD__API_BASE_URL`) for its gateway between the two steps."""
    try:
        await client.login(token)
    except discord.LoginFailure:
        raise StartupFailed("discord: Discord rejected the bot token; check DISCORD__TOKEN") from None
    if elsewhere:
        await use_gateway_of_api(client)
    await client.connect()
