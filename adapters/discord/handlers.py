"""What the Discord adapter does with an interaction: Actor + args -> one core call -> render -> one reply.

Slash commands, picker selects, "did you mean" buttons and pagers all end here. Rules kept in one place:
- When to acknowledge (`in_time`): a lone interaction on an idle bot is answered directly if its work is done
  within `DEFER_AFTER` seconds (one request, no "thinking..." flash), else deferred then. When other
  interactions are in flight the event loop is a queue: every newcomer is deferred at once, before its work
  starts, and the ones still waiting on their timer are told to defer now. So a burst of 200 commands is
  acknowledged as fast as the acks can be sent, instead of all together near the timer and Discord's 3 s.
- Every send uses `AllowedMentions.none()`; Problems are ephemeral.
- Our own errors are logged with context and answered with a short apology (a follow-up if already answered).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import discord

from adapters.discord.context import where
from adapters.discord.render import render
from adapters.discord.text import unescape
from bot.commands import Actor, CommandContext, CommandSpec, Upload, UploadTooLarge
from bot.curation.actions import run_action
from bot.films.service import picker_query
from bot.i18n import N_, _, choose_language, use_language
from bot.replies import FileReply, FilmList, PollCard, Problem, Reply
from bot.services import Services
from bot.sources.online import add_online, look_online

log = logging.getLogger(__name__)

DEFER_AFTER = 1.5
APOLOGY = N_("Sorry, something went wrong on my side. Please try again in a moment.")
T = TypeVar("T")


def actor_of(interaction: discord.Interaction[Any], services: Services) -> Actor:
    """Owner = a user id in `DISCORD__OWNER_USER_IDS`. Group admin = Manage Server in *this* server, or a role
    listed in `DISCORD__ADMIN_ROLE_IDS` held here. Anyone can create a server and add the bot, so Manage
    Server never reaches beyond its server: the core decides what each flag allows."""
    settings = services.settings.discord
    user = interaction.user
    in_server = bool(interaction.guild_id)
    is_group_admin = in_server and interaction.permissions.manage_guild
    if not is_group_admin and in_server and settings.admin_role_ids and isinstance(user, discord.Member):
        is_group_admin = any(role.id in settings.admin_role_ids for role in user.roles)
    chat = interaction.channel_id or interaction.guild_id or user.id
    return Actor(
        platform="discord",
        user_id=str(user.id),
        chat_id=str(chat),
        is_group_admin=is_group_admin,
        is_owner=user.id in settings.owner_user_ids,
        display_name=user.display_name,
        language=interaction.locale.value,
        chat_language=interaction.guild_locale.value if interaction.guild_locale is not None else None,
    )


def upload_of(attachment: discord.Attachment) -> Upload:
    """An attachment as a command's file param; Discord states its size, so the core refuses a file too
    large before anything is downloaded from the CDN."""

    async def fetch(limit: int) -> bytes:
        if attachment.size > limit:
            raise UploadTooLarge(attachment.size)
        return await attachment.read()

    return Upload(attachment.filename, attachment.size, fetch)


class Handlers:
    """The adapter's behaviour, shared by the command tree and the persistent components."""

    def __init__(self, services: Services, *, defer_after: float = DEFER_AFTER) -> None:
        self.services = services
        self.defer_after = defer_after
        self.in_flight = 0  # interactions inside `in_time` now
        self._waiting: set[_Waiting] = set()  # lone ones on their timer, to defer when a crowd forms
        self._acks: set[asyncio.Future[None]] = set()  # defers sent for them, until done

    async def speak(self, interaction: discord.Interaction[Any]) -> str:
        """Choose the language of this interaction's replies (`CommandRegistry.language_for`) and speak it for
        the rest of its task: the command or component callback, its rendering and its follow-ups. Autocomplete
        answers within Discord's 3 s from memory alone: the member's or the server's language, no database."""
        actor = actor_of(interaction, self.services)
        if interaction.type is discord.InteractionType.autocomplete:
            language = choose_language(actor.language, actor.chat_language)
        else:
            language = await self.services.registry.language_for(actor, self.services)
        use_language(language)
        return language

    async def run_command(
        self,
        interaction: discord.Interaction[Any],
        spec: CommandSpec,
        raw_args: Mapping[str, Any],
        ephemeral: bool,
    ) -> None:
        ctx = CommandContext(actor=actor_of(interaction, self.services), services=self.services)
        raw_args = {k: upload_of(v) if isinstance(v, discord.Attachment) else v for k, v in raw_args.items()}

        async def defer() -> None:
            if not interaction.response.is_done():
                await interaction.response.defer(thinking=True, ephemeral=ephemeral)

        movienights = getattr(interaction.client, "movienights", None)
        if movienights is not None and movienights.needs_catch_up(spec.full_name):
            await defer()  # the votes missed while away are still being read: wait, within the 15 min token
            await movienights.wait_caught_up()
        if spec.slow and self.services.registry.allows(ctx.actor, spec.permission):
            await defer()  # takes seconds (an export): acknowledge first
        reply = await self.in_time(self.services.registry.run(spec, ctx, raw_args), defer)
        await self.send(interaction, reply, ephemeral=ephemeral)
        if isinstance(reply, FilmList) and reply.ask_online:
            await self.complete_online(interaction, reply)

    async def complete_online(self, interaction: discord.Interaction[Any], reply: FilmList) -> None:
        """The store's answer is out (Discord's 3 s deadline met); edit it with what the sources found."""
        updated = await look_online(self.services, reply)
        if updated is None:
            return
        out = render(updated, owner=interaction.user.id, now=self.services.clock())
        try:
            await interaction.edit_original_response(**out.edit_kwargs())
        except discord.HTTPException as exc:
            log.warning("could not add the online finds to a reply (%s): %s", where(interaction), exc)

    async def add_online(self, interaction: discord.Interaction[Any], ref: str) -> None:
        """An Add button under an online find: the core checks SOURCES__ADD_BY, then adds (card in place)."""
        actor = actor_of(interaction, self.services)
        reply = await self.in_time(add_online(self.services, actor, ref), interaction.response.defer)
        await self.replace(interaction, reply, owner=interaction.user.id)

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
        elif asked := picker_asked(interaction):  # learned popularity: this film answers what was asked
            work = self.services.films.choose(asked, film_id)
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
        """A reply's action button (the core's `run_action`).

        Undo edits the notice in place (its button goes); a wrong-film report is acknowledged to the clicker.
        """
        actor = actor_of(interaction, self.services)
        # From a card the query that found the film is unknown; the report names the film.
        call = run_action(self.services, actor, kind, film_id)
        reply = await self.in_time(call, lambda: interaction.response.defer(ephemeral=True, thinking=True))
        if kind == "undo_remove" and not interaction.response.is_done():
            await self.replace(interaction, reply, owner=interaction.user.id)
        else:
            await self.send(interaction, reply, ephemeral=True)

    async def send(self, interaction: discord.Interaction[Any], reply: Reply, *, ephemeral: bool) -> None:
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
        out = render(reply, owner=owner, now=self.services.clock())
        if isinstance(reply, Problem):
            await self.tell(interaction, out.content or _(APOLOGY))
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
            await self.tell(interaction, _(APOLOGY))
        except discord.HTTPException:
            log.exception("could not apologise (%s)", where(interaction))

    async def _owner_only(self, interaction: discord.Interaction[Any], owner: int) -> bool:
        if owner and interaction.user.id != owner:
            await self.tell(
                interaction, _("This menu is for <@{owner}>. Run the command yourself to get your own.", owner=owner)
            )
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
        """Await `work`, acknowledging the interaction with `defer` unless the work is done first.

        Idle bot: the work gets `defer_after` seconds to answer directly. Busy bot (another interaction in
        flight): first defer those still on their timer and this one, then start the work."""
        crowded = self.in_flight > 0
        self.in_flight += 1
        try:
            if not crowded:
                return await self._answer_or_defer(work, defer)
            try:
                # Side by side: this ack does not wait for theirs, nor theirs for this one's round trip.
                hurried = [self._keep(asyncio.ensure_future(self._defer_for(w))) for w in self._claim_waiting()]
                await defer()
                await asyncio.gather(*hurried)
                # Let the interactions queued behind this one send their acks before this work (CPU until
                # its first real wait) runs: otherwise each ack waits for every earlier search.
                await asyncio.sleep(0)
            except BaseException:
                _discard(work)
                raise
            return await work
        finally:
            self.in_flight -= 1

    async def _answer_or_defer(self, work: Awaitable[T], defer: Callable[[], Awaitable[Any]]) -> T:
        task = asyncio.ensure_future(work)
        waiting = _Waiting(defer)
        self._waiting.add(waiting)
        try:
            await asyncio.wait({task}, timeout=self.defer_after)
        finally:
            self._waiting.discard(waiting)
        if waiting.ack is not None:  # deferred meanwhile by a newcomer (its error, if any, is ours)
            await waiting.ack
        elif not task.done():
            await defer()
        return await task

    def _claim_waiting(self) -> list[_Waiting]:
        """The interactions still on their timer, now marked as being deferred by the caller (synchronously,
        so no two newcomers defer the same one); they resume behind the queue."""
        claimed = [w for w in self._waiting if w.ack is None]
        for waiting in claimed:
            waiting.ack = asyncio.get_running_loop().create_future()
        return claimed

    @staticmethod
    async def _defer_for(waiting: _Waiting) -> None:
        assert waiting.ack is not None
        try:
            await waiting.defer()
        except asyncio.CancelledError:
            waiting.ack.cancel()
            raise
        except Exception as exc:  # that interaction's failure, raised in its own handler
            waiting.ack.set_exception(exc)
        else:
            waiting.ack.set_result(None)

    def _keep(self, task: asyncio.Future[None]) -> asyncio.Future[None]:
        """Hold a task until it is done (the loop keeps only weak references), even if our caller fails."""
        self._acks.add(task)
        task.add_done_callback(self._acks.discard)
        return task


@dataclass(eq=False)
class _Waiting:
    """An interaction given time to answer directly; `ack` is set once someone started deferring it."""

    defer: Callable[[], Awaitable[Any]]
    ack: asyncio.Future[None] | None = None


def _discard(work: Awaitable[Any]) -> None:
    """A coroutine that will never run: close it (no "never awaited" warning)."""
    close = getattr(work, "close", None)
    if callable(close):
        close()


def picker_asked(interaction: discord.Interaction[Any]) -> str | None:
    """The `/film` query of the picker (its embed title) or miss list (its first line) a choice was made on."""
    message = interaction.message
    if message is None:
        return None
    heading = message.embeds[0].title if message.embeds else (message.content or "").split("\n", 1)[0]
    return picker_query(unescape(heading or ""))
