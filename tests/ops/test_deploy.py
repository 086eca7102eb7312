"""The deployment recipe (issue 14): Docker can't run here, so its parts are checked where they can be.

* deploy/compose.yaml is valid against the Compose Specification's JSON schema (tests/fixtures), and wires
  what the README promises: PostgreSQL, two Discord shard ranges, a Telegram webhook worker behind a proxy.
* deploy/entrypoint.sh, the container's entry, runs for real against the local PostgreSQL (a fresh database):
  it migrates and seeds, then becomes `filmbot run`, which gets ready and stops cleanly on SIGTERM.
* The Dockerfile runs as a non-root user through that entry script; the systemd units are well-formed.
"""

from __future__ import annotations

import asyncio
import configparser
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from tests.adapters.telegram.harness import new_api, process_env
from tests.ops.test_start_together import count_films, small_starter
from tests.support.catalog import sample_films
from tests.support.health import free_port, wait_health
from tests.support.pgdb import fresh_postgres_url
from tests.support.process import bot_env

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return data


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    schema = json.loads((ROOT / "tests" / "fixtures" / "compose-spec.json").read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    errors = sorted(Draft7Validator(schema).iter_errors(compose()), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]


def test_schema_check_would_catch_a_mistake() -> None:
    schema = json.loads((ROOT / "tests" / "fixtures" / "compose-spec.json").read_text(encoding="utf-8"))
    broken = compose()
    broken["services"]["telegram"]["restart_policy"] = "always"  # not a service key
    assert not Draft7Validator(schema).is_valid(broken)


def test_compose_runs_postgres_discord_shard_ranges_and_a_webhook_worker_behind_a_proxy() -> None:
    services = compose()["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    shards = sorted(
        json.loads(s["environment"]["DISCORD__SHARD_IDS"])
        for s in services.values()
        if "DISCORD__TOKEN" in s.get("environment", {})
    )
    assert shards == [[0, 1], [2, 3]]
    telegram = services["telegram"]["environment"]
    assert telegram["TELEGRAM__WEBHOOK_URL"].startswith("https://") and "TELEGRAM__WEBHOOK_SECRET" in telegram
    assert "telegram:8443" in services["proxy"]["command"]
    for name, service in services.items():
        if name not in {"postgres", "proxy"}:
            assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
            assert "ports" not in service  # only the proxy faces the outside


def test_dockerfile_runs_the_entry_script_as_a_non_root_user() -> None:
    lines = [line.strip() for line in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines()]
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}
    assert any(line.startswith("FROM python:") and "slim" in line for line in lines)
    entry = next(line for line in lines if line.startswith("ENTRYPOINT"))
    assert "filmbot-entrypoint" in entry
    assert any("deploy/entrypoint.sh /usr/local/bin/filmbot-entrypoint" in line for line in lines)


def test_systemd_units_are_well_formed() -> None:
    for path in sorted((DEPLOY / "systemd").iterdir()):
        unit = configparser.ConfigParser(strict=True, interpolation=None)
        unit.optionxform = str  # type: ignore[assignment, method-assign]
        unit.read_string(path.read_text(encoding="utf-8"))
        assert unit.has_section("Unit"), path.name
        if path.suffix == ".service":
            assert unit["Service"]["User"] == "filmbot", path.name
            assert "filmbot" in unit["Service"]["ExecStart"]
    worker = configparser.ConfigParser(interpolation=None)
    worker.read(DEPLOY / "systemd" / "filmbot@.service")
    assert worker["Service"]["ExecStartPre"].endswith("filmbot db upgrade")
    assert worker["Service"]["ExecStart"].endswith("filmbot run")


@pytest.mark.postgres
@pytest.mark.slow
async def test_entry_script_migrates_then_runs_the_bot_on_postgres(tmp_path: Path) -> None:
    port = free_port()
    api = new_api()
    await api.start()
    async with fresh_postgres_url() as url:
        env = bot_env(tmp_path / "unused.sqlite3") | {
            "DATABASE_URL": url,
            "STARTER_CATALOG": "true",
            "STARTER_CATALOG_FILES": json.dumps([str(small_starter(tmp_path))]),
            **process_env(api),
            "HEALTH__PORT": str(port),
            # `filmbot` as the image has it: the console script of this installation.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        proc = await asyncio.create_subprocess_exec(
            "/bin/sh", str(DEPLOY / "entrypoint.sh"), env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        output = asyncio.ensure_future(proc.communicate())
        try:
            ready = await wait_health(f"http://127.0.0.1:{port}", 200, within=90)
            assert ready["films"] == len(sample_films())
            assert await count_films(url) == len(sample_films())
            proc.send_signal(signal.SIGTERM)  # as `docker stop` does: exec made filmbot the receiver
            assert await asyncio.wait_for(proc.wait(), 30) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            await api.stop()
        out, err = await asyncio.wait_for(output, 30)
        assert b"database is up to date" in out  # the `filmbot db upgrade` step ran first
        text = err.decode(errors="replace")
        assert "Traceback" not in text, text[-3000:]
