"""Three real `filmbot run` processes on one PostgreSQL database under simulated users, one of them killed.

    python -m bench.cluster [--seconds 60] [--users 500] [--think 5] [--starter] [--kill-at 0.5] [--json]

Processes (each a child `filmbot run`, LOG_FORMAT=json, against its own loopback fake):
  discord-0  shard 0 of 2, its own `FakeDiscordServer` (real websocket gateway + REST); holds a movie night
             (native Discord poll) in the test guild's channel
  discord-1  shard 1 of 2, its own `FakeDiscordServer`; the catalog owner's edits are made here
  telegram   a webhook worker (`TELEGRAM__WEBHOOK_URL`, fixed secret) in front of the fake Bot API; holds a
             movie night (native Telegram poll) in each of 4 group chats
On a fresh database on the PostgreSQL server of `--url` (dropped afterwards) holding the sample catalog
(`--starter`: plus the shipped starter catalog). Users are split evenly over the processes; each waits for
its answer, then thinks (exponential, mean `--think` s) before the next action: `/film <typo'd title>`,
`/film` autocomplete (Discord) or an inline query (Telegram), `/movienight nominate` (Discord), a vote
in its process's open poll (a member may change it). One owner edits the catalog every `--edit-every` s
(`/film-admin alias` on discord-1); the edit is visible in another process when that process logs the
refresh that took in the catalog version the edit committed.

At `--kill-at` of the run discord-0 is killed (SIGKILL) and started again 2 s later; its members keep voting
on Discord meanwhile (the gateway cannot tell the bot; it re-reads the poll's voters on start-up) and its
users' slash commands wait until it is back. At the end each poll is closed twice at the same moment (for
Discord by both Discord processes; for Telegram by two `/movienight close` updates): one close announces.

Reported per process and overall: replies/s, p50/p99 reply latency (event sent to the answer: the final
message, an autocomplete/inline answer), Discord acknowledgements over 3 s, catalog propagation p50/p99,
votes cast (the platform's record of each member's last vote) vs votes counted (the announcement's "N
members voted"), announcements per closed poll, errors (unanswered events, ERROR log lines, tracebacks,
requests the fakes rejected). Prints figures; never fails on a threshold (tests/ops/test_cluster_bench.py
runs it short and asserts the invariants, not the timings).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import discord
import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench.discord_process_burst import TimedFake
from bench.stats import percentile
from tests.adapters.telegram.harness import TOKEN, new_api
from tests.fakes.discord.gateway import SentInteraction
from tests.fakes.discord.payloads import ALICE, LOADING, command_data, guild_payload, interaction_payload, user
from tests.fakes.telegram.server import FakeBotApi
from tests.specs.discord_spec import SPEC_PATH, DiscordSpec
from tests.support.process import BotProcess, bot_env

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TOKEN_DC = "cluster-bench-discord-token"
SECRET = "cluster-bench-webhook-secret"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
ADMIN_TG = 7000
GROUPS = [-1001, -1002, -1003, -1004]
MANAGE = discord.Permissions(manage_guild=True).value
DEADLINE_MS = 3000.0
TITLES = ["parasite", "spirited away", "amelie", "miracle in cell no 7", "1917", "the good the bad and the ugly"]
SLATE = ["parasite", "spirited away", "amelie"]
VOTED = re.compile(r"(\d+) members? voted")


def say(what: str) -> None:
    """Progress on stderr (the figures go to stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


def typo(title: str, rng: random.Random) -> str:
    """The title with one letter dropped (what users type)."""
    if len(title) < 5:
        return title
    i = rng.randrange(1, len(title) - 1)
    return title[:i] + title[i + 1 :]


def final(sent: SentInteraction) -> bool:
    """The interaction has its answer (a message that is not a "thinking…" defer)."""
    return sent.original is not None and not int(sent.original.get("flags") or 0) & LOADING


def in_chat(chat: int) -> Any:
    """A call filter: calls made to `chat`."""
    return lambda call: str(call.params.get("chat_id")) == str(chat)


class ShardFake(TimedFake):
    """A fake Discord for one shard process: the test guild is this shard's guild whatever its number (each
    process has its own fake, so "the guild" stands for the guilds of its shard range).

    Hundreds of users wait at once here, so each waits on its own interaction (`answered`), woken only by
    that interaction's callback or webhook call: the fake's `wait_until` wakes every waiter on every request,
    which at 500 users costs the harness more CPU than the bots it measures."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._waiting: dict[str, tuple[Callable[[SentInteraction], bool], asyncio.Future[None]]] = {}

    async def answered(self, token: str, done: Callable[[SentInteraction], bool], within: float) -> None:
        sent = self.interactions[token]
        if done(sent):
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[token] = (done, future)
        try:
            await asyncio.wait_for(future, within)
        finally:
            self._waiting.pop(token, None)

    def _check(self, token: str) -> None:
        waiting = self._waiting.get(token)
        if waiting is not None and not waiting[1].done() and waiting[0](self.interactions[token]):
            waiting[1].set_result(None)

    def _callback(self, token: str, body: Mapping[str, Any], with_response: bool) -> Any:
        try:
            return super()._callback(token, body, with_response)
        finally:
            self._check(token)

    def _webhook(self, method: str, token: str, target: str | None, body: Mapping[str, Any]) -> Any:
        try:
            return super()._webhook(method, token, target, body)
        finally:
            self._check(token)

    async def _on_frame(self, ws: Any, frame: Mapping[str, Any]) -> None:
        await super()._on_frame(ws, frame)
        if frame.get("op") != 2:
            return
        shard = (frame.get("d") or {}).get("shard") or (0, 1)
        if int(shard[0]) != 0:
            await ws.send_json({"op": 0, "t": "GUILD_CREATE", "s": next(self._seq), "d": guild_payload()})


def discord_validator() -> Any:
    """Every request checked against Discord's OpenAPI spec when ../shared is present."""
    if not SPEC_PATH.exists():
        return None
    spec = DiscordSpec.load()
    return lambda method, path, body, query: spec.check(method, path, body, query)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Proc:
    """One `filmbot run` child and what its users saw."""

    name: str
    env: dict[str, str]
    cwd: Path
    process: BotProcess | None = None
    earlier: list[BotProcess] = field(default_factory=list)  # killed incarnations (their logs)
    up: asyncio.Event = field(default_factory=asyncio.Event)
    latencies_ms: list[float] = field(default_factory=list)
    acks_ms: list[float] = field(default_factory=list)
    unanswered: int = 0
    missing: list[str] = field(default_factory=list)  # what went unanswered (kind and text)
    in_flight_at_kill: int = 0  # events the process had received when it was killed (never answered)
    incarnation: int = 0
    log: str = ""

    async def start(self) -> None:
        self.process = await BotProcess.start(self.env, self.cwd)

    async def kill(self) -> None:
        self.up.clear()
        self.incarnation += 1
        assert self.process is not None
        self.process.process.kill()
        await self.process.process.wait()
        self.earlier.append(self.process)
        self.process = None

    async def collect_logs(self) -> None:
        logs = []
        for process in [*self.earlier, *([self.process] if self.process else [])]:
            _, err = await asyncio.wait_for(process._output, 60)
            logs.append(err.decode(errors="replace"))
        self.log = "\n".join(logs)


@dataclass
class Cluster:
    args: argparse.Namespace
    url: str
    tmp: Path
    rng: random.Random
    fakes: list[ShardFake] = field(default_factory=list)
    api: FakeBotApi = field(default_factory=new_api)
    procs: list[Proc] = field(default_factory=list)
    hook_url: str = ""
    http: httpx.AsyncClient | None = None
    discord_poll: str = ""  # the native poll's message id on discord-0's fake
    telegram_polls: dict[int, Any] = field(default_factory=dict)  # group chat -> the poll message sent
    edits: list[tuple[int, float, float]] = field(default_factory=list)  # (version, sent, confirmed; epoch s)
    down: list[tuple[float, float]] = field(default_factory=list)  # discord-0 killed .. answering again (epoch s)
    votes_sent: int = 0
    failed_edits: int = 0
    stopping: bool = False

    # -- set-up ------------------------------------------------------------------------------------
    async def prepare(self) -> None:
        catalog = self.tmp / "club.jsonl"
        from tests.support.catalog import sample_films

        catalog.write_text(
            "\n".join(json.dumps({"title": f.title, "year": f.year, "original_title": f.original_title,
                                  "votes": f.votes, "country": f.country, "genres": f.genres})
                      for f in sample_films()),
            encoding="utf-8",
        )  # fmt: skip
        env = self.base_env()
        load = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "import", "--quiet", str(catalog), env=env, cwd=self.tmp
        )
        if await asyncio.wait_for(load.wait(), 900) != 0:
            raise RuntimeError("filmbot import failed")

    def base_env(self) -> dict[str, str]:
        env = bot_env(self.tmp / "unused.sqlite3", sqlite=True)
        env |= {
            "DATABASE_URL": self.url,
            "STARTER_CATALOG": "true" if self.args.starter else "false",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "ASYNCIO_DEBUG": "false",  # debug mode costs speed; the e2e tests hold the 50 ms guard
            "CATALOG_REFRESH_SECONDS": "3600",  # propagation by notification only, as measured
        }
        return env

    async def start(self) -> None:
        for _ in range(2):
            fake = ShardFake(validator=discord_validator())
            await fake.start()
            self.fakes.append(fake)
        await self.api.start()
        port = free_port()
        self.hook_url = f"http://127.0.0.1:{port}/telegram/hook"
        base = self.base_env()
        for shard, fake in enumerate(self.fakes):
            env = base | {
                "DISCORD__TOKEN": TOKEN_DC,
                "DISCORD__API_BASE_URL": fake.api_base_url,
                "DISCORD__SHARD_COUNT": "2",
                "DISCORD__SHARD_IDS": f"[{shard}]",
                "DISCORD__OWNER_USER_IDS": f"[{ALICE['id']}]",
            }
            self.procs.append(Proc(f"discord-{shard}", env, self.tmp))
        tg = base | {
            "TELEGRAM__TOKEN": TOKEN,
            "TELEGRAM__BASE_URL": self.api.base_url,
            "TELEGRAM__BASE_FILE_URL": self.api.base_file_url,
            "TELEGRAM__WEBHOOK_URL": self.hook_url,
            "TELEGRAM__WEBHOOK_PORT": str(port),
            "TELEGRAM__WEBHOOK_SECRET": SECRET,
            "TELEGRAM__OWNER_IDS": f"[{ADMIN_TG}]",
        }
        self.procs.append(Proc("telegram", tg, self.tmp))
        for proc in self.procs:
            await proc.start()
        self.http = httpx.AsyncClient(trust_env=False, timeout=30)
        say("3 processes started; waiting for them to answer")
        await asyncio.gather(
            self.ready_or_died(0, self.wait_discord(0)),
            self.ready_or_died(1, self.wait_discord(1)),
            self.ready_or_died(2, self.wait_telegram()),
        )
        say("all 3 answer")

    async def ready_or_died(self, index: int, ready: Coroutine[Any, Any, None]) -> None:
        """`ready`, unless the process exits first (then its log says why)."""
        proc = self.procs[index]
        assert proc.process is not None
        waiting = asyncio.ensure_future(ready)
        died = asyncio.ensure_future(proc.process.process.wait())
        await asyncio.wait([waiting, died], return_when=asyncio.FIRST_COMPLETED)
        if waiting.done():
            died.cancel()
            waiting.result()
            return
        waiting.cancel()
        _, err = await asyncio.wait_for(proc.process._output, 30)
        raise RuntimeError(f"{proc.name} exited before it was ready:\n{err.decode(errors='replace')[-3000:]}")

    async def wait_discord(self, shard: int, nth: int = 1) -> None:
        fake = self.fakes[shard]
        await fake.wait_for_identify(within=900, nth=nth)
        # Ready once it answers (the index is loaded before the gateway connects; commands may still sync).
        while True:
            try:
                await self.film(shard, "parasite", who=user(300000000000000000 + shard), timed=False)
                break
            except TimeoutError:
                continue
        self.procs[shard].up.set()

    async def wait_telegram(self) -> None:
        await self.api.wait_for("setWebhook", within=900)
        await self.tg_film(ADMIN_TG, "parasite", timed=False)
        self.procs[2].up.set()

    async def open_polls(self) -> None:
        admin = {"who": ALICE, "permissions": MANAGE}
        fake = self.fakes[0]
        for title in SLATE:
            await self.slash_answer(0, "movienight", sub="nominate", film=title, **admin)
        opened = await self.slash_answer(0, "movienight", sub="poll", **admin)
        poll = await fake.wait_until(lambda: next((m for m in opened.followups if m.get("poll")), None), within=60)
        self.discord_poll = str(poll["id"])
        for group in GROUPS:
            for title in SLATE:
                await self.tg_say(ADMIN_TG, f"/movienight nominate {title}", chat=group)
            since = len(self.api.calls)
            await self.post(self.take(self.api.send_text("/movienight poll", user_id=ADMIN_TG, chat_id=group,
                                                         chat_type="group")))  # fmt: skip
            await self.api.wait_for("sendPoll", in_chat(group), since=since, within=60)
            self.telegram_polls[group] = next(m for m in self.api.chat_messages(group) if "poll" in m.message)

    # -- talking to the processes ----------------------------------------------------------------------
    def take(self, update_id: int) -> dict[str, Any]:
        """The update the fake queued for getUpdates, to be POSTed to the webhook instead."""
        pending: list[dict[str, Any]] = self.api._pending
        found = next(u for u in pending if u["update_id"] == update_id)
        pending.remove(found)
        return found

    async def post(self, update: dict[str, Any]) -> None:
        """POST like Telegram: retried until the worker accepts it (a worker that is down loses nothing)."""
        assert self.http is not None
        while True:
            try:
                response = await self.http.post(self.hook_url, json=update, headers={HEADER: SECRET})
                if response.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)

    async def tg_say(self, uid: int, said: str, *, chat: int | None = None) -> float:
        since = len(self.api.calls)
        began = time.perf_counter()
        await self.post(self.take(self.api.send_text(said, user_id=uid, chat_id=chat,
                                                     chat_type="private" if chat is None else "group")))  # fmt: skip
        where = str(uid if chat is None else chat)
        await self.api.wait_for("sendMessage", lambda c: str(c.params.get("chat_id")) == where, since=since,
                                within=30)  # fmt: skip
        return (time.perf_counter() - began) * 1000

    async def tg_film(self, uid: int, title: str, *, timed: bool = True) -> None:
        ms = await self.tg_say(uid, f"/film {title}")
        if timed:
            self.procs[2].latencies_ms.append(ms)

    async def tg_inline(self, uid: int, prefix: str) -> None:
        began = time.perf_counter()
        update_id, query_id = self.api.inline_query(prefix, user_id=uid)
        await self.post(self.take(update_id))
        await self.api.wait_for("answerInlineQuery", lambda c: c.params.get("inline_query_id") == query_id,
                                within=30)  # fmt: skip
        self.procs[2].latencies_ms.append((time.perf_counter() - began) * 1000)

    async def tg_vote(self, uid: int) -> None:
        group = self.rng.choice(GROUPS)
        sent = self.telegram_polls[group]
        options = len(sent.message["poll"]["options"])
        await self.post(self.take(self.api.vote(sent, [self.rng.randrange(options)], user_id=uid)))
        self.votes_sent += 1

    async def slash_answer(self, shard: int, name: str, *, sub: str | None = None, **options: Any) -> SentInteraction:
        fake = self.fakes[shard]
        token = (
            await fake.slash(name, sub=sub, **options)
            if "permissions" not in options
            else await self.admin(shard, name, sub, options)
        )
        return await fake.wait_for_answer(token, within=60)

    async def admin(self, shard: int, name: str, sub: str | None, options: dict[str, Any]) -> str:
        fake = self.fakes[shard]
        who, permissions = options.pop("who"), options.pop("permissions")
        data = command_data(None, name, sub, options)  # type: ignore[arg-type]
        payload = interaction_payload(fake.snowflake, 2, data, who=who, permissions=permissions)
        sent = SentInteraction(payload)
        fake.interactions[sent.token] = sent
        await fake.dispatch("INTERACTION_CREATE", payload)
        return sent.token

    async def film(self, shard: int, title: str, *, who: dict[str, Any], timed: bool = True) -> None:
        fake, proc = self.fakes[shard], self.procs[shard]
        began = time.perf_counter()
        token = await fake.slash("film", title=title, who=who)
        await fake.answered(token, final, within=30 if timed else 5)
        if timed:
            proc.latencies_ms.append((time.perf_counter() - began) * 1000)
            proc.acks_ms.append((fake.acked[token][0] - began) * 1000)

    async def autocomplete(self, shard: int, prefix: str, *, who: dict[str, Any]) -> None:
        fake, proc = self.fakes[shard], self.procs[shard]
        data = command_data(None, "film", None, {"title": prefix}, focused="title")  # type: ignore[arg-type]
        payload = interaction_payload(fake.snowflake, 4, data, who=who)
        sent = SentInteraction(payload)
        fake.interactions[sent.token] = sent
        began = time.perf_counter()
        await fake.dispatch("INTERACTION_CREATE", payload)
        await fake.answered(sent.token, lambda s: s.callback is not None, within=30)
        ms = (time.perf_counter() - began) * 1000
        proc.latencies_ms.append(ms)
        proc.acks_ms.append(ms)

    async def nominate(self, shard: int, title: str, *, who: dict[str, Any]) -> None:
        fake, proc = self.fakes[shard], self.procs[shard]
        began = time.perf_counter()
        token = await fake.slash("movienight", sub="nominate", film=title, who=who)
        await fake.answered(token, final, within=30)
        proc.latencies_ms.append((time.perf_counter() - began) * 1000)
        proc.acks_ms.append((fake.acked[token][0] - began) * 1000)

    async def discord_vote(self, who: dict[str, Any]) -> None:
        fake = self.fakes[0]
        message = fake.messages[self.discord_poll]
        answers = [int(a["answer_id"]) for a in message["poll"]["answers"]]
        await fake.vote(self.discord_poll, who, self.rng.choice(answers), online=self.procs[0].up.is_set())
        self.votes_sent += 1

    # -- the load ----------------------------------------------------------------------------------
    async def member(self, n: int, until: float) -> None:
        """One simulated user of one process, acting until `until` (perf_counter)."""
        rng = random.Random(self.args.seed * 100_003 + n)
        where = n % 3
        proc = self.procs[where]
        who = user(200000000000000000 + n, f"member{n}")
        uid = 10_000 + n
        while time.perf_counter() < until and not self.stopping:
            await asyncio.sleep(rng.expovariate(1 / self.args.think))
            if time.perf_counter() >= until:
                return
            roll = rng.random()
            title = rng.choice(TITLES)
            incarnation = proc.incarnation
            began = time.perf_counter()
            try:
                if where == 0 and roll < 0.15:
                    await self.discord_vote(who)  # voting happens on Discord, whether or not the bot is up
                    continue
                await proc.up.wait()
                if where < 2:
                    if roll < 0.5:
                        await self.film(where, typo(title, rng), who=who)
                    elif roll < 0.9:
                        await self.autocomplete(where, title[: rng.randint(2, 8)], who=who)
                    else:
                        await self.nominate(where, title, who=who)
                elif roll < 0.5:
                    await self.tg_film(uid, typo(title, rng))
                elif roll < 0.85:
                    await self.tg_inline(uid, title[: rng.randint(2, 8)])
                else:
                    await self.tg_vote(uid)
            except TimeoutError:
                if proc.incarnation != incarnation:
                    proc.in_flight_at_kill += 1  # what Discord shows as "This interaction failed"
                else:
                    proc.unanswered += 1
                    proc.missing.append(f"roll {roll:.2f} {title!r} after {time.perf_counter() - began:.1f} s")

    async def editor(self, until: float) -> None:
        """The catalog owner: an alias edit on discord-1 every `--edit-every` s."""
        engine = create_async_engine(self.url)
        n = 0
        try:
            while time.perf_counter() < until:
                await asyncio.sleep(self.args.edit_every)
                n += 1
                sent = time.time()
                film = SLATE[n % len(SLATE)]
                try:
                    answer = await self.slash_answer(1, "film-admin", sub="alias", film=film,
                                                     alias=f"bench alias {n}", who=ALICE,
                                                     permissions=MANAGE)  # fmt: skip
                except TimeoutError:
                    self.procs[1].unanswered += 1
                    continue
                confirmed = time.time()
                if "bench alias" not in json.dumps(answer.original, ensure_ascii=False):
                    self.failed_edits += 1  # refused or failed: counted as an error
                    continue
                async with engine.connect() as conn:
                    version = (await conn.execute(text("SELECT version FROM catalog_state WHERE id = 1"))).scalar()
                self.edits.append((int(version or 0), sent, confirmed))
        finally:
            await engine.dispose()

    async def killer(self, at: float) -> None:
        await asyncio.sleep(at)
        proc = self.procs[0]
        killed = time.time()
        await proc.kill()
        say("discord-0 killed (SIGKILL)")
        await asyncio.sleep(2)
        await proc.start()
        await self.ready_or_died(0, self.wait_discord(0, nth=2))
        self.down.append((killed, time.time()))
        say("discord-0 restarted and answering")

    async def load(self) -> dict[str, Any]:
        began = time.perf_counter()
        until = began + self.args.seconds
        tasks = [asyncio.create_task(self.member(n, until)) for n in range(self.args.users)]
        tasks.append(asyncio.create_task(self.editor(until)))
        if self.args.kill_at > 0:
            tasks.append(asyncio.create_task(self.killer(self.args.seconds * self.args.kill_at)))
        await asyncio.gather(*tasks)
        return {"seconds": time.perf_counter() - began}

    # -- the end -----------------------------------------------------------------------------------
    async def close_polls(self) -> dict[str, Any]:
        admin = {"who": ALICE, "permissions": MANAGE}
        await asyncio.sleep(2)  # votes in flight are taken in
        counted: dict[str, int] = {}
        cast: dict[str, int] = {}
        announced: dict[str, int] = {}
        # Discord: both Discord processes get a close of the same poll at once.
        tokens = await asyncio.gather(
            self.admin(0, "movienight", "close", dict(admin)), self.admin(1, "movienight", "close", dict(admin))
        )
        answers = [await self.fakes[i].wait_for_answer(t, within=60) for i, t in enumerate(tokens)]
        texts = [json.dumps([a.original, *a.followups], ensure_ascii=False) for a in answers]
        winners = [t for t in texts if VOTED.search(t)]
        announced["discord"] = len(winners)
        counted["discord"] = int(VOTED.search(winners[0]).group(1)) if winners else -1  # type: ignore[union-attr]
        voters = self.fakes[0].poll_voters.get(self.discord_poll, {})
        cast["discord"] = len({m["id"] for members in voters.values() for m in members})
        # Telegram: two close commands for each group's poll, sent at once.
        for group in GROUPS:
            since = len(self.api.calls)
            await asyncio.gather(*(
                self.post(self.take(self.api.send_text("/movienight close", user_id=ADMIN_TG, chat_id=group,
                                                       chat_type="group")))
                for _ in range(2)
            ))  # fmt: skip
            await asyncio.sleep(1.5)
            said = [
                json.dumps(c.params, ensure_ascii=False)
                for c in self.api.calls[since:]
                if str(c.params.get("chat_id")) == str(group)
            ]
            wins = [s for s in said if VOTED.search(s)]
            name = f"telegram {group}"
            announced[name] = len(wins)
            counted[name] = int(VOTED.search(wins[0]).group(1)) if wins else -1  # type: ignore[union-attr]
            poll_id = self.telegram_polls[group].message["poll"]["id"]
            cast[name] = len(self.api.poll_votes.get(poll_id, {}))
        return {"cast": cast, "counted": counted, "announcements": announced}

    def propagation(self) -> tuple[list[float], list[float], int]:
        """For each edit, for each process other than discord-1 (the one that makes the edits): the first refresh
        at a version >= the edit's (its log line), minus the moment the edit was sent, and minus the moment its
        confirmation reached the owner (negative: visible elsewhere before the owner saw the reply); and how
        many (edit, process) pairs were not seen by notification: sent while the process was down (killed, not
        yet answering again: it reads them as it starts, so they are not propagation) or never seen."""
        from_sent: list[float] = []
        from_confirmed: list[float] = []
        missed = 0
        for proc in (self.procs[0], self.procs[2]):
            down = self.down if proc is self.procs[0] else []
            refreshes: list[tuple[int, float]] = []
            for line in proc.log.splitlines():
                if '"catalog version ' not in line:
                    continue
                with contextlib.suppress(ValueError, KeyError):
                    record = json.loads(line)
                    version = int(str(record["msg"]).split()[2].rstrip(":"))
                    refreshes.append((version, datetime.fromisoformat(record["ts"]).timestamp()))
            for version, sent, confirmed in self.edits:
                if any(killed <= sent <= back for killed, back in down):
                    missed += 1  # sent while the process was down: it reads the change as it starts
                    continue
                seen = [ts for v, ts in refreshes if v >= version and ts >= sent - 0.001]
                if seen:
                    from_sent.append((min(seen) - sent) * 1000)
                    from_confirmed.append((min(seen) - confirmed) * 1000)
                else:
                    missed += 1
        return from_sent, from_confirmed, missed

    def errors(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for proc in self.procs:
            bad = 0
            for line in proc.log.splitlines():
                if '"level": "ERROR"' in line or '"level": "CRITICAL"' in line or line.startswith("Traceback"):
                    bad += 1
            found[proc.name] = bad + proc.unanswered
        found["failed edits"] = self.failed_edits
        found["rejected requests"] = sum(len(f.violations) + len(f.unknown) for f in self.fakes)
        found["rejected requests"] += len(self.api.violations)
        return found

    async def stop(self) -> None:
        self.stopping = True
        for proc in self.procs:
            if proc.process is not None:
                with contextlib.suppress(Exception):
                    await proc.process.terminate(within=60)
                await proc.process.kill_if_running()
        for proc in self.procs:
            with contextlib.suppress(Exception):
                await proc.collect_logs()
        if self.http is not None:
            await self.http.aclose()
        for fake in self.fakes:
            await fake.stop()
        await self.api.stop()


def write_logs(directory: Path, logs: Mapping[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, log in logs.items():
        (directory / f"{name}.log").write_text(log, encoding="utf-8")


def figures(latencies: Sequence[float], seconds: float) -> dict[str, Any]:
    return {
        "replies": len(latencies),
        "replies_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    name = f"filmbot_cluster_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(args.url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.url).set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cluster = Cluster(args, url, Path(tmp), random.Random(args.seed))
            try:
                say(f"database {name}: importing the catalog")
                await cluster.prepare()
                await cluster.start()
                await cluster.open_polls()
                say(f"polls open; {args.users} users for {args.seconds:g} s")
                timing = await cluster.load()
                say("closing the polls")
                polls = await cluster.close_polls()
            finally:
                await cluster.stop()
                if args.logs:
                    write_logs(Path(args.logs), {proc.name: proc.log for proc in cluster.procs})
            seconds = min(float(timing["seconds"]), args.seconds)  # users act only within --seconds
            per_process: dict[str, Any] = {}
            for proc in cluster.procs:
                per_process[proc.name] = figures(proc.latencies_ms, seconds) | {
                    "acks_over_3s": sum(1 for ms in proc.acks_ms if ms > DEADLINE_MS) if proc.name != "telegram"
                    else None,
                    "unanswered": proc.unanswered,
                    "in_flight_at_kill": proc.in_flight_at_kill,
                    "missing": proc.missing,
                }  # fmt: skip
            every = [ms for proc in cluster.procs for ms in proc.latencies_ms]
            spread, after_reply, missed = cluster.propagation()
            return {
                "users": args.users,
                "seconds": round(seconds, 1),
                "processes": per_process,
                "overall": figures(every, seconds)
                | {"acks_over_3s": sum(1 for p in cluster.procs for ms in p.acks_ms if ms > DEADLINE_MS)},
                "propagation": {
                    "edits": len(cluster.edits),
                    "observed": len(spread),
                    "not_notified": missed,
                    "p50_ms": round(statistics.median(spread), 1) if spread else None,
                    "p99_ms": round(percentile(spread, 99), 1) if spread else None,
                    "after_confirmation_p50_ms": round(statistics.median(after_reply), 1) if after_reply else None,
                    "after_confirmation_p99_ms": round(percentile(after_reply, 99), 1) if after_reply else None,
                },
                "votes_sent": cluster.votes_sent,
                "polls": polls,
                "killed": "discord-0" if args.kill_at > 0 else None,
                "errors": cluster.errors(),
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "cpu_s": {
                    "harness": round(os.times().user + os.times().system, 1),
                    "bot processes": round(os.times().children_user + os.times().children_system, 1),
                },
            }
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def report(result: dict[str, Any]) -> str:
    lines = [f"{result['users']} users, {result['seconds']} s, load average {result['load_average']}"]
    for name, f in [*result["processes"].items(), ("overall", result["overall"])]:
        acks = "" if f.get("acks_over_3s") is None else f"  acks over 3 s: {f['acks_over_3s']}"
        lines.append(f"  {name:10} {f['replies_per_s']:7} replies/s  p50 {f['p50_ms']} ms  p99 {f['p99_ms']} ms{acks}")
    p = result["propagation"]
    lines.append(f"  catalog propagation (edit sent -> refreshed elsewhere): {p['observed']} seen of {p['edits']} "
                 f"edits x 2 processes, p50 {p['p50_ms']} ms  p99 {p['p99_ms']} ms; after the owner's confirmation: "
                 f"p50 {p['after_confirmation_p50_ms']} ms  p99 {p['after_confirmation_p99_ms']} ms; "
                 f"read at restart instead: {p['not_notified']}")  # fmt: skip
    lost = {n: f["in_flight_at_kill"] for n, f in result["processes"].items() if f["in_flight_at_kill"]}
    lines.append(f"  events in flight in the killed process (unanswered, as on Discord): {lost or 0}")
    polls = result["polls"]
    for poll, cast in polls["cast"].items():
        lines.append(f"  poll {poll:16} votes cast {cast}  counted {polls['counted'][poll]}"
                     f"  announcements {polls['announcements'][poll]}")  # fmt: skip
    lines.append(f"  killed and restarted: {result['killed']}   errors: {result['errors']}")
    lines.append(f"  CPU seconds: {result['cpu_s']} (the harness simulates every user and both platforms)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--think", type=float, default=5.0, help="mean seconds between a user's actions")
    parser.add_argument("--edit-every", type=float, default=1.0)
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction of the run; 0: kill nothing")
    parser.add_argument("--starter", action="store_true", help="also load the shipped starter catalog")
    parser.add_argument("--url", default=os.environ.get("FILMBOT_TEST_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--logs", help="write each process's log (JSON lines) into this directory")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args))
    print(json.dumps(result) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
