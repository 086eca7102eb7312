"""The one way benchmarks summarise samples (`bench.stats`): nearest-rank percentiles, no interpolation."""

from __future__ import annotations

import math

import pytest

from bench.stats import p50_p99_ms, percentile, spread


def test_a_percentile_is_one_of_the_samples_by_nearest_rank() -> None:
    samples = [float(n) for n in range(100, 0, -1)]  # 1..100, unsorted
    assert percentile(samples, 0) == 1.0
    assert percentile(samples, 50) == 51.0  # rank round(0.5 * 99) = 50 (banker's rounding of 49.5)
    assert percentile(samples, 99) == 99.0
    assert percentile(samples, 100) == 100.0
    assert percentile([7.0], 99) == 7.0


def test_no_samples_is_an_error_unless_a_default_is_given() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    assert percentile([], 99, default=0.0) == 0.0
    assert math.isnan(percentile([], 99, default=math.nan))


def test_summaries_in_milliseconds_and_spread() -> None:
    assert p50_p99_ms([0.001, 0.002, 0.003]) == {"p50": 2.0, "p99": 3.0}
    assert p50_p99_ms([0.0012345], digits=2) == {"p50": 1.23, "p99": 1.23}
    assert spread([3.0, 1.0, 2.0, 10.0]) == {"min": 1.0, "median": 2.5, "max": 10.0}
