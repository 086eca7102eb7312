"""Catalog change notifications on PostgreSQL: `NOTIFY` on every committed change, `LISTEN` in each process.

`notify_catalog` queues `NOTIFY filmbot_catalog, '<version>'` in the caller's transaction: PostgreSQL
delivers it to every listener when (and only if) that transaction commits. `CatalogListener` holds one
direct asyncpg connection (never through a transaction pooler, which would hand the LISTEN session to
someone else) and calls back on each notification; when the connection is lost (the server restarted, the
backend was terminated) it reconnects with a doubling backoff, logging one line per attempt with the
password masked. It calls back once on every (re)connect: notifications sent before it listened are gone.
SQLite has no such thing: there the periodic version check is the only mechanism.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.errors import safe_url

log = logging.getLogger(__name__)

CHANNEL = "filmbot_catalog"
APPLICATION_NAME = "filmbot-catalog-listener"  # how an operator finds the LISTEN backend in pg_stat_activity
FIRST_RETRY_S = 0.5
MAX_RETRY_S = 30.0
CHECK_EVERY_S = 30.0  # an idle listening connection is pinged this often (a silently dead link is noticed)
CHECK_TIMEOUT_S = 5.0


async def notify_catalog(session: AsyncSession, version: int) -> None:
    """Announce catalog `version` to every listening process when the caller's transaction commits."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_notify(CHANNEL, str(version))))


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL as a plain libpq-style DSN for `asyncpg.connect`."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def retry_delay(attempt: int) -> float:
    """Seconds to wait before reconnect attempt `attempt` (1, 2, …): 0.5, 1, 2, … up to 30."""
    return float(min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** (attempt - 1)))


class CatalogListener:
    """LISTENs on `CHANNEL` over its own connection to `url`; `on_change(payload)` runs on the event loop
    for each notification, and with "" once listening (a change may have come before: check now)."""

    def __init__(self, url: str, on_change: Callable[[str], None]) -> None:
        self.url = url
        self.on_change = on_change
        self.connected = asyncio.Event()  # set while listening (tests and health can wait on it)
        self.connections = 0  # successful LISTENs so far
        self.disconnected_since: float | None = time.monotonic()  # monotonic; None while listening

    def probe(self, window: float) -> str | None:
        """None while listening, or while (re)connecting for less than `window` seconds; else the reason.
        A process that is not listening still catches up by its periodic version check, only later."""
        since = self.disconnected_since
        if since is None:
            return None
        down = time.monotonic() - since
        if down < window:
            return None
        what = "not connected yet" if self.connections == 0 else "disconnected"
        return f"catalog listener {what} for {down:.0f} s (changes arrive by the periodic version check)"

    def down_seconds(self) -> float:
        """Seconds since the listener last stopped listening (0 while it listens)."""
        since = self.disconnected_since
        return 0.0 if since is None else time.monotonic() - since

    async def run(self, stop: asyncio.Event) -> None:
        """Listen until `stop` is set, reconnecting whenever the connection is lost."""
        import asyncpg  # type: ignore[import-untyped]

        attempt = 0
        while not stop.is_set():
            try:
                conn = await asyncpg.connect(
                    asyncpg_dsn(self.url), timeout=10, server_settings={"application_name": APPLICATION_NAME}
                )
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                attempt += 1
                delay = retry_delay(attempt)
                log.warning(
                    "catalog listener: cannot connect to %s (%s); attempt %d, next in %.1f s",
                    safe_url(self.url), _reason(exc), attempt, delay,
                )  # fmt: skip
                await _wait(stop, delay)
                continue
            try:
                await self._listen(conn, stop)
            finally:
                if self.connected.is_set():
                    self.disconnected_since = time.monotonic()
                self.connected.clear()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), 2)
            attempt = 0
            if not stop.is_set():
                log.warning("catalog listener: connection to %s lost; reconnecting", safe_url(self.url))

    async def _listen(self, conn: Any, stop: asyncio.Event) -> None:
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        try:
            await conn.add_listener(CHANNEL, self._notified)
        except (OSError, Exception) as exc:  # the connection died between connect and LISTEN
            log.warning("catalog listener: LISTEN failed (%s)", _reason(exc))
            return
        self.connections += 1
        self.connected.set()
        self.disconnected_since = None
        log.info("catalog listener: listening for catalog changes on %s", safe_url(self.url))
        self.on_change("")
        while not (stop.is_set() or lost.is_set()):
            await wait_any(stop, lost, CHECK_EVERY_S)
            if stop.is_set() or lost.is_set() or conn.is_closed():
                return
            try:
                await asyncio.wait_for(conn.execute("SELECT 1"), CHECK_TIMEOUT_S)
            except Exception as exc:
                log.warning("catalog listener: connection check failed (%s)", _reason(exc))
                conn.terminate()
                return

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self.on_change(payload)


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def wait_any(a: asyncio.Event, b: asyncio.Event, seconds: float) -> None:
    """Until `a` or `b` is set, or `seconds` have passed."""
    waiters = [asyncio.ensure_future(a.wait()), asyncio.ensure_future(b.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
