"""A terminal chat on the same command registry as Discord and Telegram: the zero-token way to use the bot.

The console user owns the machine, so they are an admin. A number picks from the last list; `n`/`p` page a
search; plain text without a slash is a film lookup.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from adapters.console.render import render
from bot.commands import Actor, CommandContext
from bot.replies import FilmList, Problem, Reply
from bot.services import Services

# Whoever runs the console runs the machine: always a catalog owner.
CONSOLE_ACTOR = Actor(platform="console", user_id="owner", chat_id="console", is_owner=True, display_name="you")
QUIT_WORDS = {"/quit", "/exit", "quit", "exit"}
WELCOME = "filmbot chat — type /help, /film <title>, or just a title. /quit leaves."


class ConsoleChat:
    def __init__(self, services: Services, actor: Actor = CONSOLE_ACTOR) -> None:
        self.services = services
        self.actor = actor
        self._last_list: FilmList | None = None

    async def reply_to(self, line: str) -> Reply | None:
        """The reply to one typed line (None for a blank line)."""
        text = line.strip()
        if not text:
            return None
        last = self._last_list
        if last is not None and text.isdigit() and 1 <= int(text) <= len(last.items):
            film_id = last.items[int(text) - 1].film_id
            if last.then and last.then != "film":
                ctx = CommandContext(actor=self.actor, services=self.services)
                return self._remember(await self.services.registry.run_with_film(last.then, ctx, film_id))
            if last.kind in {"did_you_mean", "miss"}:  # the answer to what was asked: learned from
                return await self.services.films.choose(last.query, film_id)
            return await self.services.films.card(film_id)
        if last is not None and last.kind == "results" and text.lower() in {"n", "next", "p", "prev"}:
            step = 1 if text.lower() in {"n", "next"} else -1
            return self._remember(await self.services.films.search(last.query, page=last.page + step))
        if not text.startswith("/"):
            text = f"/film {text}"
        resolved = self.services.registry.resolve_text(text)
        if isinstance(resolved, Problem):
            return resolved
        spec, args = resolved
        ctx = CommandContext(actor=self.actor, services=self.services)
        return self._remember(await self.services.registry.run(spec, ctx, args))

    def _remember(self, reply: Reply) -> Reply:
        if isinstance(reply, FilmList):
            self._last_list = reply if reply.items else None
        return reply

    async def handle(self, line: str) -> str:
        reply = await self.reply_to(line)
        if reply is None:
            return ""
        text = render(reply)
        if isinstance(reply, FilmList) and reply.items:
            text += "\n(type a number to open one" + (", n/p to page)" if reply.pages > 1 else ")")
        return text

    async def loop(self, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
        print(WELCOME, file=stdout, flush=True)
        while True:
            print("> ", end="", file=stdout, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line or line.strip().lower() in QUIT_WORDS:
                break
            output = await self.handle(line)
            if output:
                print(output, file=stdout, flush=True)
