"""The operator's HTTP endpoint (aiohttp, on the bot's own event loop): /healthz and /metrics.

Off unless `HEALTH__PORT` is set; listens on 127.0.0.1 unless `HEALTH__HOST` says otherwise (a scraper on
another host: put it behind the same proxy or network policy as the webhook). GET only; nothing secret in
either answer.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.ops.health import Health
from bot.ops.metrics import Metrics

if TYPE_CHECKING:
    from bot.config import HealthSettings

log = logging.getLogger(__name__)


def build_app(health: Health, metrics: Metrics) -> web.Application:
    async def healthz(_request: web.Request) -> web.Response:
        status, body = await health.check()
        return web.json_response(body, status=status)

    async def metrics_page(_request: web.Request) -> web.Response:
        try:
            await metrics.refresh()
        except Exception as exc:  # the database is down: serve what is counted in memory anyway
            log.warning("metrics: could not read the database gauges (%s)", type(exc).__name__)
        response = web.Response(body=metrics.exposition())
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    return app


async def start_server(settings: HealthSettings, health: Health, metrics: Metrics) -> web.AppRunner:
    """Serve until `await runner.cleanup()`."""
    assert settings.port is not None
    runner = web.AppRunner(build_app(health, metrics), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    log.info("health and metrics on http://%s:%d/healthz and /metrics", settings.host, settings.port)
    return runner
