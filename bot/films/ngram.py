"""Character-trigram posting lists in numpy: the candidate generator behind the fuzzy title search.

Why trigrams: a title with one or two typos still shares most of its trigrams with the right title,
they need no word boundaries (Han, kana, Hangul) and they fit in a few flat numpy arrays
(compressed sparse rows: one sorted array of trigram codes, one of offsets, one of key ids), so the
index of ~1M titles is built with vectorised numpy in seconds and costs ~12 bytes per trigram.

Why a budget: common trigrams ("the", " lo") have posting lists of tens of thousands of keys and add
little. A query reads its rarest trigrams first and stops at `budget` postings, so its cost is bounded
whatever it contains; the overlap count is then scaled as if all its trigrams had been read.

`GramIndex` is immutable (built in one vectorised pass); `GramPostings` is its mutable twin for the
keys edited since the last build (plain dict of lists, appended to per edit), so an edit never has to
rebuild the big arrays (see `bot.films.search_base.DeltaTable`).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bot.films.normalize import gram_form

__all__ = ["GramIndex", "GramPostings", "query_codes"]

IntArray = npt.NDArray[np.int64]
KeyArray = npt.NDArray[np.int32]

_PAD_START = "\x02"
_PAD_END = "\x03"
_SHIFT = 21  # every code point fits in 21 bits, so three of them pack into one int64


def query_codes(text: str) -> list[int]:
    """The distinct trigram codes of one normalised string, padded so short titles have grams too.

    Hangul is read as jamo (`gram_form`), so one mistyped jamo costs three trigrams of a long string.
    """
    padded = _PAD_START + gram_form(text) + _PAD_END
    points = [ord(ch) for ch in padded]
    return list(
        {(points[i] << (2 * _SHIFT)) | (points[i + 1] << _SHIFT) | points[i + 2] for i in range(len(points) - 2)}
    )


class GramIndex:
    """Immutable trigram -> key-id posting lists over a fixed list of normalised keys."""

    __slots__ = ("_codes", "_key_grams", "_offsets", "_postings")

    def __init__(self, keys: Sequence[str]) -> None:
        padded = [_PAD_START + gram_form(key) + _PAD_END for key in keys]
        lengths = np.fromiter((len(p) for p in padded), dtype=np.int64, count=len(padded))
        points = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        if len(points) < 3:
            self._codes: IntArray = np.zeros(0, dtype=np.int64)
            self._offsets: IntArray = np.zeros(1, dtype=np.int64)
            self._postings: KeyArray = np.zeros(0, dtype=np.int32)
            self._key_grams: KeyArray = np.zeros(len(keys), dtype=np.int32)
            return
        codes = (points[:-2] << (2 * _SHIFT)) | (points[1:-1] << _SHIFT) | points[2:]
        key_of = np.repeat(np.arange(len(keys), dtype=np.int32), lengths)[:-2]
        ends = np.cumsum(lengths)
        # a trigram must not straddle two keys: drop each key's last two positions
        valid = np.ones(len(codes), dtype=bool)
        for back in (1, 2):
            cut = ends - back
            valid[cut[(cut >= 0) & (cut < len(valid))]] = False
        codes, key_of = codes[valid], key_of[valid]
        order = np.lexsort((key_of, codes))
        codes, key_of = codes[order], key_of[order]
        fresh = np.ones(len(codes), dtype=bool)
        fresh[1:] = (codes[1:] != codes[:-1]) | (key_of[1:] != key_of[:-1])
        codes, key_of = codes[fresh], key_of[fresh]
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        self._codes = codes[starts].copy()
        self._offsets = np.r_[starts, len(codes)].astype(np.int64)
        self._postings = key_of.astype(np.int32)
        self._key_grams = np.bincount(key_of, minlength=len(keys)).astype(np.int32)

    @property
    def nbytes(self) -> int:
        return int(self._codes.nbytes + self._offsets.nbytes + self._postings.nbytes + self._key_grams.nbytes)

    def candidates(self, text: str, *, top: int = 40, budget: int = 40_000) -> KeyArray:
        """Key ids sharing the most trigrams with `text` (scaled Dice estimate), best `top` first."""
        wanted = np.asarray(query_codes(text), dtype=np.int64)
        if not len(self._codes) or not len(wanted):
            return np.zeros(0, dtype=np.int32)
        pos = np.searchsorted(self._codes, wanted)
        pos[pos >= len(self._codes)] = 0
        pos = pos[self._codes[pos] == wanted]
        if not len(pos):
            return np.zeros(0, dtype=np.int32)
        lo, hi = self._offsets[pos], self._offsets[pos + 1]
        sizes = hi - lo
        order = np.argsort(sizes, kind="stable")
        total = np.cumsum(sizes[order])
        # the rarest grams that fit the budget, and at least two so one typo'd gram cannot decide alone
        used = max(int(np.searchsorted(total, budget, side="right")), min(2, len(order)))
        chosen = order[:used]
        parts = [self._postings[a:b] for a, b in zip(lo[chosen].tolist(), hi[chosen].tolist(), strict=True)]
        keys, counts = _count_sorted_runs(parts)
        if not len(keys):
            return np.zeros(0, dtype=np.int32)
        n_query = len(wanted)
        est = (2.0 * n_query / used) * counts / (n_query + self._key_grams[keys])
        return _best(keys, est, counts, top)


def _count_sorted_runs(parts: list[KeyArray]) -> tuple[KeyArray, IntArray]:
    """Distinct key ids of several sorted posting lists, and in how many lists each one is.

    Each list is sorted by key id, so a stable sort (timsort) of their concatenation only merges runs:
    several times cheaper than `np.unique`'s quicksort of the same ~20,000 ids.
    """
    if len(parts) == 1:
        return parts[0], np.ones(len(parts[0]), dtype=np.int64)
    ids = np.concatenate(parts)
    if not len(ids):
        return ids, np.zeros(0, dtype=np.int64)
    ids.sort(kind="stable")
    fresh = np.empty(len(ids), dtype=bool)
    fresh[0] = True
    np.not_equal(ids[1:], ids[:-1], out=fresh[1:])
    starts = np.flatnonzero(fresh)
    counts = np.empty_like(starts)
    np.subtract(starts[1:], starts[:-1], out=counts[:-1])
    counts[-1] = len(ids) - starts[-1]
    return ids[starts], counts


def _best(keys: KeyArray, est: npt.NDArray[np.float64], counts: IntArray, top: int) -> KeyArray:
    """The `top` keys of highest estimate, best first.

    Most keys share one trigram with the query and cannot be among the best when `top` keys share more:
    the `top`-th estimate among those is a floor every key of the result reaches, so the selection runs
    on the few keys at or above it instead of on all of them.
    """
    if len(keys) > top:
        shared = counts > 1
        if np.count_nonzero(shared) > top:
            near = est >= np.partition(est[shared], -top)[-top]
            keys, est = keys[near], est[near]
        if len(keys) > top:
            best = np.argpartition(-est, top)[:top]
            keys, est = keys[best], est[best]
    return keys[np.argsort(-est, kind="stable")]


class GramPostings:
    """Mutable trigram -> key-id postings: O(trigrams) appends per added key, nothing ever rebuilt.

    Why key ids are never reused or unlinked: dropping a key only marks it dead (masked when
    counting), and adding it again revives the same id, so the postings grow with the number of
    distinct keys ever added, never with the number of edits, and an edit costs no list scan.
    Postings are `array`s so a query counts them with numpy through zero-copy views, like `GramIndex`.
    """

    __slots__ = ("_id", "_key_grams", "_lists", "_live", "keys")

    def __init__(self) -> None:
        self._lists: dict[int, array[int]] = {}
        self._id: dict[str, int] = {}
        self._key_grams = array("i")
        self._live = array("b")
        self.keys: list[str] = []

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: str) -> None:
        kid = self._id.get(key)
        if kid is not None:
            self._live[kid] = 1
            return
        kid = len(self.keys)
        self._id[key] = kid
        self.keys.append(key)
        codes = query_codes(key)
        self._key_grams.append(len(codes))
        self._live.append(1)
        lists = self._lists
        for code in codes:
            found = lists.get(code)
            if found is None:
                lists[code] = array("i", (kid,))
            else:
                found.append(kid)

    def drop(self, key: str) -> None:
        kid = self._id.get(key)
        if kid is not None:
            self._live[kid] = 0

    def candidates(self, text: str, *, top: int, budget: int, min_est: float = 0.0) -> list[str]:
        """Live keys sharing the most trigrams with `text` (same scaled Dice estimate as `GramIndex`)."""
        wanted = query_codes(text)
        lists = sorted((found for code in wanted if (found := self._lists.get(code))), key=len)
        if not lists:
            return []
        used, total = 0, 0
        for found in lists:
            if used >= 2 and total + len(found) > budget:
                break
            total += len(found)
            used += 1
        parts = [np.frombuffer(found, dtype=np.int32) for found in lists[:used]]
        ids = parts[0] if len(parts) == 1 else np.concatenate(parts)
        del parts  # views pin the arrays' buffers (an append would fail): drop them at once
        ids = np.sort(ids[np.frombuffer(self._live, dtype=np.bool_)[ids]])
        if not len(ids):
            return []
        # run-length count of the sorted ids (np.unique does the same with more per-call overhead)
        starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
        keys = ids[starts]
        counts = np.diff(np.append(starts, len(ids)))
        grams = np.frombuffer(self._key_grams, dtype=np.int32)[keys]
        est = (2.0 * len(wanted) / used) * counts / (len(wanted) + grams)
        if min_est > 0:
            # keys sharing few grams would score under the caller's threshold anyway: skip rescoring them
            near = est >= min_est
            keys, est = keys[near], est[near]
        if len(keys) > top:
            best = np.argpartition(-est, top)[:top]
            keys, est = keys[best], est[best]
        return [self.keys[kid] for kid in keys[np.argsort(-est, kind="stable")].tolist()]
