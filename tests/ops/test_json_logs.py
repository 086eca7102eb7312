"""LOG_FORMAT=json: every log line a process writes is one JSON object (issue 14)."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path

from bot.ops.jsonlog import JsonFormatter
from tests.support.process import bot_env


def test_a_traceback_stays_inside_one_line_with_extra_fields() -> None:
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = logging.getLogger("filmbot.test").makeRecord(
            "filmbot.test", logging.ERROR, __file__, 1, "film %s failed", ("#7",), sys.exc_info(),
            extra={"chat": "-100"},
        )  # fmt: skip
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "filmbot.test" and entry["msg"] == "film #7 failed"
    assert entry["chat"] == "-100" and "ValueError: bad\nvalue" in entry["exc"]
    assert entry["ts"].endswith("+00:00")


async def test_a_real_process_logs_json_lines(tmp_path: Path) -> None:
    env = bot_env(tmp_path / "club.sqlite3") | {"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "db", "upgrade", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0
    lines = err.decode().splitlines()
    assert lines, "expected some INFO log lines"
    entries = [json.loads(line) for line in lines]
    assert all({"ts", "level", "logger", "msg"} <= set(e) for e in entries)
    assert any(e["logger"].startswith("alembic") for e in entries)


def test_secrets_are_masked_in_json_even_where_escaping_would_change_them() -> None:
    from bot.logs import Redactor

    secret = 'pa"ss\\word'  # JSON would write it as pa\"ss\\\\word: masking the encoded line would miss it
    record = logging.makeLogRecord({"name": "x", "levelno": 20, "levelname": "INFO", "msg": f"url has {secret}"})
    line = JsonFormatter(Redactor([secret])).format(record)
    assert json.loads(line)["msg"] == "url has ***"
