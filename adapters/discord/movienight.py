"""Movie nights on Discord: post a vote, record votes, end native polls on close, announce, catch up on start.

The core (bot/polls) owns the rules and the database; this module only moves things between it and Discord:
- `/movienight poll`: the nominees' cards go first (Discord polls cannot be edited, so the poll goes last),
  then a native poll (<= 10 films, single or multiple) or a button ballot (adapters/discord/ballot.py);
  the native poll's message id is attached to the poll so vote events map back to it.
- Votes arrive as MESSAGE_POLL_VOTE_ADD / _REMOVE (intents guild_polls / dm_polls, not privileged), read raw
  so no message cache is needed; `answer_id` is 1-based, the core's index 0-based.
- Any close of a Discord poll (command or scheduler) ends the native poll (there is no "poll ended" event
  to wait for, and an early close must stop the voting), or edits the button ballot so its buttons are gone
  and it says voting closed (its message id is stored with the poll, so this works after a restart too);
  the scheduler's closes are announced in the channel (finishing the poll first if the listener could not).
- Catch-up: Discord does not replay votes cast while the bot was away, so on every new gateway session
  (`on_connect`, dispatched with READY, about 2 s before on_ready while interactions already arrive) each
  open native poll's answer voters are re-read and handed to `resync_native_votes`; `caught_up` is set when
  that is done. Commands that need the tally (`NEEDS_TALLY`) wait for it, bounded by `CATCH_UP_WAIT_S`,
  after deferring; the scheduler starts (at on_ready) only after it.
- Every close of a native poll (command or scheduler, in any process) first reconciles it with Discord: the
  service's reconciler (`reconcile`) ends the poll on Discord, so no vote lands after the count, then re-reads
  every answer's voters (paged) into the ballots; the counts announced are Discord's own (the expire
  answer's final counts are checked against them).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from adapters.discord.ballot import BALLOT_CLOSED, ballot_embed, ballot_view, closed_ballot_embed
from adapters.discord.handlers import actor_of
from adapters.discord.render import card_embed, render, render_poll
from adapters.discord.text import md, plain
from bot.i18n import _
from bot.polls.ballots import Press
from bot.polls.delivery import NativeVote
from bot.polls.service import FAR_FUTURE
from bot.polls.voting import Where
from bot.replies import FilmCard, PollCard

if TYPE_CHECKING:
    from adapters.discord.handlers import Handlers
    from bot.polls.service import ClosedPoll, MovieNightService
    from bot.polls.store import PollInfo
    from bot.services import Services

log = logging.getLogger(__name__)

PLATFORM = "discord"
EMBEDS_PER_MESSAGE = 10
EMBED_CHARS_MAX = 6000
VOTERS_PAGE = 100  # the most GET .../answers/{id} returns at once
POLL_EXPIRED = 520001  # Discord's error for ending a poll that has already ended
CATCH_UP_WAIT_S = 10.0  # the longest a command waits for the start-up catch-up (it has deferred first)
NEEDS_TALLY = frozenset({"movienight close"})  # commands whose answer depends on every vote being in


class MovieNights:
    """The Discord side of movie nights for one client."""

    def __init__(self, client: discord.Client, services: Services, handlers: Handlers) -> None:
        self.client = client
        self.services = services
        self.handlers = handlers
        self.service: MovieNightService = services.movienights
        self._registered = False
        self._end_results: dict[int, dict[str, Any]] = {}  # Discord's final counts, from ending a poll
        self.caught_up = asyncio.Event()  # the votes missed while away are in
        self._catch_up: asyncio.Task[None] | None = None
        self._again = False  # a new session began during the catch-up: run it once more
        self.service.connect_platform(PLATFORM, self)
        self.service.set_reconciler(PLATFORM, self.reconcile)

    # -- opening -------------------------------------------------------------------------------------

    async def post(self, interaction: discord.Interaction[Any], card: PollCard) -> None:
        """Cards first, then the poll (always public: a vote nobody sees is no vote)."""
        with self.service.posting(PLATFORM):
            heading = md(card.notice, 500) if card.notice else None
            batches = card_batches(card.cards) or [[]]
            for n, batch in enumerate(batches):
                await self._say(
                    interaction,
                    content=(heading or _("**The nominees**")) if n == 0 else None,
                    embeds=[card_embed(c) for c in batch],
                    view=trailer_links(batch),
                )
            now = self.services.clock()
            native = render_poll(card, now).poll if card.native else None
            if native is None:
                ballot_id = await self._say(interaction, embeds=[ballot_embed(card)], view=ballot_view(card))
                await self.service.ballot_posted(card.night_id, ballot_id)
                return
            message_id = await self._say(interaction, poll=native)
            await self.service.attach_native_poll(card.night_id, message_id, message_id)

    async def _say(self, interaction: discord.Interaction[Any], **kwargs: Any) -> str:
        """Send one public message for this interaction (the response, else a follow-up); its id."""
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        kwargs["allowed_mentions"] = discord.AllowedMentions.none()
        if not interaction.response.is_done():
            sent = await interaction.response.send_message(**kwargs)
            resource = sent.resource
            if isinstance(resource, discord.InteractionMessage):
                return str(resource.id)
            return str((await interaction.original_response()).id)
        message = await interaction.followup.send(**kwargs, wait=True)
        return str(message.id)

    # -- votes ---------------------------------------------------------------------------------------

    async def on_vote(self, event: discord.RawPollVoteActionEvent, added: bool) -> None:
        message_id, voter = str(event.message_id), str(event.user_id)
        vote = NativeVote(PLATFORM, message_id, voter, "add" if added else "remove", (event.answer_id - 1,))
        receipt = await self.service.native_vote(vote)
        log.debug("poll vote %s on %s by %s: %s", "+" if added else "-", message_id, voter, receipt.message)

    async def ballot_click(self, interaction: discord.Interaction[Any], poll_id: int, what: str) -> None:
        """A ballot button: the core changes the member's ballot; answer with the receipt and the ballot now.

        The custom_id names a poll: it counts only in that poll's own channel (a crafted id from elsewhere
        changes nothing), and the interaction's snowflake orders the member's clicks (an older click that
        arrives late is ignored)."""
        where = Where(PLATFORM, actor_of(interaction, self.services).chat_id)
        press: Press = what if what in ("me", "clear") else int(what)  # type: ignore[assignment]
        answer = await self.handlers.in_time(
            self.service.click(poll_id, str(interaction.user.id), press, where=where, seq=interaction.id),
            lambda: interaction.response.defer(ephemeral=True, thinking=True),
        )
        if not answer.ok:
            text = "⚠️ " + md(answer.message, 300)
        else:
            text = "\n".join(p for p in (md(answer.message, 300), answer.summary(lambda label: md(label, 120))) if p)
        await self.handlers.tell(interaction, text)

    # -- closing -------------------------------------------------------------------------------------

    async def end_native_poll(self, poll_id: int, chat_id: str, message_id: str) -> bool:
        """End the poll on Discord (the core calls this once per poll); keeps Discord's final counts for
        `reconcile`. False when worth another try (the announcer's)."""
        if self.client.is_closed():
            return False
        try:
            message: Any = await self.client.http.end_poll(int(chat_id), int(message_id))
        except (discord.HTTPException, ValueError) as exc:  # expired already, or the message was deleted
            if not (isinstance(exc, discord.HTTPException) and exc.code == POLL_EXPIRED):
                log.warning("could not end the Discord poll of movie night %s: %s", poll_id, exc)
            return not (isinstance(exc, discord.HTTPException) and (exc.status >= 500 or exc.status == 429))
        results = (message.get("poll") or {}).get("results") if isinstance(message, dict) else None
        if isinstance(results, dict):
            self._end_results[poll_id] = results
        return True

    async def reconcile(self, poll: PollInfo) -> None:
        """The service's reconciler, before a native poll closes: end it on Discord, then make the ballots
        Discord's (its answer voters, re-read). Discord's final counts, when its answer has them, must agree."""
        if self.client.is_closed() or not poll.native or not poll.message_id:
            return
        await self.service.end_native_poll(poll.id, PLATFORM, poll.chat_id, poll.message_id)
        results = self._end_results.pop(poll.id, None)
        votes = await self._read_votes(poll)
        if votes is None:
            return
        changed = await self.service.resync_native_votes(poll.id, votes)
        if changed:
            log.info("movie night %s: %d ballot(s) brought up to date from Discord before closing", poll.id, changed)
        if results and results.get("is_finalized"):
            theirs = {int(c["id"]): int(c["count"]) for c in results.get("answer_counts") or [] if c.get("count")}
            ours = Counter(i + 1 for indices in votes.values() for i in indices)
            if theirs != dict(ours):
                log.warning("movie night %s: Discord counts %s, its voters %s", poll.id, theirs, dict(ours))

    async def disarm_ballot(self, poll_id: int, chat_id: str, message_id: str, card: PollCard | None) -> bool:
        """Edit the ballot message: no buttons (PATCH with empty components), and it says voting closed."""
        if self.client.is_closed():
            return False
        embed = closed_ballot_embed(card) if card is not None else discord.Embed(description=_(BALLOT_CLOSED))
        try:
            message = self.client.get_partial_messageable(int(chat_id)).get_partial_message(int(message_id))
            await message.edit(embeds=[embed], view=None, allowed_mentions=discord.AllowedMentions.none())
        except (discord.NotFound, discord.Forbidden, ValueError) as exc:  # deleted, or no access to the channel
            log.warning("could not close the ballot message of movie night %s: %s", poll_id, exc)
        except discord.HTTPException as exc:
            log.warning("could not close the ballot message of movie night %s: %s", poll_id, exc)
            return False  # worth another try (the announcer's)
        return True

    async def announce(self, closed: ClosedPoll) -> None:
        """The scheduler closed a poll: end the poll / disarm the ballot if the close listener could not,
        then post the winner's card (with the counts) in its channel."""
        await self.service.finish(closed)
        out = render(closed.announcement, now=self.services.clock())
        channel = self.client.get_partial_messageable(int(closed.chat_id))
        await channel.send(**out.send_kwargs())

    # -- start and stop ------------------------------------------------------------------------------

    def on_connect(self) -> None:
        """A new gateway session (READY): votes cast since the last one were not replayed; re-read them now,
        in the background. Commands that need the tally wait for `caught_up`."""
        self.caught_up.clear()
        if self._catch_up is not None and not self._catch_up.done():
            self._again = True
            return
        self._catch_up = asyncio.create_task(self._catch_up_all(), name="movienight-catch-up")

    async def _catch_up_all(self) -> None:
        try:
            while True:
                self._again = False
                try:
                    for poll in await self.open_native_polls():
                        await self.resync(poll)
                except Exception:
                    log.exception("movie nights could not catch up on the votes cast while away")
                if not self._again:
                    return
        finally:
            self.caught_up.set()

    def needs_catch_up(self, command: str) -> bool:
        return command in NEEDS_TALLY and not self.caught_up.is_set()

    async def wait_caught_up(self, limit_s: float = CATCH_UP_WAIT_S) -> bool:
        """Wait for the catch-up, at most `limit_s`; False if it is still running (a close re-reads anyway)."""
        try:
            async with asyncio.timeout(limit_s):
                await self.caught_up.wait()
        except TimeoutError:
            log.warning("movie nights: the catch-up is still running after %s s; going on", limit_s)
            return False
        return True

    async def on_ready(self) -> None:
        """After the catch-up (started at connect), once: start closing polls on time."""
        if self._catch_up is None:  # connected without a READY through on_connect (not expected): catch up here
            self.on_connect()
        await self.wait_caught_up()
        if not self._registered:
            self._registered = True
            closed = await self.services.scheduler.register(PLATFORM, self.announce)
            if closed:
                log.info("closed %d movie night(s) that became due while the bot was away", len(closed))

    async def open_native_polls(self) -> list[PollInfo]:
        polls = await self.service.due_polls(FAR_FUTURE)
        return [p for p in polls if p.platform == PLATFORM and p.native and p.message_id]

    async def resync(self, poll: PollInfo) -> int:
        """Re-read every answer's voters from Discord; a failed read leaves the stored ballots alone."""
        votes = await self._read_votes(poll)
        if votes is None:
            return 0
        changed = await self.service.resync_native_votes(poll.id, votes)
        if changed:
            log.info("movie night %s: %d ballot(s) changed while the bot was away", poll.id, changed)
        return changed

    async def _read_votes(self, poll: PollInfo) -> dict[str, list[int]] | None:
        """Every voter's answers (0-based) as Discord has them now; None if Discord could not tell us."""
        if poll.message_id is None:
            return None
        votes: dict[str, list[int]] = {}
        try:
            for option in poll.options:
                for voter in await self._answer_voters(poll.chat_id, poll.message_id, option.position + 1):
                    votes.setdefault(voter, []).append(option.position)
        except (discord.HTTPException, ValueError) as exc:
            log.warning("could not re-read the votes of movie night %s: %s", poll.id, exc)
            return None
        return votes

    async def _answer_voters(self, channel_id: str, message_id: str, answer_id: int) -> list[str]:
        voters: list[str] = []
        after: int | None = None
        while True:
            page = await self.client.http.get_poll_answer_voters(
                int(channel_id), int(message_id), answer_id, after=after, limit=VOTERS_PAGE
            )
            users = page.get("users") or []
            voters += [str(u["id"]) for u in users]
            if len(users) < VOTERS_PAGE:
                return voters
            after = int(users[-1]["id"])

    async def stop(self) -> None:
        self.service.disconnect_platform(PLATFORM, self)
        if self._catch_up is not None and not self._catch_up.done():
            self._catch_up.cancel()
            await asyncio.gather(self._catch_up, return_exceptions=True)
        if self._registered:
            self._registered = False
            await self.services.scheduler.unregister(PLATFORM)


def card_batches(cards: Sequence[FilmCard]) -> list[list[FilmCard]]:
    """Cards grouped into messages: at most 10 embeds and 6000 embed characters each."""
    batches: list[list[FilmCard]] = []
    size = 0
    for card in cards:
        chars = len(card_embed(card))
        if not batches or len(batches[-1]) >= EMBEDS_PER_MESSAGE or size + chars > EMBED_CHARS_MAX:
            batches.append([])
            size = 0
        batches[-1].append(card)
        size += chars
    return batches


def trailer_links(cards: Sequence[FilmCard]) -> discord.ui.View | None:
    """One trailer link per nominee (link buttons need no custom_id and survive anything)."""
    if not cards:
        return None
    view = discord.ui.View(timeout=None)
    for card in cards:
        view.add_item(discord.ui.Button(label=plain(f"▶ {card.heading}", 80), url=card.trailer_url))
    return view
