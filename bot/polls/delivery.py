"""What happens to a poll's platform messages, decided once for every adapter; the adapter only moves bytes.

- Finishing: when a poll closes, its native poll is stopped or its button ballot disarmed (buttons gone, "voting
  is closed") exactly once per process, whoever gets there first (the close, the scheduler's announcer, a
  ballot posted after its poll closed). A transport step that may succeed later (a 5xx, no connection) says
  so by returning False, and the next one tries again.
- Early native votes: a member can vote on a native poll before the adapter has attached it (the vote event
  and the send's answer race). Such a vote is held while the platform is posting a poll and replayed, in
  order, once the poll is attached; one that missed the poll only because the attach committed in between is
  simply retried.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

from bot.replies import PollCard

log = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")
HELD_MAX = 500  # native polls with held votes, and recently attached ones, remembered (oldest dropped)


class PollMessages(Protocol):
    """An adapter's transport for finishing polls (registered with `MovieNightService.connect_platform`).
    Each returns True when done for good (stopped, disarmed, or gone: deleted, already ended), False when
    worth another try."""

    async def end_native_poll(self, poll_id: int, chat_id: str, message_id: str) -> bool: ...

    async def disarm_ballot(self, poll_id: int, chat_id: str, message_id: str, card: PollCard | None) -> bool: ...


@dataclass(frozen=True, slots=True)
class NativeVote:
    """A vote event on a platform's native poll (`indices` 0-based). `set`: the voter's whole answer
    (Telegram poll_answer, `[]` retracts); `add` / `remove`: one answer (Discord vote add / remove)."""

    platform: str
    platform_poll_id: str
    voter_id: str
    change: Literal["set", "add", "remove"]
    indices: tuple[int, ...]
    seq: int | None = None


class Finished:
    """Polls whose platform messages this process has finished (ended / disarmed)."""

    def __init__(self) -> None:
        self._done: set[int] = set()

    def __contains__(self, poll_id: int) -> bool:
        return poll_id in self._done

    async def once(self, poll_id: int, step: Callable[[], Awaitable[bool]]) -> bool:
        """Run `step` unless the poll is finished already; it is finished when the step says so."""
        if poll_id in self._done:
            return False
        if await step():
            self._done.add(poll_id)
            return True
        return False


class EarlyVotes:
    """Native votes that arrived before their poll was attached, per (platform, platform poll id)."""

    def __init__(self, limit: int = HELD_MAX) -> None:
        self.limit = limit
        self._posting: dict[str, int] = {}
        self._held: OrderedDict[tuple[str, str], list[NativeVote]] = OrderedDict()
        self._attached: OrderedDict[tuple[str, str], None] = OrderedDict()

    @contextmanager
    def posting(self, platform: str) -> Iterator[None]:
        """While a poll of `platform` is being sent and attached, unknown-poll votes there are held."""
        self._posting[platform] = self._posting.get(platform, 0) + 1
        try:
            yield
        finally:
            self._posting[platform] -= 1

    def attached_recently(self, vote: NativeVote) -> bool:
        return (vote.platform, vote.platform_poll_id) in self._attached

    def hold(self, vote: NativeVote) -> bool:
        """Keep `vote` for replay if its platform is posting a poll now; False if nothing is being posted."""
        if not self._posting.get(vote.platform):
            return False
        self._held.setdefault((vote.platform, vote.platform_poll_id), []).append(vote)
        _trim(self._held, self.limit)
        return True

    def attached(self, platform: str, platform_poll_id: str) -> list[NativeVote]:
        """The poll is attached now: the votes held for it, to replay in arrival order."""
        key = (platform, platform_poll_id)
        self._attached[key] = None
        _trim(self._attached, self.limit)
        return self._held.pop(key, [])


def _trim(items: OrderedDict[K, V], limit: int) -> None:
    while len(items) > limit:
        items.popitem(last=False)
