"""Summaries of timing samples, computed one way for every benchmark (so their p99s mean the same thing)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], pct: float, *, default: float | None = None) -> float:
    """The sample at `pct` percent (0-100) of the sorted values: nearest rank, no interpolation.

    Like `max`, an empty sequence is a ValueError unless `default` is given."""
    if not values:
        if default is not None:
            return default
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]


def p50_p99_ms(seconds: Sequence[float], digits: int = 3) -> dict[str, float]:
    """The median and p99 of samples in seconds, as milliseconds rounded to `digits`."""
    return {
        "p50": round(statistics.median(seconds) * 1000, digits),
        "p99": round(percentile(seconds, 99) * 1000, digits),
    }


def spread(values: Sequence[float], digits: int = 3) -> dict[str, float]:
    """Min, median and max, rounded to `digits` (for a handful of runs, where a p99 would mean nothing)."""
    return {
        "min": round(min(values), digits),
        "median": round(statistics.median(values), digits),
        "max": round(max(values), digits),
    }
