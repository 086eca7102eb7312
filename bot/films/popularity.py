"""Popularity the bot learns from what people do, for catalogs without votes: the pure rules (no I/O).

Signals and their weights: a card shown, a picker choice, a nomination raise a film's score; a
"Wrong film?" report lowers it. A picker choice also counts for the pair (normalised query -> chosen
film); a report takes the pair down again. Every score decays exponentially with one half-life, kept as
(score, when) and decayed whenever it is read or added to, so nothing needs a periodic job.

Two uses: `Book.rank` is a per-film float the search index reads to order otherwise tied matches (after
real votes), and `Book.lifted` names the film a query has been answered with often and consistently
enough to show its card instead of a picker. Nothing here knows who sent a signal.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

Signal = Literal["card", "choice", "nomination", "report"]

# What each signal adds to the film's score (a report subtracts).
FILM_WEIGHTS: Mapping[Signal, float] = {"card": 1.0, "choice": 3.0, "nomination": 2.0, "report": -5.0}
CHOICE_PAIR = 1.0  # a picker choice adds this to (query -> film): "3 choices" is a pair score of about 3
REPORT_PAIR = 3.0  # a report takes at least this much off the pair, and at least half of it
LIFT_SLACK = 0.5  # three choices a few days apart have decayed a little: they still count as three


@dataclass(frozen=True, slots=True)
class LearnRules:
    """The settings of learning (from `Settings.popularity`)."""

    half_life: timedelta = timedelta(days=30)
    lift_choices: float = 3.0  # at least this many (decayed) choices of one film for one query ...
    lift_share: float = 0.8  # ... and at least this share of that query's choices


@dataclass(frozen=True, slots=True)
class Decaying:
    """A score as of `at`; worth `score * 0.5 ** (elapsed / half_life)` later."""

    score: float
    at: datetime

    def value(self, now: datetime, half_life: timedelta) -> float:
        return decayed(self.score, self.at, now, half_life)

    def plus(self, delta: float, now: datetime, half_life: timedelta) -> Decaying:
        """This score decayed to `now` (never forward from the future) with `delta` added."""
        at = max(self.at, now)
        return Decaying(decayed(self.score, self.at, at, half_life) + delta, at)


def decayed(score: float, since: datetime, now: datetime, half_life: timedelta) -> float:
    elapsed = (now - since).total_seconds()
    if elapsed <= 0 or score == 0:
        return score
    return float(score * 0.5 ** (elapsed / half_life.total_seconds()))


def report_penalty(pair_value: float) -> float:
    """How much a "Wrong film?" report takes off a (query -> film) pair: at least REPORT_PAIR, at least
    half, never below zero (the pair simply stops counting)."""
    return min(pair_value, max(REPORT_PAIR, pair_value / 2)) if pair_value > 0 else 0.0


def lift(choices: Mapping[int, float], rules: LearnRules) -> int | None:
    """The film whose card a query deserves from its picker choices (decayed values), or None."""
    positive = {film_id: v for film_id, v in choices.items() if v > 0}
    if not positive:
        return None
    best = max(sorted(positive), key=positive.__getitem__)
    value, total = positive[best], sum(positive.values())
    if value >= rules.lift_choices - LIFT_SLACK and value >= rules.lift_share * total:
        return best
    return None


@dataclass(slots=True)
class Pending:
    """Signals not yet written to the store, as deltas (each decaying from its own time)."""

    films: dict[int, Decaying] = field(default_factory=dict)
    pairs: dict[tuple[str, int], Decaying] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.films or self.pairs)


class Book:
    """The learned scores in memory: what the store holds plus what this process saw since.

    `rank` is the per-film float for the search index. Every film decays at the same rate, so their order
    never changes with time alone: `rank` holds each score carried to a fixed reference time (`epoch`),
    which orders films exactly like their decayed scores would at any moment, without touching every film
    as time passes.
    """

    def __init__(self, rules: LearnRules, epoch: datetime) -> None:
        self.rules = rules
        self.epoch = epoch
        self.films: dict[int, Decaying] = {}
        self.pairs: dict[str, dict[int, Decaying]] = {}
        self.rank: dict[int, float] = {}
        self.pending = Pending()

    def _rank_of(self, score: Decaying) -> float:
        # score * 2 ** ((at - epoch) / half_life), in logs so a far-off `at` cannot overflow
        if score.score == 0:
            return 0.0
        exponent = (score.at - self.epoch).total_seconds() / self.rules.half_life.total_seconds()
        return math.copysign(math.exp(math.log(abs(score.score)) + exponent * math.log(2)), score.score)

    def replace_all(self, films: Iterable[tuple[int, Decaying]], pairs: Iterable[tuple[str, int, Decaying]]) -> None:
        """Take the store's scores (then re-apply what is still pending, so nothing seen is lost)."""
        self.films = dict(films)
        self.pairs = {}
        for key, film_id, score in pairs:
            self.pairs.setdefault(key, {})[film_id] = score
        for film_id, delta in self.pending.films.items():
            self._add_film(film_id, delta.score, delta.at)
        for (key, film_id), delta in self.pending.pairs.items():
            self._add_pair(key, film_id, delta.score, delta.at)
        fresh = {film_id: self._rank_of(score) for film_id, score in self.films.items()}
        self.rank.clear()  # the same dict: the search index holds a reference to it
        self.rank.update(fresh)

    def update_from_store(
        self, films: Iterable[tuple[int, Decaying]], pairs: Iterable[tuple[str, int, Decaying]]
    ) -> None:
        """Take the store's newer scores for some films and pairs (plus what is still pending for them)."""
        for film_id, score in films:
            pending = self.pending.films.get(film_id)
            self.films[film_id] = (
                score
                if pending is None
                else score.plus(
                    pending.value(max(score.at, pending.at), self.rules.half_life), pending.at, self.rules.half_life
                )
            )
            self.rank[film_id] = self._rank_of(self.films[film_id])
        for key, film_id, score in pairs:
            self.pairs.setdefault(key, {})[film_id] = score
            pending = self.pending.pairs.get((key, film_id))
            if pending is not None:
                self._add_pair(key, film_id, pending.value(max(score.at, pending.at), self.rules.half_life),
                               max(score.at, pending.at))  # fmt: skip

    def film_value(self, film_id: int, now: datetime) -> float:
        score = self.films.get(film_id)
        return 0.0 if score is None else score.value(now, self.rules.half_life)

    def choices(self, key: str, now: datetime) -> dict[int, float]:
        return {film_id: s.value(now, self.rules.half_life) for film_id, s in self.pairs.get(key, {}).items()}

    def lifted(self, key: str, now: datetime) -> int | None:
        return lift(self.choices(key, now), self.rules) if key in self.pairs else None

    def record(self, signal: Signal, film_id: int, now: datetime, key: str | None = None) -> None:
        """One signal: the film's score moves by its weight; a choice or a report also moves (key -> film)."""
        self._add_film(film_id, FILM_WEIGHTS[signal], now)
        self._pend_film(film_id, FILM_WEIGHTS[signal], now)
        if signal == "choice" and key is not None:
            self._move_pair(key, film_id, CHOICE_PAIR, now)
        elif signal == "report":
            # Without the query (a card in a private chat does not quote it), every query this film is
            # the learned answer to is demoted: a wrong card must not keep coming back.
            keys = [key] if key is not None else [k for k in self.pairs if self.lifted(k, now) == film_id]
            for k in keys:
                self._move_pair(k, film_id, -report_penalty(self.choices(k, now).get(film_id, 0.0)), now)

    def _move_pair(self, key: str, film_id: int, delta: float, now: datetime) -> None:
        if delta:
            self._add_pair(key, film_id, delta, now)
            self._pend_pair(key, film_id, delta, now)

    def take_pending(self) -> Pending:
        pending, self.pending = self.pending, Pending()
        return pending

    def restore_pending(self, pending: Pending) -> None:
        """A flush failed: keep its deltas for the next one (merged with any recorded meanwhile)."""
        hl = self.rules.half_life
        for film_id, d in pending.films.items():
            old = self.pending.films.get(film_id)
            self.pending.films[film_id] = d if old is None else old.plus(d.value(old.at, hl), old.at, hl)
        for pair, d in pending.pairs.items():
            old = self.pending.pairs.get(pair)
            self.pending.pairs[pair] = d if old is None else old.plus(d.value(old.at, hl), old.at, hl)

    def _add_film(self, film_id: int, delta: float, now: datetime) -> None:
        old = self.films.get(film_id) or Decaying(0.0, now)
        new = old.plus(delta, now, self.rules.half_life)
        self.films[film_id] = new
        self.rank[film_id] = self._rank_of(new)

    def _add_pair(self, key: str, film_id: int, delta: float, now: datetime) -> None:
        pairs = self.pairs.setdefault(key, {})
        old = pairs.get(film_id) or Decaying(0.0, now)
        new = old.plus(delta, now, self.rules.half_life)
        pairs[film_id] = Decaying(max(0.0, new.score), new.at)

    def _pend_film(self, film_id: int, delta: float, now: datetime) -> None:
        old = self.pending.films.get(film_id) or Decaying(0.0, now)
        self.pending.films[film_id] = old.plus(delta, now, self.rules.half_life)

    def _pend_pair(self, key: str, film_id: int, delta: float, now: datetime) -> None:
        old = self.pending.pairs.get((key, film_id)) or Decaying(0.0, now)
        self.pending.pairs[(key, film_id)] = old.plus(delta, now, self.rules.half_life)
