"""/healthz and /metrics of a real `filmbot run` process (issue 14), on loopback.

The process runs the Telegram adapter long-polling a loopback fake Bot API, on a fresh PostgreSQL database.
Ready (200) once the database answers, the index is loaded and Telegram is polling; 503 with the reason while
the database refuses connections, 200 again when it is back; 503 naming Telegram when its API goes away.
/metrics counts the command a user ran, its search, the index size, open polls and event-loop lag.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.adapters.telegram.harness import TOKEN, new_api, process_env
from tests.dbutil import POSTGRES_URL
from tests.ops.test_start_together import small_starter
from tests.support.catalog import sample_films
from tests.support.health import free_port, get, wait_health
from tests.support.pgdb import fresh_postgres_url
from tests.support.process import BotProcess, bot_env


async def allow_connections(database: str, allow: bool) -> None:
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allow).lower()}'))
            if not allow:
                await conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"), {"d": database}
                )
    finally:
        await admin.dispose()


@pytest.mark.postgres
@pytest.mark.slow
async def test_healthz_and_metrics_of_a_running_bot(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api = new_api()
    await api.start()
    async with fresh_postgres_url() as url:
        env = bot_env(tmp_path / "unused.sqlite3") | {
            "DATABASE_URL": url,
            "STARTER_CATALOG_FILES": json.dumps([str(small_starter(tmp_path))]),
            "STARTER_CATALOG": "true",
            **process_env(api, poll_timeout="1"),
            "HEALTH__PORT": str(port),
        }
        bot = await BotProcess.start(env, tmp_path)
        try:
            ready = await wait_health(base, 200)
            assert ready["checks"] == {"database": "ok", "index": "ok", "telegram": "ok", "catalog_listener": "ok"}
            assert ready["films"] == len(sample_films())

            await api.wait_for("getUpdates", arrived=True, within=30)
            api.send_text("/film parasite")
            await api.wait_for("sendMessage", within=30)
            status, page = await get(f"{base}/metrics")
            assert status == 200
            assert 'filmbot_commands_total{command="film",outcome="ok"} 1.0' in page
            assert 'filmbot_command_seconds_count{command="film"} 1.0' in page
            assert 'filmbot_search_seconds_count{kind="lookup"} 1.0' in page
            assert f"filmbot_index_films {float(len(sample_films()))}" in page
            assert "filmbot_open_polls 0.0" in page
            assert "filmbot_event_loop_lag_seconds_count" in page
            assert "process_resident_memory_bytes" in page
            assert TOKEN not in page

            database = make_url(url).database
            assert database is not None
            await allow_connections(database, False)
            try:
                lost = await wait_health(base, 503, within=20)
                assert lost["checks"]["database"] == "unreachable"
                assert any("database unreachable" in r for r in lost["reasons"])
                assert (await get(f"{base}/metrics"))[0] == 200  # in-memory counters are still served
            finally:
                await allow_connections(database, True)
            await wait_health(base, 200, within=20)

            await api.stop()  # the Telegram API goes away
            gone = await wait_health(base, 503, within=30)
            assert gone["checks"]["telegram"].startswith("getUpdates failing")
            assert await bot.terminate() == 0
        finally:
            await bot.kill_if_running()
            await api.stop()
        stderr = await bot.stderr()
        assert TOKEN not in stderr
        # PTB logs a traceback at shutdown when the API it acknowledges updates to is gone; nothing before.
        before_api_loss = stderr.split("telegram: getUpdates failed")[0]
        assert "Traceback" not in before_api_loss, before_api_loss[-3000:]
        assert "telegram: getUpdates failed" in stderr
