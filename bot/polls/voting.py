"""Votes on a movie night: every way a member's ballot changes, each down the one locked path.

`Voting` is mixed into `bot.polls.service.MovieNightService` (the adapter API; see the package docstring):
button ballots (`record_ballot`, `toggle_ballot_choice`), native polls (`record_native_vote`,
`add_native_answer`, `remove_native_answer`) and the start-up `resync_native_votes`. Every method commits
before it returns, so an adapter may acknowledge the platform event right after.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, _
from bot.polls.rules import BallotError, check_choices
from bot.polls.store import MovieNightStore, PollInfo, as_utc, in_transaction

if TYPE_CHECKING:
    from bot.store.db import Database

log = logging.getLogger(__name__)


NOT_HERE = N_("This button isn't for this chat.")
STALE = N_("A newer vote of yours is already counted.")
NATIVE_ONLY = N_("This poll is voted in the poll itself, not with buttons.")
NATIVE_POLL_CHATS_KEPT = 4096


@dataclass(frozen=True, slots=True)
class Where:
    """Where a button was pressed: a ballot button only works on its own poll's platform and chat.
    `chat_id` None = no chat (an inline message), which matches no poll."""

    platform: str
    chat_id: str | None

    def holds(self, poll: PollInfo) -> bool:
        return self.platform == poll.platform and self.chat_id is not None and str(self.chat_id) == poll.chat_id


@dataclass(frozen=True, slots=True)
class VoteReceipt:
    """What became of a vote. `message` is short, for an ephemeral reply / callback answer."""

    ok: bool
    message: str
    poll_id: int | None = None
    choices: tuple[int, ...] = ()  # the voter's ballot now (film ids, rank order)


class Voting:
    """The voting half of `MovieNightService`; it needs the service's `db` and `clock`.

    Ordering: `seq` is the event's ordering key where the platform gives one (Telegram `update_id`, a Discord
    interaction's snowflake); an event older than (or the same as) the one the ballot holds is ignored
    (`ok`, nothing changed), atomically in the database. `where` is where a ballot button was pressed:
    a press anywhere but the poll's own platform and chat changes nothing (`NOT_HERE`). Adapters always
    pass it; None is for trusted callers with no pressing place (tests, the console of one user).
    """

    db: Database
    clock: Callable[[], datetime]
    native_poll_chats: dict[tuple[str, str], str]  # platform poll id -> its chat (`chat_of_native_poll`)

    async def _change_ballot(
        self,
        poll_id: int,
        voter_id: str,
        change: Callable[[PollInfo, tuple[int, ...]], Sequence[int]],
        *,
        seq: int | None = None,
        where: Where | None = None,
    ) -> VoteReceipt:
        """The one path every vote takes: lock the voter's row (refusing an older event), check the poll
        is this chat's and open, apply, commit."""
        now = as_utc(self.clock())
        voter_id = str(voter_id)[:64]

        async def work(session: AsyncSession) -> VoteReceipt:
            store = MovieNightStore(session)
            newer = await store.lock_ballot(poll_id, voter_id, now, seq)
            poll = await store.poll(poll_id, lock=True)
            if poll is None:
                raise _Refused(_("That poll doesn't exist."))
            if where is not None and not where.holds(poll):
                raise _Refused(_(NOT_HERE))
            if where is not None and poll.platform_poll_id is not None:
                raise _Refused(_(NATIVE_ONLY))  # a crafted button on a native poll: its votes come from the platform
            current = await store.ballot(poll_id, voter_id)
            if not newer:  # a later event already set this ballot: leave it as it is
                return VoteReceipt(True, _(STALE), poll_id, current)
            if not poll.is_open:
                raise _Refused(_("This poll is closed; votes can no longer change."))
            try:
                new = check_choices(poll.mode, poll.film_ids, list(change(poll, current)))
            except BallotError as exc:
                raise _Refused(str(exc)) from None
            await store.write_ballot(poll_id, voter_id, new, now)
            return VoteReceipt(True, _("Vote retracted.") if not new else _("Vote recorded."), poll_id, new)

        try:
            return await in_transaction(self.db, work)
        except _Refused as refused:  # rolled back: nothing changed
            return VoteReceipt(False, str(refused), poll_id, ())
        except IntegrityError:  # the poll vanished between lookup and vote
            return VoteReceipt(False, _("That poll doesn't exist."), poll_id, ())

    async def record_ballot(
        self,
        poll_id: int,
        voter_id: str,
        ranking: Sequence[int],
        *,
        where: Where | None = None,
        seq: int | None = None,
    ) -> VoteReceipt:
        """Replace a member's ballot with film ids (rank order for ranked polls); [] retracts."""
        return await self._change_ballot(poll_id, voter_id, lambda poll, current: list(ranking), seq=seq, where=where)

    async def toggle_ballot_choice(
        self, poll_id: int, voter_id: str, film_id: int, *, where: Where | None = None, seq: int | None = None
    ) -> VoteReceipt:
        """A ballot button: single = pick/unpick; multiple = toggle; ranked = append next rank/remove."""

        def change(poll: PollInfo, current: tuple[int, ...]) -> list[int]:
            if film_id in current:
                return [c for c in current if c != film_id]
            return [film_id] if poll.mode == "single" else [*current, film_id]

        return await self._change_ballot(poll_id, voter_id, change, seq=seq, where=where)

    async def ballot_here(self, poll_id: int, voter_id: str, where: Where) -> tuple[PollInfo, tuple[int, ...]] | str:
        """ "My ballot": the poll and the voter's ballot, or why not (unknown poll, another chat's poll)."""
        async with self.db.session() as session:
            store = MovieNightStore(session)
            poll = await store.poll(poll_id)
            if poll is None:
                return _("That poll doesn't exist any more.")
            if not where.holds(poll):
                return _(NOT_HERE)
            return poll, await store.ballot(poll_id, str(voter_id)[:64])

    async def chat_of_native_poll(self, platform: str, platform_poll_id: str) -> str | None:
        """The chat a platform poll of ours was posted in (None: not one of ours, or not attached yet). A poll's
        chat never changes, so what was found is kept (bounded); a miss is asked again next time."""
        cache = self.native_poll_chats
        key = (platform, str(platform_poll_id))
        if key in cache:
            return cache[key]
        async with self.db.session() as session:
            chat = await MovieNightStore(session).chat_of_platform_poll(platform, key[1])
        if chat is not None:
            if len(cache) >= NATIVE_POLL_CHATS_KEPT:
                cache.clear()
            cache[key] = chat
        return chat

    async def _native_poll_id(self, platform: str, platform_poll_id: str) -> int | None:
        async with self.db.session() as session:
            return await MovieNightStore(session).poll_id_by_platform_id(platform, str(platform_poll_id))

    async def _native_change(
        self, platform: str, platform_poll_id: str, voter_id: str,
        change: Callable[[PollInfo, tuple[int, ...]], Sequence[int]], seq: int | None,
    ) -> VoteReceipt:  # fmt: skip
        poll_id = await self._native_poll_id(platform, platform_poll_id)
        if poll_id is None:
            return VoteReceipt(False, _("That poll isn't a movie-night poll I know."))
        return await self._change_ballot(poll_id, voter_id, change, seq=seq)

    async def record_native_vote(
        self,
        platform: str,
        platform_poll_id: str,
        voter_id: str,
        option_indices: Sequence[int],
        *,
        seq: int | None = None,
    ) -> VoteReceipt:
        """A platform's whole answer (Telegram poll_answer, `seq` its update_id): replaces the voter's
        ballot; [] retracts. An answer older than the one the ballot holds is ignored."""
        indices = list(option_indices)
        return await self._native_change(
            platform, platform_poll_id, voter_id, lambda poll, _: _films_at(poll, indices), seq
        )

    async def add_native_answer(
        self, platform: str, platform_poll_id: str, voter_id: str, option_index: int, *, seq: int | None = None
    ) -> VoteReceipt:
        """One answer added (Discord MESSAGE_POLL_VOTE_ADD; answer_id - 1). Single mode: replaces."""

        def change(poll: PollInfo, current: tuple[int, ...]) -> list[int]:
            (film,) = _films_at(poll, [option_index])
            return [film] if poll.mode == "single" else [*current, film]

        return await self._native_change(platform, platform_poll_id, voter_id, change, seq)

    async def remove_native_answer(
        self, platform: str, platform_poll_id: str, voter_id: str, option_index: int, *, seq: int | None = None
    ) -> VoteReceipt:
        """One answer removed (Discord MESSAGE_POLL_VOTE_REMOVE; answer_id - 1)."""

        def change(poll: PollInfo, current: tuple[int, ...]) -> list[int]:
            (film,) = _films_at(poll, [option_index])
            return [c for c in current if c != film]

        return await self._native_change(platform, platform_poll_id, voter_id, change, seq)

    async def resync_native_votes(self, poll_id: int, votes: Mapping[str, Sequence[int]]) -> int:
        """Start-up re-fetch of a native poll's voters: the platform is the truth. Ballots of voters absent
        from `votes` are removed; returns how many ballots changed. Ignored (0) once the poll is closed."""
        now = as_utc(self.clock())

        async def work(session: AsyncSession) -> int:
            store = MovieNightStore(session)
            await store.touch_poll(poll_id)  # serialise with votes and the close before reading
            poll = await store.poll(poll_id)
            if poll is None or not poll.is_open:
                return 0
            changed = 0
            wanted: dict[str, tuple[int, ...]] = {}
            for voter, indices in votes.items():
                try:
                    wanted[str(voter)[:64]] = check_choices(poll.mode, poll.film_ids, _films_at(poll, indices))
                except BallotError as exc:
                    log.warning("resync of movie night %s: ignoring %s's vote %s: %s", poll_id, voter, indices, exc)
            for voter in set(await store.voters(poll_id)) | set(wanted):
                new = wanted.get(voter, ())
                if await store.ballot(poll_id, voter) != new:
                    await store.write_ballot(poll_id, voter, new, now)
                    changed += 1
            return changed

        return await in_transaction(self.db, work)


class _Refused(Exception):
    """A vote the rules refuse; raised inside the transaction so it rolls back."""


def _films_at(poll: PollInfo, indices: Sequence[int]) -> list[int]:
    by_position = {o.position: o.film_id for o in poll.options}
    missing = [i for i in indices if i not in by_position]
    if missing:
        raise BallotError(_("That answer is not one of this poll's options."))
    return [by_position[i] for i in indices]
