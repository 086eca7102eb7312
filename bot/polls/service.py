"""`MovieNightService`: open a vote on a group's slate, record votes, close and announce.

This is the adapter-facing half (see the package docstring for the contract). Opening, reading and
closing are here; the vote methods come from `bot.polls.voting.Voting` (mixed in), and every one of them
commits before it returns, so an adapter may acknowledge the platform event right after.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.films.cards import film_card
from bot.films.model import Film
from bot.i18n import _, speaking
from bot.i18n.chats import ChatLanguages
from bot.polls.ballots import CLOSED_NOTE, BallotAnswer, Press, answer_for
from bot.polls.delivery import EarlyVotes, Finished, NativeVote, PollMessages
from bot.polls.rules import (
    MAX_BALLOT_OPTIONS,
    MIN_OPTIONS,
    Mode,
    decide,
    label_len_for,
    limits_for,
    native_fits,
    poll_labels,
    poll_question,
    ranked_depth,
    result_text,
    tally,
)
from bot.polls.slate import Slate, heading
from bot.polls.store import MovieNightStore, PollInfo, as_utc, in_transaction
from bot.polls.voting import VoteReceipt as VoteReceipt  # re-exported: adapters import it from here
from bot.polls.voting import Voting, Where
from bot.replies import FilmCard, PollCard, PollOption, Problem, Text
from bot.store.films import FilmRepository

if TYPE_CHECKING:
    from bot.commands import Actor
    from bot.config import MovieNightSettings
    from bot.films.service import FilmService
    from bot.store.db import Database

log = logging.getLogger(__name__)
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
MIN_HOURS, MAX_HOURS = 1, 768  # Discord polls last 1..768 hours (32 days); the same bounds everywhere


@dataclass(frozen=True, slots=True)
class ClosedPoll:
    """A poll that just closed: post `announcement` in the group; stop the native poll if there is one, or
    take the buttons off the ballot message (`native` False and `message_id` set: see
    `MovieNightService.attach_ballot_message`)."""

    poll_id: int
    platform: str
    chat_id: str
    native: bool
    platform_poll_id: str | None
    message_id: str | None
    winner_film_id: int | None
    announcement: FilmCard | Text
    closed_by: str | None  # None: closed by the scheduler


CloseTarget = int | tuple[str, str]
Listener = Callable[[ClosedPoll], Awaitable[None]]
Reconciler = Callable[[PollInfo], Awaitable[None]]


class MovieNightService(Voting):
    def __init__(
        self,
        db: Database,
        films: FilmService,
        settings: MovieNightSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.films = films
        self.settings = settings
        self.clock = clock
        self.native_poll_chats: dict[tuple[str, str], str] = {}
        self.slate = Slate(db, films, settings, clock)
        self.languages = ChatLanguages(db)
        self._open_listeners: list[Callable[[], None]] = []
        self._close_listeners: list[Listener] = []
        self._reconcilers: dict[str, Reconciler] = {}
        self._settlers: dict[str, Reconciler] = {}
        self._platforms: dict[str, PollMessages] = {}
        self.finished = Finished()  # polls whose native poll / ballot this process has finished
        self.early_votes = EarlyVotes()

    # -- listeners -----------------------------------------------------------------------------------
    def add_open_listener(self, callback: Callable[[], None]) -> None:
        """Called (synchronously) after a poll opens: the scheduler re-arms its timer."""
        self._open_listeners.append(callback)

    def add_close_listener(self, callback: Listener) -> None:
        """Awaited after every close (command or scheduler), after commit: e.g. stop the native poll."""
        self._close_listeners.append(callback)

    def set_reconciler(self, platform: str, callback: Reconciler) -> None:
        """Awaited before a native poll of `platform` closes (command or scheduler), after the permission
        check: bring its ballots up to date from the platform (e.g. end the poll there, re-read its voters and
        `resync_native_votes`), so votes the bot missed while it was away are counted. One per platform: the
        newest replaces the older (a restarted client). If it fails, the poll closes on the votes recorded."""
        self._reconcilers[platform] = callback

    def set_settler(self, platform: str, callback: Reconciler) -> None:
        """Awaited before any poll of `platform` closes (command or scheduler), before the reconciler: let
        the votes the platform's adapter has acknowledged but not yet recorded be recorded (Telegram webhook
        workers: the poll's chat's inbox, `OrderedInbox.settle`). If it fails, the poll closes on the votes
        recorded."""
        self._settlers[platform] = callback

    def connect_platform(self, platform: str, messages: PollMessages) -> None:
        """The transport that ends `platform`'s native polls and disarms its ballots from now on (the newest
        replaces the older: a reconnected client)."""
        self._platforms[platform] = messages

    def disconnect_platform(self, platform: str, messages: PollMessages) -> None:
        if self._platforms.get(platform) is messages:
            del self._platforms[platform]

    # -- opening -------------------------------------------------------------------------------------
    async def open_poll(
        self, actor: Actor, hours: int | None = None, mode: Mode = "single", now: datetime | None = None
    ) -> PollCard | Problem:
        """`/movienight poll`: freeze the slate into a vote; one open poll per group."""
        now = as_utc(now or self.clock())
        chat_hours = (await self.slate.chat_settings(actor)).poll_hours
        hours = hours or chat_hours or self.settings.default_poll_hours
        if not MIN_HOURS <= hours <= MAX_HOURS:
            return Problem(
                _(
                    "A poll runs {MIN_HOURS} to {MAX_HOURS} hours; {hours} is out of range.",
                    MIN_HOURS=MIN_HOURS,
                    MAX_HOURS=MAX_HOURS,
                    hours=hours,
                )
            )
        existing = await self.open_poll_for_chat(actor.platform, actor.chat_id)
        if existing is not None:
            return _already_open(existing)
        films, dropped = await self.slate.slate_films(actor)
        note = _(" ({dropped} left the catalog and were dropped.)", dropped=", ".join(dropped)) if dropped else ""
        if len(films) < MIN_OPTIONS:
            return Problem(
                _(
                    "A poll needs at least {MIN_OPTIONS} nominated films; the slate has {count}.{note}",
                    MIN_OPTIONS=MIN_OPTIONS,
                    count=len(films),
                    note=note,
                ),
                hint=_("Nominate some with /movienight nominate <film>."),
            )
        if len(films) > MAX_BALLOT_OPTIONS:
            return Problem(
                _(
                    "The slate has {count} films; a poll takes at most {MAX_BALLOT_OPTIONS}.",
                    count=len(films),
                    MAX_BALLOT_OPTIONS=MAX_BALLOT_OPTIONS,
                ),
                hint=_("Trim it with /movienight remove <film>."),
            )
        native = native_fits(actor.platform, len(films), mode)
        labels = poll_labels(films, label_len_for(actor.platform))
        limits = limits_for(actor.platform)
        # The question is the group's (every member reads it, as they read its result): in the group's language.
        with speaking(await self.languages.group_language(actor.platform, actor.chat_id)):
            question = poll_question(mode, len(films), max_len=limits.question_len if limits else 300)
        closes_at = now + timedelta(hours=hours)
        options = [(f.id or 0, label) for f, label in zip(films, labels, strict=True)]

        async def work(session: AsyncSession) -> int:
            return await MovieNightStore(session).create_poll(
                platform=actor.platform, chat_id=actor.chat_id, mode=mode, question=question,
                opened_by=actor.user_id, now=now, closes_at=closes_at, native=native, options=options,
            )  # fmt: skip

        try:
            poll_id = await in_transaction(self.db, work)
        except IntegrityError:  # another member opened one a moment ago
            existing = await self.open_poll_for_chat(actor.platform, actor.chat_id)
            return _already_open(existing) if existing else Problem(_("Please try again."), kind="conflict")
        for callback in self._open_listeners:
            callback()
        log.info("movie night %s opened in %s:%s (%s, %d films)", poll_id, actor.platform, actor.chat_id,
                 mode, len(films))  # fmt: skip
        poll = await self.poll(poll_id)
        assert poll is not None
        return self._card(poll, films, note=note.strip() or None)

    def _card(self, poll: PollInfo, films: Sequence[Film], note: str | None = None) -> PollCard:
        hours = max(1, round((poll.closes_at - poll.opened_at).total_seconds() / 3600))
        return PollCard(
            night_id=poll.id,
            question=poll.question,
            options=tuple(PollOption(o.film_id, o.label) for o in poll.options),
            multiple=poll.mode == "multiple",
            ranked=poll.mode == "ranked",
            closes_at_iso=poll.closes_at.isoformat(timespec="minutes"),
            native=poll.native,
            cards=tuple(film_card(f) for f in films),
            mode=poll.mode,
            max_choices=_max_choices(poll),
            duration_hours=hours,
            platform=poll.platform,
            chat_id=poll.chat_id,
            notice=note,
        )

    async def card_for(self, poll_id: int) -> PollCard | Problem:
        """The PollCard of an existing poll again (e.g. to re-post a button ballot)."""
        poll = await self.poll(poll_id)
        if poll is None:
            return Problem(_("That poll doesn't exist."), kind="not_found")
        found = await self.films.catalog.films(poll.film_ids)
        return self._card(poll, [found[i] for i in poll.film_ids if i in found])

    async def attach_native_poll(self, poll_id: int, platform_poll_id: str, message_id: str | None) -> bool:
        """Remember the platform's poll id (Telegram poll.id / Discord message id) for incoming votes."""

        async def work(session: AsyncSession) -> bool:
            return await MovieNightStore(session).attach_native(poll_id, str(platform_poll_id), message_id)

        if not await in_transaction(self.db, work):
            return False
        poll = await self.poll(poll_id)
        if poll is not None:
            for vote in self.early_votes.attached(poll.platform, str(platform_poll_id)):
                await self._apply_native(vote)
        return True

    def posting(self, platform: str) -> AbstractContextManager[None]:
        """Wrap the sending and attaching of a native poll: a vote on it that arrives first is held, then
        replayed by `attach_native_poll`."""
        return self.early_votes.posting(platform)

    async def ballot_posted(self, poll_id: int, message_id: str) -> bool:
        """A button ballot was sent: store its message with the poll (`attach_ballot_message`); if the poll
        closed meanwhile, no close saw the message, so disarm it now. False when it could not be attached."""
        if not await self.attach_ballot_message(poll_id, message_id):
            log.error("could not attach the ballot message of movie night %s", poll_id)
            return False
        poll = await self.poll(poll_id)
        if poll is not None and not poll.is_open:
            await self._disarm(poll.id, poll.platform, poll.chat_id, message_id)
        return True

    async def attach_ballot_message(self, poll_id: int, message_id: str) -> bool:
        """Remember the message holding a button ballot, so any later close (another process, after a
        restart) can take its buttons away: `ClosedPoll.message_id` carries it. Also marks the poll as voted
        on by buttons (`native=False`), for an adapter that fell back to a ballot when its native poll was
        refused. False when the poll is unknown or a native poll is already attached to it."""

        async def work(session: AsyncSession) -> bool:
            return await MovieNightStore(session).attach_ballot(poll_id, str(message_id))

        return await in_transaction(self.db, work)

    # -- votes from the platform ---------------------------------------------------------------------
    async def native_vote(self, vote: NativeVote) -> VoteReceipt:
        """A vote event on a native poll. One naming a poll not attached yet is held while its platform is
        posting one (`posting`) and replayed at attach; one that lost the race with the attach's commit is
        retried. An unknown poll is refused (`ok` False, `poll_id` None), not raised."""
        receipt = await self._apply_native(vote)
        if receipt.ok or receipt.poll_id is not None:
            return receipt
        if self.early_votes.attached_recently(vote):  # attached while we looked it up: it counts now
            return await self._apply_native(vote)
        self.early_votes.hold(vote)
        return receipt

    async def _apply_native(self, vote: NativeVote) -> VoteReceipt:
        where = (vote.platform, vote.platform_poll_id, vote.voter_id)
        if vote.change == "set":
            return await self.record_native_vote(*where, vote.indices, seq=vote.seq)
        call = self.add_native_answer if vote.change == "add" else self.remove_native_answer
        return await call(*where, vote.indices[0], seq=vote.seq)

    async def click(self, poll_id: int, voter_id: str, press: Press, *, where: Where, seq: int | None) -> BallotAnswer:
        """A button-ballot press (`where` it was pressed, `seq` the event's order): change the presser's
        ballot (a film: toggle it; "clear": retract) or just show it ("me"); the answer holds the ballot now."""
        if press == "me":
            found = await self.ballot_here(poll_id, voter_id, where)
            if isinstance(found, str):
                return BallotAnswer(False, found)
            poll, choices = found
            return answer_for(poll, "" if poll.is_open else _(CLOSED_NOTE), choices)
        if press == "clear":
            receipt = await self.record_ballot(poll_id, voter_id, [], where=where, seq=seq)
        else:
            receipt = await self.toggle_ballot_choice(poll_id, voter_id, press, where=where, seq=seq)
        info = await self.poll(poll_id) if receipt.ok else None
        if info is None:
            return BallotAnswer(False, receipt.message)
        return answer_for(info, receipt.message, receipt.choices)

    # -- reading -------------------------------------------------------------------------------------
    async def poll(self, poll_id: int) -> PollInfo | None:
        async with self.db.session() as session:
            return await MovieNightStore(session).poll(poll_id)

    async def open_poll_for_chat(self, platform: str, chat_id: str) -> PollInfo | None:
        async with self.db.session() as session:
            return await MovieNightStore(session).open_poll(platform, chat_id)

    async def ballot_of(self, poll_id: int, voter_id: str) -> tuple[int, ...]:
        async with self.db.session() as session:
            return await MovieNightStore(session).ballot(poll_id, voter_id)

    async def due_polls(self, now: datetime, platforms: Collection[str] | None = None) -> list[PollInfo]:
        """Open polls whose close time is at or before `now` (only those of `platforms`, when given)."""
        async with self.db.session() as session:
            store = MovieNightStore(session)
            polls = [await store.poll(i) for i in await store.due_ids(now)]
        return [p for p in polls if p is not None and (platforms is None or p.platform in platforms)]

    async def next_close_at(self, platforms: Collection[str] | None = None) -> datetime | None:
        if platforms is None:
            async with self.db.session() as session:
                return await MovieNightStore(session).next_close_at()
        # Open polls are few (one per group at most): reading them all is cheap, and another platform's
        # overdue poll can never make this scheduler busy-loop.
        times = [p.closes_at for p in await self.due_polls(FAR_FUTURE, platforms)]
        return min(times, default=None)

    # -- closing -------------------------------------------------------------------------------------
    async def close(
        self, target: CloseTarget, actor: Actor | None, now: datetime | None = None
    ) -> ClosedPoll | Problem:
        """Close by poll id or (platform, chat_id). `actor` None = the scheduler; else opener or admin."""
        now = as_utc(now or self.clock())
        poll = await (self.poll(target) if isinstance(target, int) else self.open_poll_for_chat(*target))
        if poll is None or not poll.is_open:
            return Problem(_("There is no open movie-night poll here."), kind="not_found",
                           hint=_("Open one with /movienight poll."))  # fmt: skip
        if actor is not None and not actor.is_admin and actor.user_id != poll.opened_by:
            return Problem(_("Only the member who opened the poll or an admin can close it."), kind="forbidden")
        await self._reconcile(poll)
        # The announcement is the group's, whoever closed the poll: in the group's language.
        with speaking(await self.languages.group_language(poll.platform, poll.chat_id)):
            return await self._close(poll, actor, now)

    async def _close(self, poll: PollInfo, actor: Actor | None, now: datetime) -> ClosedPoll | Problem:
        async def work(session: AsyncSession) -> ClosedPoll | None:
            store = MovieNightStore(session)
            if not await store.mark_closed(poll.id, now, actor.user_id if actor else None):
                return None
            # Re-read under the close's write lock: a poll or ballot message attached meanwhile is in the
            # result (one attached after this commit sees the poll closed: the adapter disarms it itself).
            fresh = await store.poll(poll.id) or poll
            outcome = decide(tally(poll.mode, poll.film_ids, await store.ballots(poll.id)), poll.id)
            found = await FilmRepository(session).get_many(poll.film_ids, include_removed=True)
            titles = {i: heading(found[i]) if i in found else f"#{i}" for i in poll.film_ids}
            text = result_text(outcome, titles)
            await store.record_result(poll.id, winner=outcome.winner, seed=outcome.seed,
                                      voters=outcome.tally.voters, result=text,
                                      scores=outcome.tally.scores)  # fmt: skip
            winner = found.get(outcome.winner) if outcome.winner is not None else None
            announcement: FilmCard | Text
            if winner is not None:
                # A decided night: the winner leaves the slate, and so do the losers unless the group
                # carries them over (nominations made during the vote are for the next night and stay).
                carryover = (await store.settings(poll.platform, poll.chat_id)).carryover
                for film_id in poll.film_ids if not carryover else [winner.id or 0]:
                    await store.remove_nomination(poll.platform, poll.chat_id, film_id)
                announcement = film_card(winner, notice=_("Tonight's film!\n{text}", text=text))
            else:
                announcement = Text(title=_("Movie night: no winner"), body=_("No votes were cast.\n{text}", text=text)
                                    if outcome.tally.voters == 0 else text)  # fmt: skip
            return ClosedPoll(poll.id, poll.platform, poll.chat_id, fresh.native, fresh.platform_poll_id,
                              fresh.message_id, outcome.winner, announcement,
                              actor.user_id if actor else None)  # fmt: skip

        closed = await in_transaction(self.db, work)
        if closed is None:
            return Problem(_("This poll was already closed."), kind="conflict")
        log.info("movie night %s closed (winner %s)", closed.poll_id, closed.winner_film_id)
        try:
            await self.finish(closed)
        except Exception:
            log.exception("could not stop the poll / disarm the ballot of movie night %s", closed.poll_id)
        for callback in self._close_listeners:
            try:
                await callback(closed)
            except Exception:
                log.exception("close listener failed for movie night %s", closed.poll_id)
        return closed

    async def finish(self, closed: ClosedPoll) -> None:
        """Stop the closed poll's native poll, or take the buttons off its ballot, through its platform's
        transport: once per process (the close does it; the scheduler's announcer calls it again in case the
        platform was away or the step failed)."""
        if not closed.message_id:
            return
        if closed.native:
            await self.end_native_poll(closed.poll_id, closed.platform, closed.chat_id, closed.message_id)
        else:
            await self._disarm(closed.poll_id, closed.platform, closed.chat_id, closed.message_id)

    async def end_native_poll(self, poll_id: int, platform: str, chat_id: str, message_id: str) -> bool:
        """End the native poll on its platform unless this process did already; True if it did it now."""
        port = self._platforms.get(platform)
        if port is None:
            return False
        return await self.finished.once(poll_id, lambda: port.end_native_poll(poll_id, chat_id, message_id))

    async def _disarm(self, poll_id: int, platform: str, chat_id: str, message_id: str) -> None:
        port = self._platforms.get(platform)
        if port is None:
            return

        async def step() -> bool:
            card = await self.card_for(poll_id)
            return await port.disarm_ballot(poll_id, chat_id, message_id, card if isinstance(card, PollCard) else None)

        await self.finished.once(poll_id, step)

    async def _reconcile(self, poll: PollInfo) -> None:
        settle = self._settlers.get(poll.platform)
        if settle is not None:
            try:
                await settle(poll)
            except Exception:
                log.exception("movie night %s: could not wait for acknowledged votes before closing", poll.id)
        reconcile = self._reconcilers.get(poll.platform)
        if reconcile is None or not poll.native or not poll.platform_poll_id:
            return
        try:
            await reconcile(poll)
        except Exception:
            log.exception("movie night %s: could not bring the votes up to date before closing", poll.id)


def _max_choices(poll: PollInfo) -> int:
    if poll.mode == "single":
        return 1
    return ranked_depth(len(poll.options)) if poll.mode == "ranked" else len(poll.options)


def _already_open(poll: PollInfo) -> Problem:
    return Problem(
        _("A poll is already open here (closes {closes_at:%Y-%m-%d %H:%M} UTC).", closes_at=poll.closes_at),
        kind="conflict",
        hint=_("Close it first with /movienight close."),
    )
