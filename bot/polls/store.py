"""Movie-night persistence: the only module that touches the ORM rows; it hands out plain dataclasses.
Transactions (`in_transaction`, retries) are in ``transactions``.

Concurrency is settled by the database, never by an in-process lock (several processes may share it):
unique constraints refuse a second open poll or a duplicate nomination, upserts keep one ballot per voter,
and every ballot change starts with a *write* to that voter's row. On PostgreSQL that write holds the
row lock until commit; on SQLite it takes the database write lock (the driver begins the transaction at
the first write), so the read-modify-write that follows can't interleave with another one. A vote then
reads the poll row ``FOR SHARE`` (PostgreSQL) while closing updates it, so a vote either commits before
the tally or sees the poll closed — an acknowledged vote is never left out of a result.

Events are ordered by the database too: a ballot keeps the sequence of the event that set it, and the
first write is conditional on the new event being newer (`lock_ballot`), so a retried or reordered older
event is ignored whichever worker or process applies it, and a retraction is a tombstone with its sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.polls.models import BallotRow, ChatSettingsRow, MovieNightRow, NightOptionRow, NominationRow
from bot.polls.rules import Ballot, Mode

# Transactions and retries live in ``transactions``; re-exported here, where callers have always found them.
from bot.polls.transactions import RETRIES as RETRIES
from bot.polls.transactions import RETRY_SQLSTATES as RETRY_SQLSTATES
from bot.polls.transactions import as_utc as as_utc
from bot.polls.transactions import dialect_insert
from bot.polls.transactions import in_transaction as in_transaction

# How long a stored event sequence is trusted: Telegram picks update ids at random again after a week with
# no updates, so an older-looking id on a ballot untouched for that long is a new event, not a stale one.
SEQ_TRUSTED_FOR = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class OptionInfo:
    position: int
    film_id: int
    label: str


@dataclass(frozen=True, slots=True)
class PollInfo:
    """A poll (movie night) as the rest of the code sees it. ``options`` are in native-poll order."""

    id: int
    platform: str
    chat_id: str
    mode: Mode
    question: str
    opened_by: str
    opened_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    native: bool
    platform_poll_id: str | None
    message_id: str | None
    winner_film_id: int | None
    tie_seed: int | None
    voters: int
    result: str | None
    scores: tuple[tuple[int, int], ...]
    watched_at: datetime | None
    options: tuple[OptionInfo, ...]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def film_ids(self) -> list[int]:
        return [o.film_id for o in self.options]


@dataclass(frozen=True, slots=True)
class Nomination:
    film_id: int
    nominated_by: str
    nominator_name: str | None
    nominated_at: datetime

    @property
    def who(self) -> str:
        return self.nominator_name or self.nominated_by


@dataclass(frozen=True, slots=True)
class ChatSettings:
    max_rating: str | None = None
    poll_hours: int | None = None
    carryover: bool | None = None
    language: str | None = None  # the group's `/settings language`; None: auto
    default_language: str | None = None  # the platform's default for the chat (Discord's guild locale)


def _poll(row: MovieNightRow, options: Sequence[NightOptionRow]) -> PollInfo:
    return PollInfo(
        id=row.id,
        platform=row.platform,
        chat_id=row.chat_id,
        mode=cast(Mode, row.mode),
        question=row.question,
        opened_by=row.opened_by,
        opened_at=as_utc(row.opened_at),
        closes_at=as_utc(row.closes_at),
        closed_at=as_utc(row.closed_at) if row.closed_at else None,
        native=row.native,
        platform_poll_id=row.platform_poll_id,
        message_id=row.message_id,
        winner_film_id=row.winner_film_id,
        tie_seed=row.tie_seed,
        voters=row.voters,
        result=row.result,
        scores=tuple((int(f), int(p)) for f, p in (row.scores or [])),
        watched_at=as_utc(row.watched_at) if row.watched_at else None,
        options=tuple(OptionInfo(o.position, o.film_id, o.label) for o in sorted(options, key=lambda o: o.position)),
    )


class MovieNightStore:
    """Queries on one session; the caller owns the transaction (see `in_transaction`)."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    # -- polls ---------------------------------------------------------------------------------------
    async def poll(self, poll_id: int, *, lock: bool = False) -> PollInfo | None:
        query = select(MovieNightRow).where(MovieNightRow.id == poll_id)
        if lock:
            query = query.with_for_update(read=True)
        row = (await self.s.execute(query)).scalar_one_or_none()
        return await self._with_options(row)

    async def _with_options(self, row: MovieNightRow | None) -> PollInfo | None:
        if row is None:
            return None
        options = (await self.s.execute(select(NightOptionRow).where(NightOptionRow.night_id == row.id))).scalars()
        return _poll(row, list(options))

    async def open_poll(self, platform: str, chat_id: str) -> PollInfo | None:
        query = select(MovieNightRow).where(MovieNightRow.open_chat == f"{platform}:{chat_id}")
        return await self._with_options((await self.s.execute(query)).scalar_one_or_none())

    async def chat_of_platform_poll(self, platform: str, platform_poll_id: str) -> str | None:
        query = select(MovieNightRow.chat_id).where(
            MovieNightRow.platform == platform, MovieNightRow.platform_poll_id == platform_poll_id
        )
        return (await self.s.execute(query)).scalar_one_or_none()

    async def poll_id_by_platform_id(self, platform: str, platform_poll_id: str) -> int | None:
        query = select(MovieNightRow.id).where(
            MovieNightRow.platform == platform, MovieNightRow.platform_poll_id == platform_poll_id
        )
        return (await self.s.execute(query)).scalar_one_or_none()

    async def create_poll(
        self,
        *,
        platform: str,
        chat_id: str,
        mode: Mode,
        question: str,
        opened_by: str,
        now: datetime,
        closes_at: datetime,
        native: bool,
        options: Sequence[tuple[int, str]],
    ) -> int:
        """Insert an open poll and its frozen options; IntegrityError when the group already has one."""
        row = MovieNightRow(
            platform=platform, chat_id=chat_id, open_chat=f"{platform}:{chat_id}", mode=mode,
            question=question, opened_by=opened_by, opened_at=as_utc(now), closes_at=as_utc(closes_at),
            native=native, voters=0,
        )  # fmt: skip
        self.s.add(row)
        await self.s.flush()
        for position, (film_id, label) in enumerate(options):
            self.s.add(NightOptionRow(night_id=row.id, position=position, film_id=film_id, label=label))
        await self.s.flush()
        return row.id

    async def attach_native(self, poll_id: int, platform_poll_id: str, message_id: str | None) -> bool:
        result = await self.s.execute(
            update(MovieNightRow)
            .where(MovieNightRow.id == poll_id)
            .values(platform_poll_id=platform_poll_id, message_id=message_id)
        )
        return bool(cast(Any, result).rowcount)

    async def attach_ballot(self, poll_id: int, message_id: str) -> bool:
        """Remember a button ballot's message (and that the poll is voted on by buttons); False when the
        poll is unknown or a native poll is attached to it."""
        result = await self.s.execute(
            update(MovieNightRow)
            .where(MovieNightRow.id == poll_id, MovieNightRow.platform_poll_id.is_(None))
            .values(message_id=message_id, native=False)
        )
        return bool(cast(Any, result).rowcount)

    async def touch_poll(self, poll_id: int) -> None:
        """A no-op write that takes the poll's write lock first (SQLite) / its row lock (PostgreSQL)."""
        await self.s.execute(
            update(MovieNightRow).where(MovieNightRow.id == poll_id).values(voters=MovieNightRow.voters)
        )

    async def mark_closed(self, poll_id: int, now: datetime, by: str | None) -> bool:
        """Close the poll if it is still open; False when someone else closed it first."""
        result = await self.s.execute(
            update(MovieNightRow)
            .where(MovieNightRow.id == poll_id, MovieNightRow.closed_at.is_(None))
            .values(closed_at=as_utc(now), closed_by=by, open_chat=None)
        )
        return bool(cast(Any, result).rowcount)

    async def record_result(
        self,
        poll_id: int,
        *,
        winner: int | None,
        seed: int | None,
        voters: int,
        result: str,
        scores: Sequence[tuple[int, int]],
    ) -> None:
        await self.s.execute(
            update(MovieNightRow)
            .where(MovieNightRow.id == poll_id)
            .values(
                winner_film_id=winner, tie_seed=seed, voters=voters, result=result,
                scores=[[f, p] for f, p in scores],
            )
        )  # fmt: skip

    async def due_ids(self, now: datetime) -> list[int]:
        query = (
            select(MovieNightRow.id)
            .where(MovieNightRow.closed_at.is_(None), MovieNightRow.closes_at <= as_utc(now))
            .order_by(MovieNightRow.closes_at, MovieNightRow.id)
        )
        return list((await self.s.execute(query)).scalars())

    async def next_close_at(self) -> datetime | None:
        query = select(func.min(MovieNightRow.closes_at)).where(MovieNightRow.closed_at.is_(None))
        value = (await self.s.execute(query)).scalar_one_or_none()
        return as_utc(value) if value is not None else None

    async def history(self, platform: str, chat_id: str, limit: int = 10) -> list[PollInfo]:
        query = (
            select(MovieNightRow)
            .where(
                MovieNightRow.platform == platform,
                MovieNightRow.chat_id == chat_id,
                MovieNightRow.closed_at.is_not(None),
            )
            .order_by(MovieNightRow.id.desc())
            .limit(limit)
        )
        rows = list((await self.s.execute(query)).scalars())
        return [_poll(row, ()) for row in rows]

    async def last_winner_night(self, platform: str, chat_id: str) -> PollInfo | None:
        query = (
            select(MovieNightRow)
            .where(
                MovieNightRow.platform == platform,
                MovieNightRow.chat_id == chat_id,
                MovieNightRow.winner_film_id.is_not(None),
            )
            .order_by(MovieNightRow.id.desc())
            .limit(1)
        )
        row = (await self.s.execute(query)).scalar_one_or_none()
        return _poll(row, ()) if row else None

    async def mark_watched(self, poll_id: int, now: datetime) -> None:
        await self.s.execute(update(MovieNightRow).where(MovieNightRow.id == poll_id).values(watched_at=as_utc(now)))

    async def watched(self, platform: str, chat_id: str) -> dict[int, datetime]:
        """Films this group has watched, with when (the latest time)."""
        query = select(MovieNightRow.winner_film_id, func.max(MovieNightRow.watched_at)).where(
            MovieNightRow.platform == platform,
            MovieNightRow.chat_id == chat_id,
            MovieNightRow.watched_at.is_not(None),
            MovieNightRow.winner_film_id.is_not(None),
        )
        rows = (await self.s.execute(query.group_by(MovieNightRow.winner_film_id))).all()
        return {int(film): as_utc(at) for film, at in rows if film is not None and at is not None}

    # -- nominations ---------------------------------------------------------------------------------
    async def nominations(self, platform: str, chat_id: str) -> list[Nomination]:
        query = (
            select(NominationRow)
            .where(NominationRow.platform == platform, NominationRow.chat_id == chat_id)
            .order_by(NominationRow.id)
        )
        return [
            Nomination(r.film_id, r.nominated_by, r.nominator_name, as_utc(r.nominated_at))
            for r in (await self.s.execute(query)).scalars()
        ]

    async def add_nomination(
        self, platform: str, chat_id: str, film_id: int, by: str, name: str | None, now: datetime
    ) -> bool:
        """False when the film is already on the slate (the unique constraint decides, race-free)."""
        stmt = (
            dialect_insert(self.s, NominationRow)
            .values(
                platform=platform, chat_id=chat_id, film_id=film_id, nominated_by=by,
                nominator_name=(name or None) and name[:100], nominated_at=as_utc(now),
            )
            .on_conflict_do_nothing(index_elements=["platform", "chat_id", "film_id"])
        )  # fmt: skip
        return bool(cast(Any, await self.s.execute(stmt)).rowcount)

    async def remove_nomination(self, platform: str, chat_id: str, film_id: int) -> bool:
        result = await self.s.execute(
            delete(NominationRow).where(
                NominationRow.platform == platform,
                NominationRow.chat_id == chat_id,
                NominationRow.film_id == film_id,
            )
        )
        return bool(cast(Any, result).rowcount)

    # -- ballots -------------------------------------------------------------------------------------
    async def lock_ballot(self, poll_id: int, voter_id: str, now: datetime, seq: int | None = None) -> bool:
        """Write first: creates an empty ballot or touches the voter's row, taking its lock until commit.

        With `seq` (the event's ordering key) the write is conditional, in the one statement: it happens,
        and `seq` is stored, only when the row holds no sequence or an older one (or was last changed
        more than `SEQ_TRUSTED_FOR` ago: Telegram restarts its update ids at random after a week without
        updates). Returns False when the held event is newer or the same: the caller ignores this one.
        Without `seq` (unordered events) it always writes and keeps the stored sequence.
        """
        stmt = dialect_insert(self.s, BallotRow).values(
            night_id=poll_id, voter_id=voter_id, choices=[], updated_at=as_utc(now), seq=seq
        )
        if seq is None:
            stmt = stmt.on_conflict_do_update(
                index_elements=["night_id", "voter_id"], set_={"updated_at": stmt.excluded.updated_at}
            )
        else:
            newer = or_(
                BallotRow.seq.is_(None),
                BallotRow.seq < stmt.excluded.seq,
                BallotRow.updated_at < as_utc(now) - SEQ_TRUSTED_FOR,
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=["night_id", "voter_id"],
                set_={"updated_at": stmt.excluded.updated_at, "seq": stmt.excluded.seq},
                where=newer,
            )
        return (await self.s.execute(stmt.returning(BallotRow.night_id))).first() is not None

    async def ballot(self, poll_id: int, voter_id: str) -> tuple[int, ...]:
        query = select(BallotRow.choices).where(BallotRow.night_id == poll_id, BallotRow.voter_id == voter_id)
        value = (await self.s.execute(query)).scalar_one_or_none()
        return tuple(int(c) for c in value or ())

    async def write_ballot(self, poll_id: int, voter_id: str, choices: Sequence[int], now: datetime) -> None:
        """Store the voter's choices; an empty list is a retraction, kept as a tombstone (the row with no
        choices and its `seq`), so the retraction's order is remembered like any vote's."""
        stmt = dialect_insert(self.s, BallotRow).values(
            night_id=poll_id, voter_id=voter_id, choices=list(choices), updated_at=as_utc(now)
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["night_id", "voter_id"],
            set_={"choices": stmt.excluded.choices, "updated_at": stmt.excluded.updated_at},
        )
        await self.s.execute(stmt)

    async def ballots(self, poll_id: int) -> list[Ballot]:
        query = select(BallotRow.voter_id, BallotRow.choices).where(BallotRow.night_id == poll_id)
        rows = (await self.s.execute(query.order_by(BallotRow.voter_id))).all()
        return [Ballot(voter, tuple(int(c) for c in choices or ())) for voter, choices in rows]

    async def voters(self, poll_id: int) -> list[str]:
        query = select(BallotRow.voter_id).where(BallotRow.night_id == poll_id)
        return list((await self.s.execute(query)).scalars())

    # -- settings ------------------------------------------------------------------------------------
    async def settings(self, platform: str, chat_id: str) -> ChatSettings:
        row = await self.s.get(ChatSettingsRow, (platform, chat_id))
        if row is None:
            return ChatSettings()
        return ChatSettings(row.max_rating, row.poll_hours, row.carryover, row.language, row.default_language)

    async def save_setting(self, platform: str, chat_id: str, by: str | None, now: datetime, **values: Any) -> None:
        """Upsert some of a chat's settings; `by` None: a fact the bot noted, not an admin's change (the last
        admin change's author and time stay)."""
        stamp = {"updated_by": by, "updated_at": as_utc(now)} if by is not None else {}
        stmt = dialect_insert(self.s, ChatSettingsRow).values(platform=platform, chat_id=chat_id, **stamp, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["platform", "chat_id"],
            set_={k: getattr(stmt.excluded, k) for k in (*values, *stamp)},
        )
        await self.s.execute(stmt)
