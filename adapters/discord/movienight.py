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
from collections import Counter, OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from adapters.discord.ballot import BALLOT_CLOSED, ballot_embed, ballot_text, ballot_view, closed_ballot_embed
from adapters.discord.handlers import actor_of
from adapters.discord.render import card_embed, render, render_poll
from adapters.discord.schedule import FAR_FUTURE, shared_scheduler
from adapters.discord.text import md, plain
from bot.polls import EXTRAS_KEY
from bot.polls.voting import Where
from bot.replies import FilmCard, PollCard

if TYPE_CHECKING:
    from adapters.discord.handlers import Handlers
    from bot.polls.service import ClosedPoll, MovieNightService, VoteReceipt
    from bot.polls.store import PollInfo
    from bot.services import Services

log = logging.getLogger(__name__)

PLATFORM = "discord"
EMBEDS_PER_MESSAGE = 10
EMBED_CHARS_MAX = 6000
VOTERS_PAGE = 100  # the most GET .../answers/{id} returns at once
EARLY_VOTES_MAX = 500
POLL_EXPIRED = 520001  # Discord's error for ending a poll that has already ended
CATCH_UP_WAIT_S = 10.0  # the longest a command waits for the start-up catch-up (it has deferred first)
NEEDS_TALLY = frozenset({"movienight close"})  # commands whose answer depends on every vote being in


class MovieNights:
    """The Discord side of movie nights for one client."""

    def __init__(self, client: discord.Client, services: Services, handlers: Handlers) -> None:
        self.client = client
        self.services = services
        self.handlers = handlers
        self.service: MovieNightService | None = services.extras.get(EXTRAS_KEY)
        self._registered = False
        self._posting = 0
        # Votes on a poll message we are still attaching (a member can vote before attach commits).
        self._early: OrderedDict[str, list[tuple[str, int, bool]]] = OrderedDict()
        self._attached: OrderedDict[str, None] = OrderedDict()  # poll messages this client attached, newest last
        self._finished: set[int] = set()  # polls whose native poll this client ended / ballot it disarmed
        self.caught_up = asyncio.Event()  # the votes missed while away are in (set at once without the service)
        self._catch_up: asyncio.Task[None] | None = None
        self._again = False  # a new session began during the catch-up: run it once more
        if self.service is not None:
            self.service.add_close_listener(self.on_close)
            self.service.set_reconciler(PLATFORM, self.reconcile)
        else:
            self.caught_up.set()

    # -- opening -------------------------------------------------------------------------------------

    async def post(self, interaction: discord.Interaction[Any], card: PollCard) -> None:
        """Cards first, then the poll (always public: a vote nobody sees is no vote)."""
        self._posting += 1
        try:
            heading = md(card.notice, 500) if card.notice else None
            batches = card_batches(card.cards) or [[]]
            for n, batch in enumerate(batches):
                await self._say(
                    interaction,
                    content=(heading or "**The nominees**") if n == 0 else None,
                    embeds=[card_embed(c) for c in batch],
                    view=trailer_links(batch),
                )
            now = self.services.clock()
            native = render_poll(card, now).poll if card.native else None
            if native is None:
                ballot_id = await self._say(interaction, embeds=[ballot_embed(card)], view=ballot_view(card))
                await self._attach_ballot(card, ballot_id)
                return
            message_id = await self._say(interaction, poll=native)
            if self.service is not None:
                await self.service.attach_native_poll(card.night_id, message_id, message_id)
                self._attached[message_id] = None
                while len(self._attached) > EARLY_VOTES_MAX:
                    self._attached.popitem(last=False)
                await self._replay_early_votes(message_id)
        finally:
            self._posting -= 1

    async def _attach_ballot(self, card: PollCard, message_id: str) -> None:
        """Store the ballot's message with the poll, so whoever closes it (even after a restart) can disarm it."""
        if self.service is None:
            return
        if not await self.service.attach_ballot_message(card.night_id, message_id):
            log.error("could not attach the ballot message of movie night %s", card.night_id)
            return
        poll = await self.service.poll(card.night_id)
        if poll is not None and not poll.is_open:  # closed while we were posting: no close saw the message
            await self._disarm_ballot(poll.id, poll.chat_id, message_id)

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
        if self.service is None:
            return
        message_id, voter, index = str(event.message_id), str(event.user_id), event.answer_id - 1
        receipt = await self._vote(message_id, voter, index, added)
        if not receipt.ok and receipt.poll_id is None and message_id in self._attached:
            # Looked up before the attach committed, back after the early votes were replayed: it counts now.
            receipt = await self._vote(message_id, voter, index, added)
        if receipt.ok or receipt.poll_id is not None:
            log.debug("poll vote %s on %s by %s: %s", "+" if added else "-", message_id, voter, receipt.message)
        elif self._posting:
            self._early.setdefault(message_id, []).append((voter, index, added))
            while len(self._early) > EARLY_VOTES_MAX:
                self._early.popitem(last=False)

    async def _vote(self, message_id: str, voter: str, index: int, added: bool) -> VoteReceipt:
        assert self.service is not None
        call = self.service.add_native_answer if added else self.service.remove_native_answer
        return await call(PLATFORM, message_id, voter, index)

    async def _replay_early_votes(self, message_id: str) -> None:
        for voter, index, added in self._early.pop(message_id, []):
            await self._vote(message_id, voter, index, added)

    async def ballot_click(self, interaction: discord.Interaction[Any], poll_id: int, what: str) -> None:
        """A ballot button: change the member's ballot, answer with the receipt and the ballot now.

        The custom_id names a poll: it counts only in that poll's own channel (a crafted id from elsewhere
        changes nothing), and the interaction's snowflake orders the member's clicks (an older click that
        arrives late is ignored)."""
        if self.service is None:
            await self.handlers.tell(interaction, "Movie nights are not enabled here.")
            return
        where = Where(PLATFORM, actor_of(interaction, self.services).chat_id)
        text = await self.handlers.in_time(
            self._ballot_change(poll_id, str(interaction.user.id), what, where, interaction.id),
            lambda: interaction.response.defer(ephemeral=True, thinking=True),
        )
        await self.handlers.tell(interaction, text)

    async def _ballot_change(self, poll_id: int, voter: str, what: str, where: Where, seq: int) -> str:
        assert self.service is not None
        if what == "me":
            found = await self.service.ballot_here(poll_id, voter, where)
            if isinstance(found, str):
                return "⚠️ " + md(found, 300)
            poll, choices = found
            return _ballot_answer(poll, "Your ballot on this poll.", choices)
        receipt = await (
            self.service.record_ballot(poll_id, voter, [], where=where, seq=seq)
            if what == "clear"
            else self.service.toggle_ballot_choice(poll_id, voter, int(what), where=where, seq=seq)
        )
        info = await self.service.poll(poll_id) if receipt.ok else None
        if info is None:
            return "⚠️ " + md(receipt.message, 300)
        return _ballot_answer(info, receipt.message, receipt.choices)

    # -- closing -------------------------------------------------------------------------------------

    async def on_close(self, closed: ClosedPoll) -> None:
        """Close listener: stop Discord's poll, or take the buttons off the ballot, when ours closes, so
        nobody votes on a decided night."""
        if closed.platform != PLATFORM or not closed.message_id or self.client.is_closed():
            return
        if closed.native:
            await self.end_native_poll(closed)
        else:
            await self._disarm_ballot(closed.poll_id, closed.chat_id, closed.message_id)

    async def end_native_poll(self, closed: ClosedPoll) -> None:
        if closed.message_id:
            await self._end_poll(closed.poll_id, closed.chat_id, closed.message_id)

    async def _end_poll(self, poll_id: int, channel_id: str, message_id: str) -> dict[str, Any] | None:
        """End the poll on Discord (once); the poll's `results` from Discord's answer, when it gave them."""
        if poll_id in self._finished:
            return None
        try:
            message: Any = await self.client.http.end_poll(int(channel_id), int(message_id))
        except (discord.HTTPException, ValueError) as exc:  # expired already, or the message was deleted
            if not (isinstance(exc, discord.HTTPException) and exc.code == POLL_EXPIRED):
                log.warning("could not end the Discord poll of movie night %s: %s", poll_id, exc)
            if isinstance(exc, discord.HTTPException) and (exc.status >= 500 or exc.status == 429):
                return None  # worth another try (the announcer's)
            self._finished.add(poll_id)
            return None
        self._finished.add(poll_id)
        results = (message.get("poll") or {}).get("results") if isinstance(message, dict) else None
        return results if isinstance(results, dict) else None

    async def reconcile(self, poll: PollInfo) -> None:
        """The service's reconciler, before a native poll closes: end it on Discord, then make the ballots
        Discord's (its answer voters, re-read). Discord's final counts, when its answer has them, must agree."""
        if self.service is None or self.client.is_closed() or not poll.native or not poll.message_id:
            return
        results = await self._end_poll(poll.id, poll.chat_id, poll.message_id)
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

    async def _disarm_ballot(self, poll_id: int, channel_id: str, message_id: str) -> None:
        """Edit the ballot message: no buttons (PATCH with empty components), and it says voting closed."""
        if poll_id in self._finished or self.service is None:
            return
        card = await self.service.card_for(poll_id)
        embed = closed_ballot_embed(card) if isinstance(card, PollCard) else discord.Embed(description=BALLOT_CLOSED)
        try:
            message = self.client.get_partial_messageable(int(channel_id)).get_partial_message(int(message_id))
            await message.edit(embeds=[embed], view=None, allowed_mentions=discord.AllowedMentions.none())
        except (discord.NotFound, discord.Forbidden, ValueError) as exc:  # deleted, or no access to the channel
            log.warning("could not close the ballot message of movie night %s: %s", poll_id, exc)
        except discord.HTTPException as exc:
            log.warning("could not close the ballot message of movie night %s: %s", poll_id, exc)
            return  # worth another try (the announcer's)
        self._finished.add(poll_id)

    async def announce(self, closed: ClosedPoll) -> None:
        """The scheduler closed a poll: end the poll / disarm the ballot if the close listener could not,
        then post the winner's card (with the counts) in its channel."""
        await self.on_close(closed)
        out = render(closed.announcement, now=self.services.clock())
        channel = self.client.get_partial_messageable(int(closed.chat_id))
        await channel.send(**out.send_kwargs())

    # -- start and stop ------------------------------------------------------------------------------

    def on_connect(self) -> None:
        """A new gateway session (READY): votes cast since the last one were not replayed; re-read them now,
        in the background. Commands that need the tally wait for `caught_up`."""
        if self.service is None:
            return
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
        if self.service is None:
            return
        if self._catch_up is None:  # connected without a READY through on_connect (not expected): catch up here
            self.on_connect()
        await self.wait_caught_up()
        if not self._registered:
            self._registered = True
            closed = await shared_scheduler(self.services).register(PLATFORM, self.announce)
            if closed:
                log.info("closed %d movie night(s) that became due while the bot was away", len(closed))

    async def open_native_polls(self) -> list[PollInfo]:
        assert self.service is not None
        polls = await self.service.due_polls(FAR_FUTURE)
        return [p for p in polls if p.platform == PLATFORM and p.native and p.message_id]

    async def resync(self, poll: PollInfo) -> int:
        """Re-read every answer's voters from Discord; a failed read leaves the stored ballots alone."""
        assert self.service is not None
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
        if self._catch_up is not None and not self._catch_up.done():
            self._catch_up.cancel()
            await asyncio.gather(self._catch_up, return_exceptions=True)
        if self._registered:
            self._registered = False
            await shared_scheduler(self.services).unregister(PLATFORM)


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


def _ballot_answer(poll: PollInfo, message: str, choices: Sequence[int]) -> str:
    labels = {o.film_id: o.label for o in poll.options}
    return ballot_text(poll.mode, md(message, 300), [labels.get(f, f"#{f}") for f in choices])
