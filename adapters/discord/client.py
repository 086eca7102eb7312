"""The Discord client: intents, sharding, the command tree built from the registry, persistent components.

`build_client(services)` is what the runner, `filmbot discord sync`, the tests and the benchmark all use, so
they exercise the same object. Intents: `guilds` plus `guild_polls`/`dm_polls` for movie-night votes, none
privileged; everything else arrives as interactions. With `DISCORD__SHARD_COUNT` / `DISCORD__SHARD_IDS` set
the client is an `AutoShardedClient`; several processes (each with its own shard ids) can share one database, because
components keep their state in custom_ids and the search index follows the catalog version.

`DISCORD__API_BASE_URL` (a REST proxy such as nirn-proxy, or a test server) replaces Discord's REST base for the
whole process when a client is built (`use_api`); `filmbot run` then takes the gateway address from that API's
`GET /gateway/bot` (`use_gateway_of_api`), because discord.py otherwise connects to its built-in one.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.admin import FORMS, Admin, AdminButton
from adapters.discord.ballot import BallotButton
from adapters.discord.components import DYNAMIC_ITEMS
from adapters.discord.context import where
from adapters.discord.handlers import Handlers
from adapters.discord.movienight import MovieNights
from adapters.discord.slash import Autocomplete, GenreCache, SlashBuilder, install
from bot.services import Services

log = logging.getLogger(__name__)


def intents() -> discord.Intents:
    """Guilds, plus poll votes in servers and DMs (movie nights); none of them is privileged."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_polls = True
    wanted.dm_polls = True
    return wanted


class FilmbotTree(app_commands.CommandTree[Any]):
    """Logs every command error with context and answers it; the user never sees silence."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Runs in the task of each command and autocomplete before its callback: speak the member's language."""
        await interaction.client.controller.speak(interaction)
        return True

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        log.error("slash command failed (%s)", where(interaction), exc_info=cause)
        await interaction.client.controller.apologise(interaction)


class _Filmbot:
    """What both client classes add: services, handlers, the tree, dynamic items."""

    services: Services
    controller: Handlers
    admin: Admin
    movienights: MovieNights
    autocomplete: Autocomplete
    tree: FilmbotTree

    def _setup_filmbot(self, client: discord.Client, services: Services) -> None:
        self.services = services
        self.controller = Handlers(services)
        self.admin = Admin(self.controller)
        self.movienights = MovieNights(client, services, self.controller)
        self.autocomplete = Autocomplete(services.films, GenreCache(services.films))
        self.tree = FilmbotTree(client)
        install(self.tree, SlashBuilder(services.registry, self.controller, self.autocomplete, FORMS))
        client.add_dynamic_items(*DYNAMIC_ITEMS, BallotButton, AdminButton)

    async def on_connect(self) -> None:
        """Every new gateway session (READY, before on_ready's ~2 s wait for servers): interactions arrive from
        now on, and votes cast meanwhile were not replayed, so movie nights catch up at once."""
        self.movienights.on_connect()

    async def on_ready(self) -> None:
        user = getattr(self, "user", None)
        log.info("discord: logged in as %s", user)
        try:
            await self.movienights.on_ready()
        except Exception:
            log.exception("movie nights could not start after connecting")

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is discord.InteractionType.modal_submit:
            await self.controller.speak(interaction)  # each event has a task of its own
            await self.admin.on_submit(interaction)

    async def on_raw_poll_vote_add(self, event: discord.RawPollVoteActionEvent) -> None:
        await self.movienights.on_vote(event, added=True)

    async def on_raw_poll_vote_remove(self, event: discord.RawPollVoteActionEvent) -> None:
        await self.movienights.on_vote(event, added=False)

    async def close(self) -> None:
        await self.movienights.stop()
        await super().close()  # type: ignore[misc]  # discord.Client.close, after this mixin in the MRO


class FilmbotClient(_Filmbot, discord.Client):
    def __init__(self, services: Services, **options: Any) -> None:
        super().__init__(intents=intents(), **options)
        self._setup_filmbot(self, services)


class ShardedFilmbotClient(_Filmbot, discord.AutoShardedClient):
    def __init__(self, services: Services, **options: Any) -> None:
        super().__init__(intents=intents(), **options)
        self._setup_filmbot(self, services)


def use_api(base_url: str) -> None:
    """Send REST requests and interaction responses to `base_url` (with the API version, e.g. `.../api/v10`).

    discord.py has one process-wide base, `Route.BASE`, shared by its HTTP client and its webhook adapter.
    """
    Route.BASE = base_url.rstrip("/")


async def use_gateway_of_api(client: discord.Client) -> None:
    """Connect to the gateway the (logged-in) client's API names in `GET /gateway/bot`, as Discord asks.

    discord.py asks for it only when it picks the shard count itself; otherwise it uses its built-in address.
    """
    _, url, _ = await client.http.get_bot_gateway()
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    log.info("discord: gateway %s", url)


def build_client(services: Services, **options: Any) -> FilmbotClient | ShardedFilmbotClient:
    """A ready-to-start client. Sharding comes from settings unless `shard_count`/`shard_ids` are passed."""
    settings = services.settings.discord
    if settings.api_base_url:
        use_api(settings.api_base_url)
    options.setdefault("shard_count", settings.shard_count)
    options.setdefault("shard_ids", settings.shard_ids)
    options.setdefault("allowed_mentions", discord.AllowedMentions.none())
    if options["shard_count"] is None and options["shard_ids"] is None:
        options.pop("shard_count")
        options.pop("shard_ids")
        return FilmbotClient(services, **options)
    return ShardedFilmbotClient(services, **options)
