"""The immutable bulk of the search index: normalised keys, who holds them, trigrams and prefix order.

Why a separate, frozen table: numpy posting lists and a sorted key list are cheap to query and to
build in one go, but costly to edit in place. `SearchIndex` therefore keeps this table for the
catalog as it was at the last (re)build, plus a small delta and tombstones for edits since then.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence

import numpy as np

from bot.films.ngram import GramIndex

__all__ = ["BaseTable"]

# prefix ranges larger than this have their most popular keys cached per prefix (short prefixes only)
_CACHE_RANGE = 4096
_CACHE_MAX = 50_000
_PREFIX_END = "\U0010ffff"


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

    def __init__(self, holders: Mapping[str, Sequence[tuple[int, int]]], popularity: Mapping[str, int]) -> None:
        self.keys: list[str] = list(holders)
        self._key_id = {key: i for i, key in enumerate(self.keys)}
        counts = np.fromiter((len(h) for h in holders.values()), dtype=np.int64, count=len(self.keys))
        self._offsets = np.zeros(len(self.keys) + 1, dtype=np.int64)
        np.cumsum(counts, out=self._offsets[1:])
        flat = [pair for h in holders.values() for pair in h]
        pairs = np.asarray(flat, dtype=np.int64).reshape(-1, 2)
        self._holder_slot = pairs[:, 0].astype(np.int32)
        self._holder_tidx = pairs[:, 1].astype(np.int16)
        self.grams = GramIndex(self.keys)
        order = sorted(range(len(self.keys)), key=self.keys.__getitem__)
        self._sorted_keys = [self.keys[i] for i in order]
        self._sorted_ids = np.asarray(order, dtype=np.int32)
        pop = np.fromiter((popularity.get(k, 0) for k in self.keys), dtype=np.int64, count=len(self.keys))
        self._sorted_pop = pop[self._sorted_ids] if len(order) else pop
        self._prefix_cache: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def nbytes(self) -> int:
        """numpy bytes only (Python strings and dicts are counted by the benchmark's tracemalloc)."""
        arrays = (self._offsets, self._holder_slot, self._holder_tidx, self._sorted_ids, self._sorted_pop)
        return self.grams.nbytes + sum(int(a.nbytes) for a in arrays)

    def holders(self, key: str) -> list[tuple[int, int]]:
        """(slot, title index) of every title that normalises to `key`, dead slots included."""
        kid = self._key_id.get(key)
        if kid is None:
            return []
        lo, hi = int(self._offsets[kid]), int(self._offsets[kid + 1])
        return list(zip(self._holder_slot[lo:hi].tolist(), self._holder_tidx[lo:hi].tolist(), strict=True))

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
