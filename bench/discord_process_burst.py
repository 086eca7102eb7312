"""A burst of `/film` to a real `filmbot run` process over loopback sockets: how soon each is acknowledged.

    python -m bench.discord_process_burst [--commands 200] [--runs 2] [--db PATH] [--json]

`bench.discord_load` measures the bot in-process (acks cost nothing there); this one runs the program as a user
would, against `tests.fakes.discord.gateway.FakeDiscordServer` (real websocket gateway, real HTTP), on a
first-run database with the starter catalog (`--db` reuses one, skipping the import). All the commands' frames are
written to the gateway at once; latency is from that moment to each interaction callback (a reply, type 4, or
a defer, type 5) reaching the fake. Prints numbers; never fails on a threshold.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.discord_load import DEADLINE_MS
from bench.stats import percentile
from tests.fakes.discord.gateway import FakeDiscordServer, SentInteraction
from tests.fakes.discord.payloads import ALICE, command_data, interaction_payload
from tests.support.process import BotProcess, bot_env

TITLES = ["parasite", "spirited away", "amelie", "the godfather", "jaws", "toy story", "alien", "heat", "up", "her"]


class TimedFake(FakeDiscordServer):
    """Records when each interaction was acknowledged, and how."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.acked: dict[str, tuple[float, int]] = {}

    def _callback(self, token: str, body: Mapping[str, Any], with_response: bool) -> Any:
        self.acked.setdefault(token, (time.perf_counter(), int(body["type"])))
        return super()._callback(token, body, with_response)


async def burst(fake: TimedFake, n: int, rng: random.Random) -> dict[str, Any]:
    payloads = []
    for _ in range(n):
        data = command_data(None, "film", None, {"title": rng.choice(TITLES)})  # type: ignore[arg-type]
        payload = interaction_payload(fake.snowflake, 2, data, who=ALICE)
        fake.interactions[str(payload["token"])] = SentInteraction(payload)
        payloads.append(payload)
    began = time.perf_counter()
    for payload in payloads:
        await fake.dispatch("INTERACTION_CREATE", payload)
    tokens = [str(p["token"]) for p in payloads]
    await fake.wait_until(lambda: all(t in fake.acked for t in tokens), within=60)
    ms = [(fake.acked[t][0] - began) * 1000 for t in tokens]
    return {
        "n": n,
        "p50_ms": round(statistics.median(ms)),
        "p99_ms": round(percentile(ms, 99)),
        "p100_ms": round(max(ms)),
        "over_3s": sum(1 for m in ms if m > DEADLINE_MS),
        "deferred": sum(1 for t in tokens if fake.acked[t][1] == 5),
    }


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        fake = TimedFake()
        await fake.start()
        db = Path(args.db) if args.db else Path(tmp) / "bench.sqlite3"
        env = bot_env(db) | {"STARTER_CATALOG": "true", "DISCORD__TOKEN": "bench-token"}
        bot = await BotProcess.start(env | {"DISCORD__API_BASE_URL": fake.api_base_url}, Path(tmp))
        try:
            await fake.wait_for_identify(within=600)
            await asyncio.sleep(3)  # past on_ready and the movie-night catch-up: an idle bot
            rng = random.Random(args.seed)
            results = []
            for _ in range(args.runs):
                results.append(await burst(fake, args.commands, rng))
                await asyncio.sleep(2)  # let the replies finish
            await bot.terminate()
            return results
        finally:
            await bot.kill_if_running()
            await fake.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.discord_process_burst", description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", help="reuse this SQLite file (skips the first-run import after the first time)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args))
    for r in results:
        line = (
            f"{r['n']} /film at once: ack p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms  p100 {r['p100_ms']} ms"
            f"  over 3 s: {r['over_3s']}  deferred: {r['deferred']}"
        )
        print(json.dumps(r) if args.json else line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
