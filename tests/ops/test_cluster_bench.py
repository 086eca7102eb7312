"""`python -m bench.cluster` run short (issue 14): three real `filmbot run` processes on one PostgreSQL
database under simulated users, one killed with SIGKILL and restarted mid-run. Asserts what must hold
whatever the machine's speed — never a timing: every event answered, no Discord acknowledgement past 3 s, no
error, each poll's votes counted as cast (also the Discord votes cast while its process was down) and
announced once although two closes raced, and the owner's catalog edits seen by the other processes."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from tests.dbutil import POSTGRES_URL, postgres_skip_reason


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_cluster_bench_short_run_keeps_the_invariants(tmp_path: Path) -> None:
    if (reason := await postgres_skip_reason()) is not None:
        pytest.skip(reason)
    bench = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.cluster", "--seconds", "10", "--users", "30", "--think", "1",
        "--edit-every", "1", "--url", POSTGRES_URL, "--logs", str(tmp_path / "logs"), "--json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(bench.communicate(), 840)
    assert bench.returncode == 0, err.decode(errors="replace")[-4000:]
    result = json.loads(out.decode().strip().splitlines()[-1])

    assert result["killed"] == "discord-0"
    logs = tmp_path / "logs"
    problems = [
        f"{log.name}: {line[:600]}"
        for log in sorted(logs.glob("*.log"))
        for line in log.read_text(encoding="utf-8").splitlines()
        if '"level": "ERROR"' in line or line.startswith("Traceback")
    ]
    assert not problems, "\n".join(problems)
    missing = {name: figures["missing"] for name, figures in result["processes"].items() if figures["missing"]}
    assert not missing, missing
    assert result["errors"] == {
        "discord-0": 0,
        "discord-1": 0,
        "telegram": 0,
        "failed edits": 0,
        "rejected requests": 0,
    }
    for name, figures in result["processes"].items():
        assert figures["replies"] > 0, name
        assert figures["unanswered"] == 0, name
    assert result["overall"]["acks_over_3s"] == 0
    polls = result["polls"]
    assert set(polls["cast"]) == {"discord", "telegram -1001", "telegram -1002", "telegram -1003", "telegram -1004"}
    assert polls["counted"] == polls["cast"]
    assert set(polls["announcements"].values()) == {1}
    assert sum(polls["cast"].values()) > 0
    propagation = result["propagation"]
    assert propagation["edits"] > 0
    # every edit reached both other processes: by notification, or (made while one was down) when it started
    assert propagation["observed"] + propagation["not_notified"] == 2 * propagation["edits"]
    assert propagation["observed"] >= propagation["edits"]
