"""Per-user rate limiting: a token bucket per (platform, user), one polite answer, then silence; bounded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands import Actor, CommandContext, CommandRegistry, CommandSpec
from bot.ratelimit import RateLimiter
from bot.replies import Problem, Reply, Text


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_one_warning_then_silence_until_refilled() -> None:
    clock = Clock()
    limiter = RateLimiter(10, 1.0, clock=clock)
    assert [limiter.take("telegram", "1").verdict for _ in range(10)] == ["allowed"] * 10
    warned = limiter.take("telegram", "1")
    assert warned.verdict == "warn" and warned.retry_after == 1
    assert [limiter.take("telegram", "1").verdict for _ in range(5)] == ["silent"] * 5
    assert limiter.take("telegram", "2").verdict == "allowed"  # someone else is not slowed
    assert limiter.take("discord", "1").verdict == "allowed"  # same id, other platform: another person
    clock.now += 1.0
    assert limiter.take("telegram", "1").verdict == "allowed"
    assert limiter.take("telegram", "1").verdict == "warn"  # warned again only after being allowed again
    clock.now += 60
    assert [limiter.take("telegram", "1").verdict for _ in range(10)] == ["allowed"] * 10  # full, not more


def test_retry_after_counts_the_seconds_until_a_token() -> None:
    clock = Clock()
    limiter = RateLimiter(2, 0.1, clock=clock)  # one command every 10 s
    limiter.take("t", "1"), limiter.take("t", "1")
    assert limiter.take("t", "1").retry_after == 10
    clock.now += 4
    assert limiter.take("t", "1").retry_after == 6


def test_memory_is_bounded_however_many_users_come() -> None:
    limiter = RateLimiter(10, 1.0, max_users=1000, clock=Clock())
    for user in range(200_000):
        limiter.take("telegram", str(user))
    assert len(limiter) == 1000


async def echo(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return Text("ok")


async def test_the_registry_answers_once_then_stays_silent_and_never_limits_the_console() -> None:
    clock = Clock()
    registry = CommandRegistry(
        [CommandSpec(name="search", summary="Search", handler=echo)], rate_limiter=RateLimiter(3, 1.0, clock=clock)
    )
    spec = registry.get("search")
    assert spec is not None
    member = CommandContext(Actor("telegram", "7", "-100"), None)  # type: ignore[arg-type]
    replies = [await registry.run(spec, member, {}) for _ in range(6)]
    assert replies[:3] == [Text("ok")] * 3
    polite, *rest = replies[3:]
    assert isinstance(polite, Problem) and polite.kind == "rate_limited" and not polite.silent
    assert "slow down" in polite.message and "try again in 1 s" in polite.message
    assert all(isinstance(r, Problem) and r.silent for r in rest)
    console = CommandContext(Actor("console", "owner", "console", is_owner=True), None)  # type: ignore[arg-type]
    assert [await registry.run(spec, console, {}) for _ in range(20)] == [Text("ok")] * 20
