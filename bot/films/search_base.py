"""The two halves of the search index: a frozen bulk table and an indexed delta of edits since.

Why two: numpy posting lists and a sorted key array are cheap to query and to build in one go, but
costly to edit in place. `SearchIndex` keeps `BaseTable` for the catalog as it was at the last
(re)build and `DeltaTable` for keys added since; removals are tombstones on the slot. The delta has
the same three access paths (exact dict, sorted prefix list, trigram postings), each edited in
O(key length + delta size memmove), so neither an edit nor a query ever waits for a rebuild, and a
query's cost on the delta stays bounded (postings budget, prefix range) with tens of thousands of
delta keys. Folding the delta into a new base is `SearchIndex.compact()`, run only when asked.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt

from bot.films.ngram import GramIndex, GramPostings

__all__ = ["BaseTable", "DeltaTable", "pack_holder"]

# prefix ranges larger than this have their most popular keys cached per prefix (short prefixes only)
_CACHE_RANGE = 4096
_CACHE_MAX = 50_000
_PREFIX_END = "\U0010ffff"
_HOLDER_SHIFT = 16  # a title index with its flags fits in 16 bits


def pack_holder(slot: int, tidx: int) -> int:
    """One int for a (slot, title index) holder: a build files ~300k of them, so no tuple each."""
    return slot << _HOLDER_SHIFT | tidx


def _array(typecode: str, values: npt.NDArray[np.int64]) -> array[int]:
    """A numpy integer array as an `array` of the same C type (the typecode names both)."""
    out = array(typecode)
    out.frombytes(values.astype(np.dtype(typecode), copy=False).tobytes())
    return out


class BaseTable:
    """Keys (normalised titles) with their (slot, title index) holders, trigram and prefix access."""

    __slots__ = (
        "_holder_slot",
        "_holder_tidx",
        "_key_id",
        "_offsets",
        "_prefix_cache",
        "_sorted_ids",
        "_sorted_keys",
        "_sorted_pop",
        "grams",
        "keys",
    )

    def __init__(self, holders: Mapping[str, Sequence[int]], votes: Sequence[int]) -> None:
        """`holders`: key -> its holders (`pack_holder`), each key with at least one; `votes`: per slot (0: none).

        A key's popularity (prefix order) is the most votes among its holders.
        """
        self.keys: list[str] = list(holders)
        self._key_id = {key: i for i, key in enumerate(self.keys)}
        counts = np.fromiter(map(len, holders.values()), dtype=np.int64, count=len(self.keys))
        offsets = np.zeros(len(self.keys) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        packed = np.fromiter(chain.from_iterable(holders.values()), dtype=np.int64, count=int(offsets[-1]))
        slots = packed >> _HOLDER_SHIFT
        # holders are read one key at a time, a few dozen per query: `array`s hand out Python ints without
        # numpy's per-element boxing, in the same compact memory
        self._offsets = _array("q", offsets)
        self._holder_slot = _array("i", slots)
        self._holder_tidx = _array("h", packed & ((1 << _HOLDER_SHIFT) - 1))
        self.grams = GramIndex(self.keys)
        self._sorted_keys = sorted(self.keys)
        self._sorted_ids = np.fromiter(map(self._key_id.__getitem__, self._sorted_keys), np.int32, len(self.keys))
        if len(self.keys):
            pop = np.maximum.reduceat(np.asarray(votes, dtype=np.int64)[slots], offsets[:-1])
        else:
            pop = np.zeros(0, dtype=np.int64)
        self._sorted_pop = pop[self._sorted_ids]
        self._prefix_cache: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def nbytes(self) -> int:
        """numpy bytes only (Python strings and dicts are counted by the benchmark's tracemalloc)."""
        arrays = (self._offsets, self._holder_slot, self._holder_tidx)
        held = sum(a.itemsize * len(a) for a in arrays)
        return self.grams.nbytes + held + int(self._sorted_ids.nbytes + self._sorted_pop.nbytes)

    def holders(self, key: str) -> list[tuple[int, int]]:
        """(slot, title index) of every title that normalises to `key`, dead slots included."""
        kid = self._key_id.get(key)
        if kid is None:
            return []
        lo, hi = self._offsets[kid], self._offsets[kid + 1]
        if hi - lo == 1:
            return [(self._holder_slot[lo], self._holder_tidx[lo])]
        return list(zip(self._holder_slot[lo:hi], self._holder_tidx[lo:hi], strict=True))

    def fuzzy(self, text: str, *, top: int, budget: int) -> list[str]:
        """Keys sharing the most trigrams with `text`."""
        return [self.keys[i] for i in self.grams.candidates(text, top=top, budget=budget).tolist()]

    def prefix(self, text: str, *, top: int) -> list[str]:
        """Up to `top` keys starting with `text`, the most popular first when there are more."""
        lo = bisect_left(self._sorted_keys, text)
        hi = bisect_left(self._sorted_keys, text + _PREFIX_END, lo)
        if hi - lo <= top:
            return self._sorted_keys[lo:hi]
        if hi - lo > _CACHE_RANGE:
            cached = self._prefix_cache.get(text)
            if cached is not None and len(cached) >= top:
                return cached[:top]
        pop = self._sorted_pop[lo:hi]
        best = np.argpartition(-pop, top)[:top]
        best = best[np.argsort(-pop[best], kind="stable")]
        found = [self._sorted_keys[lo + i] for i in best.tolist()]
        if hi - lo > _CACHE_RANGE and len(self._prefix_cache) < _CACHE_MAX:
            self._prefix_cache[text] = found
        return found


class DeltaTable:
    """Keys added since the last build, with their holders, editable one holder at a time.

    Prefix order needs popularity per key: it lives in an `array` parallel to the sorted key list
    (inserted with a memmove, read as a zero-copy numpy view), so a short prefix with thousands of
    delta keys is ranked in one vectorised pass instead of a Python loop.
    """

    __slots__ = ("_holders", "_pop", "_sorted", "_sorted_pop", "grams")

    def __init__(self) -> None:
        self._holders: dict[str, list[tuple[int, int, int]]] = {}  # key -> (slot, title index, votes)
        self._pop: dict[str, int] = {}
        self._sorted: list[str] = []
        self._sorted_pop = array("q")
        self.grams = GramPostings()

    def __len__(self) -> int:
        return len(self._holders)

    def __bool__(self) -> bool:
        return bool(self._holders)

    def holders(self, key: str) -> list[tuple[int, int]]:
        found = self._holders.get(key)
        return [(slot, tidx) for slot, tidx, _ in found] if found else []

    def add(self, key: str, slot: int, tidx: int, votes: int) -> None:
        found = self._holders.get(key)
        if found is None:
            self._holders[key] = [(slot, tidx, votes)]
            self._pop[key] = votes
            pos = bisect_left(self._sorted, key)
            self._sorted.insert(pos, key)
            self._sorted_pop.insert(pos, votes)
            self.grams.add(key)
            return
        found.append((slot, tidx, votes))
        if votes > self._pop[key]:
            self._set_pop(key, votes)

    def discard(self, key: str, slot: int) -> None:
        """Forget `slot` as a holder of `key`; the key leaves the delta with its last holder."""
        found = self._holders.get(key)
        if found is None:
            return
        found[:] = [h for h in found if h[0] != slot]
        if found:
            best = max(h[2] for h in found)
            if best != self._pop[key]:
                self._set_pop(key, best)
            return
        del self._holders[key], self._pop[key]
        pos = bisect_left(self._sorted, key)
        del self._sorted[pos], self._sorted_pop[pos]
        self.grams.drop(key)

    def _set_pop(self, key: str, votes: int) -> None:
        self._pop[key] = votes
        self._sorted_pop[bisect_left(self._sorted, key)] = votes

    def fuzzy(self, text: str, *, top: int, budget: int, min_est: float = 0.0) -> list[str]:
        return self.grams.candidates(text, top=top, budget=budget, min_est=min_est)

    def prefix(self, text: str, *, top: int) -> list[str]:
        """Up to `top` delta keys starting with `text`, the most popular first when there are more."""
        lo = bisect_left(self._sorted, text)
        hi = bisect_left(self._sorted, text + _PREFIX_END, lo)
        if hi - lo <= top:
            return self._sorted[lo:hi]
        pop = np.frombuffer(self._sorted_pop, dtype=np.int64)[lo:hi]
        best = np.argpartition(-pop, top)[:top]
        best = best[np.argsort(-pop[best], kind="stable")]
        del pop  # the view pins the array's buffer: release it before the next insert
        return [self._sorted[lo + i] for i in best.tolist()]
