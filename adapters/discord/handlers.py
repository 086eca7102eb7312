"""What the Discord adapter does with an interaction: Actor + args -> one core call -> render -> one reply.

Slash commands, picker selects, "did you mean" buttons and pagers all end here. Rules kept in one place:
- Work that may be slow (the database) is deferred after `DEFER_AFTER` seconds, well inside Discord's 3 s,
  so a fast answer costs one request and a slow one never shows "This interaction failed".
- Every send uses `AllowedMentions.none()`; Problems are ephemeral.
- Our own errors are logged with context and answered with a short apology (a follow-up if already answered).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import discord

from adapters.discord.context import where
from adapters.discord.render import render
from bot.commands import Actor, CommandContext, CommandSpec
from bot.curation.service import EXTRAS_KEY as CURATION_KEY
from bot.curation.service import Curation
from bot.replies import FileReply, PollCard, Problem, Reply
from bot.services import Services

log = logging.getLogger(__name__)

DEFER_AFTER = 1.5
APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
T = TypeVar("T")


def actor_of(interaction: discord.Interaction[Any], services: Services) -> Actor:
    """Admin = Manage Server in this server, or a user/role id listed in the Discord settings."""
    settings = services.settings.discord
    user = interaction.user
    is_admin = bool(interaction.guild_id) and interaction.permissions.manage_guild
    is_admin = is_admin or user.id in settings.admin_user_ids
    if not is_admin and settings.admin_role_ids and isinstance(user, discord.Member):
        is_admin = any(role.id in settings.admin_role_ids for role in user.roles)
    chat = interaction.channel_id or interaction.guild_id or user.id
    return Actor(
        platform="discord",
        user_id=str(user.id),
        chat_id=str(chat),
        is_admin=is_admin,
        display_name=user.display_name,
    )


class Handlers:
    """The adapter's behaviour, shared by the command tree and the persistent components."""

    def __init__(self, services: Services, *, defer_after: float = DEFER_AFTER) -> None:
        self.services = services
        self.defer_after = defer_after

    async def run_command(
        self,
        interaction: discord.Interaction[Any],
        spec: CommandSpec,
        raw_args: Mapping[str, Any],
        ephemeral: bool,
    ) -> None:
        ctx = CommandContext(actor=actor_of(interaction, self.services), services=self.services)
        defer = lambda: interaction.response.defer(thinking=True, ephemeral=ephemeral)  # noqa: E731
        if spec.slow and (ctx.actor.is_admin or not spec.admin_only):  # takes seconds: acknowledge first
            await defer()
        reply = await self.in_time(self.services.registry.run(spec, ctx, raw_args), defer)
        await self.send(interaction, reply, ephemeral=ephemeral)

    async def open_film(
        self, interaction: discord.Interaction[Any], owner: int, film_id: int, then: str | None = None
    ) -> None:
        """A picker choice or a "did you mean" button: edit the list into the film's card, or, when the picker
        came from a one-film command (`then`, its code), into that command's reply with the chosen film. The
        command runs as the clicker (only the invoker may click), and the registry checks admin_only again."""
        if not await self._owner_only(interaction, owner):
            return
        work: Awaitable[Reply]
        if then:
            ctx = CommandContext(actor=actor_of(interaction, self.services), services=self.services)
            work = self.services.registry.run_with_film(then, ctx, film_id)
        else:
            work = self.services.films.card(film_id)
        reply = await self.in_time(work, interaction.response.defer)
        await self.replace(interaction, reply, owner)

    async def open_page(
        self, interaction: discord.Interaction[Any], owner: int, page: int, query: str, cut: bool
    ) -> None:
        """◀ / ▶: the same search, another page, in the same message (a cut query pages on its prefix)."""
        if not await self._owner_only(interaction, owner):
            return
        reply = await self.in_time(self.services.films.search(query, page=max(page, 0)), interaction.response.defer)
        await self.replace(interaction, reply, owner)

    async def run_action(self, interaction: discord.Interaction[Any], kind: str, film_id: int) -> None:
        """A reply's action button, handled by the curation service when that feature is installed.

        Undo edits the notice in place (its button goes); a wrong-film report is acknowledged to the clicker.
        """
        curation = self.services.extras.get(CURATION_KEY)
        actor = actor_of(interaction, self.services)
        call: Awaitable[Reply] | None = None
        if isinstance(curation, Curation) and kind == "undo_remove":
            call = curation.undo_remove(actor, film_id)
        elif isinstance(curation, Curation) and kind == "wrong_film":
            # From a card the query that found the film is unknown; the report names the film.
            call = curation.report_wrong_film(actor, film_id, None, None)
        if call is None:
            await self.tell(interaction, "That button is not available here.")
            return
        reply = await self.in_time(call, lambda: interaction.response.defer(ephemeral=True, thinking=True))
        if kind == "undo_remove" and not interaction.response.is_done():
            await self.replace(interaction, reply, owner=interaction.user.id)
        else:
            await self.send(interaction, reply, ephemeral=True)

    async def send(self, interaction: discord.Interaction[Any], reply: Reply, *, ephemeral: bool) -> None:
        reply = self.services.registry.with_command_code(reply)
        movienights = getattr(interaction.client, "movienights", None)
        if isinstance(reply, PollCard) and movienights is not None:
            await movienights.post(interaction, reply)  # several messages: cards, then the poll
            return
        try:
            out = render(reply, owner=interaction.user.id, now=self.services.clock())
            ephemeral = ephemeral or out.ephemeral
            if not interaction.response.is_done():
                await interaction.response.send_message(**out.send_kwargs(), ephemeral=ephemeral)
            elif out.needs_new_message:
                await interaction.followup.send(**out.send_kwargs(), ephemeral=ephemeral)
            else:
                await interaction.edit_original_response(**out.edit_kwargs())
        finally:
            if isinstance(reply, FileReply) and reply.path is not None:
                reply.path.unlink(missing_ok=True)  # an export's temporary file

    async def replace(self, interaction: discord.Interaction[Any], reply: Reply, owner: int) -> None:
        """Edit the component's message into `reply`; a Problem goes to the clicker alone, and what cannot be
        edited in (a poll, a file) goes out as a new message."""
        reply = self.services.registry.with_command_code(reply)
        out = render(reply, owner=owner, now=self.services.clock())
        if isinstance(reply, Problem):
            await self.tell(interaction, out.content or APOLOGY)
        elif isinstance(reply, PollCard) or out.needs_new_message:
            await self.send(interaction, reply, ephemeral=False)
        elif interaction.response.is_done():
            await interaction.edit_original_response(**out.edit_kwargs())
        else:
            await interaction.response.edit_message(**out.edit_kwargs())

    async def apologise(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is discord.InteractionType.autocomplete:
            return
        try:
            await self.tell(interaction, APOLOGY)
        except discord.HTTPException:
            log.exception("could not apologise (%s)", where(interaction))

    async def _owner_only(self, interaction: discord.Interaction[Any], owner: int) -> bool:
        if owner and interaction.user.id != owner:
            await self.tell(interaction, f"This menu is for <@{owner}>. Run the command yourself to get your own.")
            return False
        return True

    async def tell(self, interaction: discord.Interaction[Any], text: str) -> None:
        """A short message only the user sees: the response if still open, else a follow-up."""
        kwargs: dict[str, Any] = {"ephemeral": True, "allowed_mentions": discord.AllowedMentions.none()}
        if interaction.response.is_done():
            await interaction.followup.send(text, **kwargs)
        else:
            await interaction.response.send_message(text, **kwargs)

    async def in_time(self, work: Awaitable[T], defer: Callable[[], Awaitable[Any]]) -> T:
        """Await `work`; if it is not done within `defer_after`, acknowledge the interaction meanwhile."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self.defer_after)
        if not done:
            await defer()
        return await task
