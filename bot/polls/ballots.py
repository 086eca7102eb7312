"""A button-ballot press, answered the same way on every platform: what happened, then the presser's ballot.

The words are here, once; an adapter only fits them to its platform (escaping, trimming each film's label
through `fit`, the length of its answer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.i18n import N_, _

if TYPE_CHECKING:
    from bot.polls.store import PollInfo

EMPTY_BALLOT = N_("Your ballot is empty.")
CLOSED_NOTE = N_("This poll is closed.")
Press = Literal["me", "clear"] | int  # show my ballot, clear it, or a film's button (its id)


def ballot_summary(mode: str, labels: Sequence[str], fit: Callable[[str], str] = str) -> str:
    """The member's ballot in one line: "Your pick: A", "Your picks: A, B", "Your ranking: 1. A · 2. B"."""
    if not labels:
        return _(EMPTY_BALLOT)
    short = [fit(label) for label in labels]
    if mode == "ranked":
        return _("Your ranking: {ranking}", ranking=" · ".join(f"{n}. {label}" for n, label in enumerate(short, 1)))
    picks = ", ".join(short)
    return _("Your pick: {picks}", picks=picks) if len(short) == 1 else _("Your picks: {picks}", picks=picks)


@dataclass(frozen=True, slots=True)
class BallotAnswer:
    """The answer to one press. `ok` False: nothing changed and `message` says why (show it as a warning).
    Otherwise `message` is the receipt ("Vote recorded.", or the closed note when only looking) and
    `labels` the presser's ballot now, in order."""

    ok: bool
    message: str
    mode: str = "single"
    labels: tuple[str, ...] = ()

    def summary(self, fit: Callable[[str], str] = str) -> str:
        return ballot_summary(self.mode, self.labels, fit)

    def text(self, fit: Callable[[str], str] = str, sep: str = " ") -> str:
        """The whole answer: the message alone for a refusal, else the message and the ballot."""
        if not self.ok:
            return self.message
        return sep.join(part for part in (self.message, self.summary(fit)) if part)


def answer_for(poll: PollInfo, message: str, choices: Sequence[int]) -> BallotAnswer:
    labels = {o.film_id: o.label for o in poll.options}
    return BallotAnswer(True, message, poll.mode, tuple(labels.get(f, f"#{f}") for f in choices))
