"""/healthz and /metrics report the catalog LISTEN connection of a real `filmbot run` process (issue 14).

The listener reconnects when its backend is terminated (`pg_terminate_backend`): /healthz stays 200 and the
connection count rises. When it cannot reconnect past its grace window (its role may no longer log in, while
the main connection still works) the process is "degraded": still 200, with a warning, and the gauge reads 0;
once the role may log in again it listens again and is "ok".
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.store.notify import APPLICATION_NAME
from tests.adapters.telegram.harness import new_api, process_env
from tests.dbutil import POSTGRES_URL
from tests.ops.test_start_together import small_starter
from tests.support.health import free_port, metric, wait_health, wait_metric
from tests.support.pgdb import fresh_postgres_url
from tests.support.process import BotProcess, bot_env


async def admin(*statements: str, **params: str) -> None:
    engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement), params)
    finally:
        await engine.dispose()


def listener_is(status: str, listener: str) -> Callable[[dict[str, Any]], bool]:
    """A /healthz body whose status is `status` and whose catalog_listener check starts with `listener`."""

    def matches(body: dict[str, Any]) -> bool:
        return body["status"] == status and str(body["checks"].get("catalog_listener", "")).startswith(listener)

    return matches


@pytest.mark.postgres
@pytest.mark.slow
async def test_healthz_reports_the_catalog_listener(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    role = f"filmbot_listen_{uuid.uuid4().hex[:8]}"
    api = new_api()
    await api.start()
    await admin(f'CREATE ROLE "{role}" LOGIN SUPERUSER')
    try:
        async with fresh_postgres_url() as url:
            database = make_url(url).database
            direct = make_url(url).set(username=role).render_as_string(hide_password=False)
            env = bot_env(tmp_path / "unused.sqlite3") | {
                "DATABASE_URL": url,
                "DATABASE_DIRECT_URL": direct,  # the listener's own login, which the test can refuse
                "STARTER_CATALOG_FILES": json.dumps([str(small_starter(tmp_path))]),
                "STARTER_CATALOG": "true",
                **process_env(api, poll_timeout="1"),
                "HEALTH__PORT": str(port),
                "HEALTH__LISTENER_GRACE_SECONDS": "1",
            }
            bot = await BotProcess.start(env, tmp_path)
            try:
                await wait_health(base, 200)
                ready = await wait_health(base, 200, 30, until=listener_is("ok", "ok"))
                assert "warnings" not in ready
                await wait_metric(base, "filmbot_catalog_listener_connected", 1.0)
                assert await metric(base, "filmbot_catalog_listener_connections") == 1.0

                # Its backend is terminated: it reconnects at once and listens again.
                await admin(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :d AND application_name = :a",
                    d=str(database),
                    a=APPLICATION_NAME,
                )
                await wait_metric(base, "filmbot_catalog_listener_connections", 2.0)
                await wait_health(base, 200, 30, until=listener_is("ok", "ok"))

                # It cannot reconnect: after the grace window the process is degraded (200, warned), not down.
                await admin(f'ALTER ROLE "{role}" NOLOGIN')
                await admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r", r=role)
                degraded = await wait_health(
                    base, 200, 30, until=listener_is("degraded", "catalog listener disconnected")
                )
                assert degraded["checks"] == {
                    "database": "ok",
                    "index": "ok",
                    "telegram": "ok",
                    "catalog_listener": degraded["checks"]["catalog_listener"],
                }
                warnings = degraded["warnings"]
                assert isinstance(warnings, list) and "periodic version check" in warnings[0]
                assert await metric(base, "filmbot_catalog_listener_connected") == 0.0
                assert await metric(base, "filmbot_catalog_listener_down_seconds") >= 1.0

                await admin(f'ALTER ROLE "{role}" LOGIN')
                await wait_health(
                    base, 200, 45, until=listener_is("ok", "ok")
                )  # the next attempt of its backoff succeeds
                await wait_metric(base, "filmbot_catalog_listener_connected", 1.0)
                assert await metric(base, "filmbot_catalog_listener_connections") == 3.0
                assert await bot.terminate() == 0
            finally:
                await bot.kill_if_running()
                await api.stop()
            stderr = await bot.stderr()
            assert "catalog listener: connection to" in stderr and "lost; reconnecting" in stderr
            assert "Traceback" not in stderr, stderr[-3000:]
    finally:
        await admin(f'DROP ROLE IF EXISTS "{role}"')
