"""Prometheus metrics for one process, in its own registry (nothing global, nothing at import).

Counted as they happen: commands by name and outcome with a latency histogram (the registry's observer
hook), search latency by kind (the film service's lookup/search/autocomplete, timed where they are called
from), event-loop lag (a task that sleeps and measures how late it wakes). Read at scrape time: index size,
open polls and ballots (two cheap COUNTs).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    GC_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from sqlalchemy import text

if TYPE_CHECKING:
    from bot.services import Services
    from bot.store.notify import CatalogListener

LAG_INTERVAL_S = 0.5
FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
COMMAND_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        ProcessCollector(registry=r)  # process_* : memory, CPU, open files (Linux)
        r.register(GC_COLLECTOR)
        self.commands = Counter("filmbot_commands", "Commands run, by name and outcome", ["command", "outcome"],
                                registry=r)  # fmt: skip
        self.command_seconds = Histogram("filmbot_command_seconds", "Command latency", ["command"],
                                         buckets=COMMAND_BUCKETS, registry=r)  # fmt: skip
        self.search_seconds = Histogram("filmbot_search_seconds", "Film search latency", ["kind"],
                                        buckets=FAST_BUCKETS, registry=r)  # fmt: skip
        self.loop_lag = Histogram("filmbot_event_loop_lag_seconds", "How late the event loop woke a sleeper",
                                  buckets=FAST_BUCKETS, registry=r)  # fmt: skip
        self.index_films = Gauge("filmbot_index_films", "Films in this process's search index", registry=r)
        self.open_polls = Gauge("filmbot_open_polls", "Movie-night polls open now", registry=r)
        self.ballots = Gauge("filmbot_ballots", "Ballots cast in open polls", registry=r)
        self.index_films.set_function(lambda: len(services.catalog.index))
        # The catalog LISTEN connection (PostgreSQL): 1 while listening; successful LISTENs since start (a
        # rising count = reconnects); seconds it has been down. NaN on SQLite (no listener).
        self.listener_connected = Gauge("filmbot_catalog_listener_connected",
                                        "1 while the catalog change listener is listening", registry=r)  # fmt: skip
        self.listener_connections = Gauge("filmbot_catalog_listener_connections",
                                          "Successful LISTENs of the catalog listener since start",
                                          registry=r)  # fmt: skip
        self.listener_down = Gauge("filmbot_catalog_listener_down_seconds",
                                   "Seconds the catalog listener has not been listening (0 while it is)",
                                   registry=r)  # fmt: skip

        def listener_value(read: Callable[[CatalogListener], float]) -> Callable[[], float]:
            def value() -> float:
                listener = services.catalog.listener
                return float("nan") if listener is None else read(listener)

            return value

        self.listener_connected.set_function(listener_value(lambda li: float(li.connected.is_set())))
        self.listener_connections.set_function(listener_value(lambda li: float(li.connections)))
        self.listener_down.set_function(listener_value(lambda li: li.down_seconds()))

    def observe_command(self, name: str, outcome: str, seconds: float) -> None:
        self.commands.labels(name, outcome).inc()
        self.command_seconds.labels(name).observe(seconds)

    def time_search(self, kind: str, func: Callable[..., Any]) -> Callable[..., Any]:
        """`func` (sync or async) timed into filmbot_search_seconds{kind}."""
        histogram = self.search_seconds.labels(kind)
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await func(*args, **kwargs)
                finally:
                    histogram.observe(time.perf_counter() - started)

            return timed_async

        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                histogram.observe(time.perf_counter() - started)

        return timed

    async def watch_loop_lag(self, stop: asyncio.Event, interval: float = LAG_INTERVAL_S) -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            started = loop.time()
            await asyncio.sleep(interval)
            self.loop_lag.observe(max(0.0, loop.time() - started - interval))

    async def refresh(self) -> None:
        """Read the gauges that live in the database (called per scrape)."""
        async with self.services.db.engine.connect() as conn:
            polls = await conn.execute(text("SELECT count(*) FROM movie_nights WHERE closed_at IS NULL"))
            self.open_polls.set(int(polls.scalar_one()))
            ballots = await conn.execute(
                text(
                    "SELECT count(*) FROM movie_night_ballots b JOIN movie_nights n ON n.id = b.night_id "
                    "WHERE n.closed_at IS NULL"
                )
            )
            self.ballots.set(int(ballots.scalar_one()))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def install_metrics(services: Services) -> Metrics:
    """Build the process's metrics and hook them into the registry and the film service (`filmbot run` calls
    this once, when the health endpoint is enabled)."""
    metrics = Metrics(services)
    services.registry.observers.append(metrics.observe_command)
    films = services.films
    for kind, attr in (("lookup", "lookup"), ("search", "search"), ("autocomplete", "autocomplete")):
        setattr(films, attr, metrics.time_search(kind, getattr(films, attr)))
    return metrics
