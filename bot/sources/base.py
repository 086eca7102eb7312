"""What every online film source shares: an httpx client with timeouts, a circuit breaker, safe errors.

A source that times out, answers 5xx or malformed JSON, or is unreachable is *open* (skipped, no network
call) for a backoff period that doubles on each further failure; a 429 opens it for exactly its
Retry-After; a 401/403 (a wrong key) opens it for an hour and is logged once. While open, every call
raises `SourceUnavailable` at once, so a `/film` that consults sources adds no delay after the first
failure. Errors and log lines name the source and what happened, never a URL with its key: httpx's own
request log line is filtered for the key too.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("filmbot.sources")

Clock = Callable[[], float]
MAX_BACKOFF = 600.0
AUTH_BACKOFF = 3600.0


class SourceError(Exception):
    """A source could not answer. The message is safe to show and log (no key, no full URL)."""


class SourceRefused(SourceError):
    """The source refused our credentials (401/403): nothing will work until the settings change."""


class SourceUnavailable(SourceError):
    """The source's circuit is open: it failed recently and is skipped until `retry_at`."""

    def __init__(self, source: str, retry_in: float) -> None:
        super().__init__(f"{source} is unavailable for {max(1, round(retry_in))} s after a failure")
        self.retry_in = retry_in


@dataclass(slots=True)
class CircuitBreaker:
    """Closed (calls go through) or open until a time. `base` is the first backoff after a failure."""

    name: str
    base: float = 30.0
    clock: Clock = time.monotonic
    open_until: float = 0.0
    failures: int = 0

    def check(self) -> None:
        now = self.clock()
        if now < self.open_until:
            raise SourceUnavailable(self.name, self.open_until - now)

    def success(self) -> None:
        self.failures = 0
        self.open_until = 0.0

    def failure(self, retry_after: float | None = None) -> float:
        """Open the circuit; returns for how many seconds."""
        self.failures += 1
        if retry_after is not None:
            wait = max(0.0, retry_after)
        else:
            wait = min(MAX_BACKOFF, self.base * 2 ** (self.failures - 1))
        self.open_until = self.clock() + wait
        return wait

    @property
    def is_open(self) -> bool:
        return self.clock() < self.open_until


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class _Redact(logging.Filter):
    """Replaces secrets in httpx's request log lines ("HTTP Request: GET https://…?api_key=…")."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            if any(s in message for s in self.secrets):
                for s in self.secrets:
                    message = message.replace(s, "***")
                record.msg, record.args = message, None
        return True


def hide_in_logs(*secrets: str | None) -> None:
    """Install (once per secret) a filter on httpx's loggers that masks these values."""
    values = [s for s in secrets if s]
    if not values:
        return
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        known = {v for f in logger.filters if isinstance(f, _Redact) for v in f.secrets}
        missing = [v for v in values if v not in known]
        if missing:
            logger.addFilter(_Redact(missing))


class HttpSource:
    """Base of the source clients: `get_json` with the breaker and safe errors."""

    name = "source"

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        backoff: float = 30.0,
        clock: Clock = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        import httpx  # here, not at the top: a bot with no source enabled never loads it (~50 ms a start)

        self.breaker = CircuitBreaker(self.name, base=backoff, clock=clock)
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers=dict(headers or {}),
            params=dict(params or {}),
            follow_redirects=False,
            transport=transport,
            trust_env=False,  # an HTTP(S)_PROXY meant for something else must not see our key
        )
        self._auth_logged = False
        self.pace = 0.0  # minimum seconds between two requests (enrichment sets it; chat lookups don't)
        self._next_at = 0.0

    async def close(self) -> None:
        await self._client.aclose()

    async def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any | None:
        """The decoded JSON answer; None for 404. Raises SourceError (and opens the breaker) on failure."""
        import httpx

        self.breaker.check()
        if self.pace:
            await self._wait_turn()
        try:
            response = await self._client.get(path, params={k: v for k, v in (params or {}).items() if v is not None})
        except httpx.TimeoutException:
            raise self._failed("timed out") from None
        except httpx.HTTPError as exc:
            raise self._failed(f"could not be reached ({type(exc).__name__})") from None
        status = response.status_code
        if status == 404:
            self.breaker.success()
            return None
        if status == 429:
            wait = self.breaker.failure(retry_after_seconds(response.headers.get("Retry-After")))
            log.warning("%s is rate-limiting us (429); skipped for %.0f s", self.name, wait)
            raise SourceError(f"{self.name} asked us to slow down; skipped for {max(1, round(wait))} s")
        if status in (401, 403):
            self.breaker.failure(AUTH_BACKOFF)
            if not self._auth_logged:
                self._auth_logged = True
                log.error("%s refused our credentials (%d): check the key in the settings", self.name, status)
            raise SourceRefused(f"{self.name} refused the configured credentials ({status})")
        if status >= 400:
            raise self._failed(f"answered HTTP {status}")
        try:
            data = response.json()
        except ValueError:
            raise self._failed("answered with malformed JSON") from None
        self.breaker.success()
        return data

    async def _wait_turn(self) -> None:
        now = time.monotonic()
        wait = self._next_at - now
        self._next_at = max(now, self._next_at) + self.pace
        if wait > 0:
            await asyncio.sleep(wait)

    def _failed(self, what: str) -> SourceError:
        wait = self.breaker.failure()
        log.warning("%s %s; skipped for %.0f s", self.name, what, wait)
        return SourceError(f"{self.name} {what}")
