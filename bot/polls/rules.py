"""Movie-night rules, pure: no I/O, no clock. Everything here is decided from its arguments alone.

Voting modes
    single    each member picks one film; a film scores one point per member who picked it.
    multiple  each member approves any number of films; a film scores one point per approving member.
    ranked    each member ranks up to ``ranked_depth(n)`` = min(n, 5) films (Borda count): with depth D the
              1st choice earns D points, the 2nd D-1, ... the D-th 1; unranked films earn 0. A film's score
              is the sum over ballots, so a short ballot simply gives fewer points away.

One member, one ballot: ballots are keyed by voter; a later ballot replaces an earlier one and an empty
ballot is a retraction (``latest_ballots``). Choices naming films that are not options are ignored.

Ties: when several films share the top score, the winner is drawn, reproducibly. The seed is
``tie_seed(poll_id)`` (four digits from SHA-256 of the poll id) and the draw picks index
``SHA-256("<seed>|<sorted tied film ids>") mod len(tied)`` of the tied films sorted by id, so anyone can
re-check an announced draw, and the order votes came in never matters. A poll with no votes has no winner.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.i18n import _, ngettext
from bot.text import ELLIPSIS, trim, utf16_units

Mode = Literal["single", "multiple", "ranked"]
MODES: tuple[Mode, ...] = ("single", "multiple", "ranked")
MAX_RANKS = 5
MIN_OPTIONS = 2
MAX_BALLOT_OPTIONS = 25  # button ballots: Discord allows 25 buttons a message; beyond that nobody reads
QUESTION_LEN = 300


@dataclass(frozen=True, slots=True)
class PollLimits:
    """What a platform's native poll accepts (from the official API descriptions)."""

    min_options: int
    max_options: int
    label_len: int
    question_len: int


PLATFORM_LIMITS: dict[str, PollLimits] = {
    "discord": PollLimits(min_options=1, max_options=10, label_len=55, question_len=300),
    "telegram": PollLimits(min_options=2, max_options=12, label_len=100, question_len=300),
}
# Platforms without native polls (console, cli) still get labels, at Telegram's generous length.
DEFAULT_LABEL_LEN = 100


def limits_for(platform: str) -> PollLimits | None:
    return PLATFORM_LIMITS.get(platform)


def label_len_for(platform: str) -> int:
    limits = limits_for(platform)
    return limits.label_len if limits else DEFAULT_LABEL_LEN


def native_fits(platform: str, option_count: int, mode: Mode) -> bool:
    """A native poll when the platform has one, the slate fits it and the mode is one it can express."""
    limits = limits_for(platform)
    if limits is None or mode == "ranked":
        return False
    return max(MIN_OPTIONS, limits.min_options) <= option_count <= limits.max_options


# Length in UTF-16 code units: what Telegram counts, and never less than what Discord counts.
text_width = utf16_units


def shorten(text: str, max_len: int) -> str:
    """Trim to `max_len` (UTF-16 units) at a word boundary when one is near, ending with an ellipsis."""
    if max_len <= 1 and text_width(text) > max_len:
        return ELLIPSIS
    return trim(text, max_len, measure=text_width, boundary=0.5, strip=" ,;:-–—·.(")


class Titled(Protocol):
    """Anything with a title and a year: a Film, a FilmCard, a FilmChoice."""

    @property
    def title(self) -> str: ...

    @property
    def year(self) -> int | None: ...


def _label(title: str, year: int | None, level: int, position: int, max_len: int) -> str:
    title = " ".join(title.split()) or "Untitled"
    suffix = ""
    if level >= 1 and year:
        suffix = f" ({year})"
    if level >= 2:
        suffix += f" #{position + 1}"
    return shorten(title, max_len - text_width(suffix)) + suffix


def poll_labels(films: Sequence[Titled], max_len: int) -> list[str]:
    """Option labels of at most `max_len` (UTF-16 units), all distinguishable (compared casefolded).

    The title alone where that is unambiguous; the year is added to titles that collide (remakes); where
    even that collides (same title and year, or two long titles cut to the same words) the option number
    is added too. Titles are shortened first, so the year and number are never the part cut off.
    """
    if max_len < 12:
        raise ValueError("labels need at least 12 characters to stay distinguishable")
    levels = [0] * len(films)
    for _round in range(3):
        labels = [_label(f.title, f.year, levels[i], i, max_len) for i, f in enumerate(films)]
        seen: dict[str, list[int]] = {}
        for i, label in enumerate(labels):
            seen.setdefault(label.casefold(), []).append(i)
        clashes = [i for group in seen.values() if len(group) > 1 for i in group]
        if not clashes:
            return labels
        for i in clashes:
            levels[i] = min(levels[i] + 1, 2)
    # A title that itself looks like "X (2019) #2" can still clash: number every option (prefix-free).
    return [
        f"{i + 1}. " + shorten(" ".join(f.title.split()) or "Untitled", max_len - len(f"{i + 1}. "))
        for i, f in enumerate(films)
    ]


def poll_question(mode: Mode, option_count: int, *, max_len: int = QUESTION_LEN) -> str:
    if mode == "ranked":
        text = _(
            "Movie night: rank up to {option_count} films, your favourite first.",
            option_count=ranked_depth(option_count),
        )
    elif mode == "multiple":
        text = _("Movie night: which films would you watch? Pick as many as you like.")
    else:
        text = _("Movie night: which film shall we watch?")
    return shorten(text, max_len)


def ranked_depth(option_count: int) -> int:
    return max(1, min(option_count, MAX_RANKS))


class BallotError(ValueError):
    """A ballot the rules refuse; the message is shown to the voter."""


def check_choices(mode: Mode, options: Sequence[int], choices: Sequence[int]) -> tuple[int, ...]:
    """The choices a ballot may hold, in order; raises BallotError with a message a voter understands."""
    allowed = set(options)
    unknown = [c for c in choices if c not in allowed]
    if unknown:
        raise BallotError(_("That film is not on this poll's slate."))
    if mode == "ranked" and len(set(choices)) != len(choices):
        raise BallotError(_("Rank each film only once."))
    unique = tuple(dict.fromkeys(choices))
    if mode == "single" and len(unique) > 1:
        raise BallotError(_("This poll takes one film per member: pick just one."))
    if mode == "ranked" and len(unique) > ranked_depth(len(options)):
        raise BallotError(_("Rank at most {options} films.", options=ranked_depth(len(options))))
    return unique


@dataclass(frozen=True, slots=True)
class Ballot:
    voter_id: str
    choices: tuple[int, ...]


def latest_ballots(events: Iterable[Ballot]) -> dict[str, Ballot]:
    """One ballot per voter: a later ballot replaces an earlier one; an empty one retracts the vote."""
    out: dict[str, Ballot] = {}
    for ballot in events:
        if ballot.choices:
            out[ballot.voter_id] = ballot
        else:
            out.pop(ballot.voter_id, None)
    return out


@dataclass(frozen=True, slots=True)
class Tally:
    """Scores for every option (zeros included, in option order) and how many members voted."""

    mode: Mode
    scores: tuple[tuple[int, int], ...]
    voters: int

    def score(self, film_id: int) -> int:
        return dict(self.scores)[film_id]

    @property
    def total(self) -> int:
        return sum(points for _, points in self.scores)


def ballot_points(mode: Mode, options: Sequence[int], choices: Sequence[int]) -> dict[int, int]:
    """What one ballot gives each film (invalid and repeated choices ignored)."""
    allowed = set(options)
    picks = [c for c in dict.fromkeys(choices) if c in allowed]
    if mode == "single":
        return {picks[0]: 1} if picks else {}
    if mode == "multiple":
        return dict.fromkeys(picks, 1)
    depth = ranked_depth(len(options))
    return {film: depth - rank for rank, film in enumerate(picks[:depth])}


def tally(mode: Mode, options: Sequence[int], ballots: Iterable[Ballot]) -> Tally:
    """Count votes: each voter once (their latest ballot), in the poll's mode (Borda when ranked)."""
    scores = dict.fromkeys(options, 0)
    voters = 0
    for ballot in latest_ballots(ballots).values():
        points = ballot_points(mode, options, ballot.choices)
        if points:
            voters += 1
        for film, p in points.items():
            scores[film] += p
    return Tally(mode=mode, scores=tuple(scores.items()), voters=voters)


def tie_seed(poll_id: int) -> int:
    """The announced seed of a poll's tie-break draw: derived from the poll id, so it is reproducible."""
    digest = hashlib.sha256(f"filmbot-movienight-{poll_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 10_000


def break_tie(tied: Iterable[int], seed: int) -> int:
    """Draw one of the tied films: deterministic for a seed, independent of order, always a tied one."""
    ordered = sorted(set(tied))
    if not ordered:
        raise ValueError("no films to draw from")
    key = f"{seed}|{','.join(map(str, ordered))}".encode()
    index = int.from_bytes(hashlib.sha256(key).digest()[:8], "big") % len(ordered)
    return ordered[index]


@dataclass(frozen=True, slots=True)
class Outcome:
    winner: int | None
    tied: tuple[int, ...]
    seed: int | None
    tally: Tally


def decide(result: Tally, poll_id: int) -> Outcome:
    """The winner: the top score; a tie broken by the seeded draw; no votes, no winner."""
    top = max((points for _, points in result.scores), default=0)
    if top == 0:
        return Outcome(winner=None, tied=(), seed=None, tally=result)
    tied = tuple(film for film, points in result.scores if points == top)
    if len(tied) == 1:
        return Outcome(winner=tied[0], tied=tied, seed=None, tally=result)
    seed = tie_seed(poll_id)
    return Outcome(winner=break_tie(tied, seed), tied=tied, seed=seed, tally=result)


def result_text(outcome: Outcome, titles: Mapping[int, str]) -> str:
    """The full counts, best first, and how a tie was broken: the notice of the winner's card."""
    t = outcome.tally
    how = {
        "single": _("one vote each"),
        "multiple": _("approval, any number each"),
        "ranked": _("ranked, Borda count"),
    }
    lines = [ngettext("{n} member voted ({how}).", "{n} members voted ({how}).", t.voters, how=how[t.mode])]
    ranked = sorted(t.scores, key=lambda item: -item[1])  # stable: ties keep slate order
    for film, points in ranked:
        mark = "🏆 " if film == outcome.winner else ""
        title = titles.get(film, f"#{film}")
        if t.mode == "ranked":
            lines.append(mark + ngettext("{title} — {n} point", "{title} — {n} points", points, title=title))
        else:
            lines.append(mark + ngettext("{title} — {n} vote", "{title} — {n} votes", points, title=title))
    if outcome.seed is not None:
        names = _(" and ").join(titles.get(f, f"#{f}") for f in outcome.tied)
        lines.append(_("Tie between {names} broken by a draw, seed {seed}.", names=names, seed=outcome.seed))
    return "\n".join(lines)


# Content ratings come in many systems; compare them by the youngest age they admit.
_NAMED_RATINGS = {
    "g": 0,
    "u": 0,
    "all": 0,
    "tv-y": 0,
    "tv-g": 0,
    "e": 0,
    "tv-y7": 7,
    "pg": 10,
    "tv-pg": 10,
    "pg-12": 12,
    "pg-13": 13,
    "tv-14": 14,
    "m": 15,
    "ma": 15,
    "r": 17,
    "tv-ma": 17,
    "nc-17": 18,
    "x": 18,
    "adult": 18,
}
_AGE = re.compile(r"(?<!\d)(\d{1,2})(?!\d)")


def rating_age(value: str | None) -> int | None:
    """The minimum age a content rating implies ("PG-13" -> 13, "15+ – Teens 15 or older" -> 15)."""
    if not value or not value.strip():
        return None
    text = value.strip().casefold()
    head = re.split(r"[\s–—(/,]", text, maxsplit=1)[0]
    if head in _NAMED_RATINGS:
        return _NAMED_RATINGS[head]
    if text in _NAMED_RATINGS:
        return _NAMED_RATINGS[text]
    match = _AGE.search(text)
    return int(match.group(1)) if match else None
