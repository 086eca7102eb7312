"""Readiness: the database answers, the search index is loaded, every enabled platform is connected.

Adapters register a probe per platform (`services.health.platform("discord", probe)`): a callable
that returns None while connected, else a short reason. `check()` gives the HTTP status and a JSON body.

On PostgreSQL the catalog's LISTEN connection is reported too (`checks.catalog_listener`: "ok",
"reconnecting", or why not). Down past its grace window it makes the process "degraded", not unavailable:
the answer stays 200 with `warnings`, because the bot still serves and still catches other processes'
catalog changes by its periodic version check (only later); `filmbot_catalog_listener_connected` is the
figure to alert on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

if TYPE_CHECKING:
    from bot.services import Services

DB_TIMEOUT_S = 2.0
Probe = Callable[[], "str | None"]


@dataclass
class Health:
    services: Services
    probes: dict[str, Probe] = field(default_factory=dict)
    expected: set[str] = field(default_factory=set)  # platforms this process runs (enabled by a token)
    index_loaded: bool = True
    listener_grace_s: float = 15.0  # see HealthSettings.listener_grace_seconds

    def platform(self, name: str, probe: Probe) -> None:
        self.probes[name] = probe

    def forget(self, name: str) -> None:
        self.probes.pop(name, None)

    async def check(self) -> tuple[int, dict[str, Any]]:
        """(200, details) when ready; (503, details with the reasons) when not."""
        reasons: list[str] = []
        checks: dict[str, str] = {}
        started = time.perf_counter()
        try:
            async with asyncio.timeout(DB_TIMEOUT_S), self.services.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # any failure means "not reachable"; the URL (password) is never shown
            checks["database"] = "unreachable"
            reasons.append(f"database unreachable ({type(exc).__name__})")
        db_ms = round((time.perf_counter() - started) * 1000, 1)
        films = len(self.services.catalog.index)
        checks["index"] = "ok" if self.index_loaded else "loading"
        if not self.index_loaded:
            reasons.append("search index not loaded yet")
        for name in sorted(self.expected):
            probe = self.probes.get(name)
            reason = "not connected yet" if probe is None else probe()
            checks[name] = "ok" if reason is None else reason
            if reason is not None:
                reasons.append(f"{name}: {reason}")
        warnings: list[str] = []
        listener = self.services.catalog.listener
        if listener is not None:
            late = listener.probe(self.listener_grace_s)
            checks["catalog_listener"] = "ok" if listener.connected.is_set() else (late or "reconnecting")
            if late is not None:
                warnings.append(late)
        status = "unavailable" if reasons else "degraded" if warnings else "ok"
        body: dict[str, Any] = {"status": status, "checks": checks, "films": films, "database_ms": db_ms}
        if reasons:
            body["reasons"] = reasons
        if warnings:
            body["warnings"] = warnings
        return (200 if not reasons else 503), body
