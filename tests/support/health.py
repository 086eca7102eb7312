"""Reading a real `filmbot run` process's /healthz and /metrics over loopback (the process-level tests)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable
from typing import Any

import aiohttp


def free_port() -> int:
    """A loopback port nothing listens on now, for the process's HEALTH__PORT."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def wait_health(
    base: str,
    status: int,
    within: float = 60,
    *,
    until: Callable[[dict[str, Any]], bool] | None = None,
) -> dict[str, Any]:
    """Poll `base`/healthz until it answers `status` (and its body satisfies `until`, if given); its body.

    A refused connection (the process still starting) is waited out like any other answer."""
    deadline = time.monotonic() + within
    last: tuple[int, str] | None = None
    while time.monotonic() < deadline:
        try:
            last = await get(f"{base}/healthz")
            if last[0] == status:
                body: dict[str, Any] = json.loads(last[1])
                if until is None or until(body):
                    return body
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"/healthz never answered {status}{' as expected' if until else ''}; last: {last}")


async def metric(base: str, name: str) -> float:
    """The value of the unlabelled sample `name` on `base`/metrics."""
    status, page = await get(f"{base}/metrics")
    assert status == 200, page
    for line in page.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


async def wait_metric(base: str, name: str, value: float, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while (seen := await metric(base, name)) != value:
        assert time.monotonic() < deadline, f"{name} stayed {seen}, expected {value}"
        await asyncio.sleep(0.1)
