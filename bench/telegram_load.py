"""Telegram load benchmark: simulated users drive the real bot through the loopback fake Bot API.

    python -m bench.telegram_load [--users 200] [--rounds 3] [--rate-limit] [--db PATH] [--json]

Each user, in a private chat, repeats: `/film <title with a typo>`, an inline query for the first word(s)
of a title, and a press on a button of the bot's last reply (a picker choice, another match, or ▶ of a
`/search`). The bot is exactly what `filmbot run` starts (`run_telegram`, python-telegram-bot, long
polling) on a first-run database with the shipped starter catalog.

Latency is bot-side: from the moment the fake server hands the update to the bot (the `getUpdates`
response that carries it) to the moment the bot's reply (sendMessage / answerInlineQuery /
editMessageText) arrives at the fake server. By default the flood limiter is off, to measure the bot
itself; `--rate-limit` turns on the production AIORateLimiter (30 messages/s overall), which then sets
the pace. Prints numbers; it never fails on a threshold.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from adapters.telegram.app import build_application
from adapters.telegram.runner import run_telegram
from bench.stats import percentile
from bench.typing_model import typo
from bot.app import build_services
from bot.config import Settings, TelegramSettings
from bot.services import Services
from bot.store.films import FilmRepository
from tests.fakes.telegram.server import Call, FakeBotApi, SentMessage

TOKEN = "123456:BENCH-TOKEN"


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: int = 0

    def add(self, kind: str, update_id: int, api: FakeBotApi, reply: Call) -> None:
        self.latencies[kind].append(reply.at - api.delivered_at[update_id])


async def sample_titles(services: Services, n: int, rng: random.Random) -> list[str]:
    async with services.db.session() as session:
        docs = await FilmRepository(session).search_docs()
    titles = [d.title for d in docs if 2 <= len(d.title) <= 80]
    return rng.sample(titles, min(n, len(titles)))


async def reply_in(api: FakeBotApi, method: str, chat: int, since: int) -> Call:
    return await api.wait_for(method, lambda c: str(c.params.get("chat_id")) == str(chat), since=since, within=60)


async def user(api: FakeBotApi, uid: int, titles: Sequence[str], rounds: int, stats: Stats, rng: random.Random) -> None:
    for _ in range(rounds):
        try:
            title = rng.choice(titles)
            mark = len(api.calls)
            update_id = api.send_text(f"/film {typo(title, rng)}", user_id=uid)
            call = await reply_in(api, "sendMessage", uid, mark)
            stats.add("/film", update_id, api, call)
            last: SentMessage = api.messages[(uid, call.result["message_id"])]  # type: ignore[index]

            prefix = " ".join(title.split()[:2])
            mark = len(api.calls)
            update_id, query_id = api.inline_query(prefix, user_id=uid)
            call = await api.wait_for("answerInlineQuery", partial(is_answer, query_id), since=mark, within=60)
            stats.add("inline", update_id, api, call)

            buttons = [b for b in last.buttons if b.get("callback_data", "a:")[:2] in {"f:", "n:", "s:"}]
            if not buttons:
                mark = len(api.calls)
                update_id = api.send_text(f"/search {title.split()[0]}", user_id=uid)
                call = await reply_in(api, "sendMessage", uid, mark)
                stats.add("/search", update_id, api, call)
                last = api.messages[(uid, call.result["message_id"])]  # type: ignore[index]
                buttons = [b for b in last.buttons if b.get("callback_data", "a:")[:2] in {"f:", "n:", "s:"}]
            if buttons:
                data = rng.choice(buttons)["callback_data"]
                mark = len(api.calls)
                update_id, _ = api.press(last, data, user_id=uid)
                method = "sendMessage" if data.startswith("n:") else "editMessageText"
                call = await reply_in(api, method, uid, mark)
                stats.add("button", update_id, api, call)
        except TimeoutError:
            stats.errors += 1


def is_answer(query_id: str, call: Call) -> bool:
    return call.params.get("inline_query_id") == query_id


def bench_settings(db_path: Path, base_url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{db_path}",
        starter_catalog=True,
        telegram=TelegramSettings(token=SecretStr(TOKEN), base_url=base_url, poll_timeout=10),
        _env_file=None,
    )


async def serve(args: argparse.Namespace) -> None:
    """The bot process: what `filmbot run` starts, with the flood limiter as asked; stops on SIGTERM."""
    services = await build_services(bench_settings(Path(args.db), args.base_url))
    app = build_application(services, rate_limiter=True if args.rate_limit else None)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await run_telegram(services, stop, app=app)
    finally:
        await services.db.dispose()


async def start_bot(args: argparse.Namespace, api: FakeBotApi, db_path: Path) -> asyncio.subprocess.Process:
    profile = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]] if os.environ.get("BENCH_PROFILE") else []
    command = [
        sys.executable,
        *profile,
        "-m",
        "bench.telegram_load",
        "--serve",
        "--db",
        str(db_path),
        "--base-url",
        api.base_url,
    ]
    if args.rate_limit:
        command.append("--rate-limit")
    return await asyncio.create_subprocess_exec(*command)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    api = FakeBotApi(token=TOKEN)
    await api.start()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(args.db) if args.db else Path(tmp) / "bench.sqlite3"
        started = time.perf_counter()
        services = await build_services(bench_settings(db_path, api.base_url))  # first run: starter catalog
        setup = time.perf_counter() - started
        films = len(services.catalog.index)
        titles = await sample_titles(services, 2000, rng)
        stop = asyncio.Event()
        if args.in_process:
            app = build_application(services, rate_limiter=True if args.rate_limit else None)
            bot: Any = asyncio.create_task(run_telegram(services, stop, app=app))
        else:
            await services.db.dispose()
            bot = await start_bot(args, api, db_path)
        await api.wait_for("getUpdates", within=120, arrived=True)
        stats = Stats()
        began = time.perf_counter()
        await asyncio.gather(
            *(user(api, 10_000 + i, titles, args.rounds, stats, random.Random(rng.random())) for i in range(args.users))
        )
        wall = time.perf_counter() - began
        if args.in_process:
            stop.set()
            await bot
            await services.db.dispose()
        else:
            bot.terminate()
            await bot.wait()
    await api.stop()
    every = [x for v in stats.latencies.values() for x in v]
    return {
        "films": films,
        "setup_s": round(setup, 1),
        "users": args.users,
        "rounds": args.rounds,
        "rate_limit": bool(args.rate_limit),
        "bot_process": not args.in_process,
        "replies": len(every),
        "errors": stats.errors,
        "wall_s": round(wall, 2),
        "replies_per_s": round(len(every) / wall, 1),
        "latency_ms": {
            kind: {"n": len(v), "p50": ms(statistics.median(v)), "p99": ms(percentile(v, 99))}
            for kind, v in sorted(stats.latencies.items())
        },
        "all_latency_ms": {"p50": ms(statistics.median(every)), "p99": ms(percentile(every, 99))},
    }


def ms(seconds: float) -> float:
    return round(1000 * seconds, 1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.telegram_load", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="film + inline + button rounds per user")
    parser.add_argument("--rate-limit", action="store_true", help="use the production flood limiter")
    parser.add_argument("--db", help="reuse this SQLite file (first run imports the starter catalog)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--in-process", action="store_true", help="run the bot in this process (shares the CPU)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("telegram").setLevel(logging.ERROR)
    if args.serve:
        asyncio.run(serve(args))
        return 0
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"{result['films']} films (setup {result['setup_s']} s), {result['users']} users x {result['rounds']} rounds, "
        f"rate limiter {'on' if result['rate_limit'] else 'off'}, "
        f"bot {'in its own process' if result['bot_process'] else 'in the load process'}"
    )
    print(
        f"{result['replies']} replies in {result['wall_s']} s = {result['replies_per_s']} replies/s, "
        f"{result['errors']} timeouts"
    )
    print(f"{'kind':<10}{'n':>7}{'p50 ms':>10}{'p99 ms':>10}")
    for kind, row in result["latency_ms"].items():
        print(f"{kind:<10}{row['n']:>7}{row['p50']:>10}{row['p99']:>10}")
    overall = result["all_latency_ms"]
    print(f"{'all':<10}{result['replies']:>7}{overall['p50']:>10}{overall['p99']:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
