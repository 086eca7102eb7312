"""Per-user command rate limiting: a token bucket per (platform, user), held in a bounded LRU map.

A member flooding `/search` must not slow the club: each command takes a token; a bucket holds `burst`
tokens and refills at `per_second`. The first command over the limit gets one polite answer ("slow down,
try again in N s"); the rest get silence until a token is back. Memory is bounded for millions of users:
at most `max_users` buckets are kept, least recently used dropped first (a dropped bucket was idle the
longest, so starting it full again is what refilling would have done anyway for all but a flood of ids).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

MAX_USERS = 100_000  # ~100 bytes a bucket: ~10 MB at most

Verdict = Literal["allowed", "warn", "silent"]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    retry_after: int = 0  # whole seconds until the next command is allowed


class RateLimiter:
    def __init__(
        self,
        burst: int,
        per_second: float,
        *,
        max_users: int = MAX_USERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst < 1 or per_second <= 0 or max_users < 1:
            raise ValueError("burst and max_users must be at least 1 and per_second above 0")
        self.burst = burst
        self.per_second = per_second
        self.max_users = max_users
        self.clock = clock
        self._buckets: OrderedDict[tuple[str, str], _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, platform: str, user_id: str) -> Decision:
        """Spend one token of this user's bucket, or say how the refusal should sound."""
        key = (platform, user_id)
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=float(self.burst), updated=now)
            self._buckets[key] = bucket
            if len(self._buckets) > self.max_users:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.per_second)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.warned = False
            return Decision("allowed")
        retry_after = max(1, math.ceil((1.0 - bucket.tokens) / self.per_second))
        if bucket.warned:
            return Decision("silent", retry_after)
        bucket.warned = True
        return Decision("warn", retry_after)
