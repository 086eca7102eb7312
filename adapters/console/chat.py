"""A terminal chat on the same command registry as Discord and Telegram: the zero-token way to use the bot.

The console user owns the machine, so they are an admin. A number picks from the last list; `n`/`p` page a
search; plain text without a slash is a film lookup. A miss is answered from the store at once; `follow_up`
then asks the online sources and lists what they found, and `add N` adds the Nth find (SOURCES__ADD_BY
decides who may, as the Add buttons on the chat platforms do).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import sys
from typing import TextIO

from adapters.console.render import render
from bot.commands import Actor, CommandContext
from bot.i18n import N_, _, speaking
from bot.polls.voting import Where
from bot.replies import FilmList, OnlineChoice, PollCard, Problem, Reply, Text
from bot.services import Services
from bot.sources.online import add_online, look_online, may_add

# Whoever runs the console runs the machine: always a catalog owner.
CONSOLE_ACTOR = Actor(platform="console", user_id="owner", chat_id="console", is_owner=True, display_name="you")
QUIT_WORDS = {"/quit", "/exit", "quit", "exit"}
WELCOME = N_("filmbot chat — type /help, /film <title>, or just a title. /quit or Ctrl+D leaves.")
# Keys a terminal without line editing passes through as text (arrows, Home, F-keys): never a search.
TERMINAL_KEYS = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|O.|.)?")
ADD_FOUND = re.compile(r"add\s+(\d{1,2})", re.IGNORECASE)


def picker_hint(films: FilmList) -> str:
    """What typing a number does here: open a card, or finish the command the picker came from."""
    command = films.rerun.command if films.rerun is not None else ""
    paging = _(", n/p to page") if films.kind == "results" and films.pages > 1 else ""
    if command == "movienight nominate":
        return _("(type a number to nominate it{paging})", paging=paging)
    if command == "movienight remove":
        return _("(type a number to take it off the slate{paging})", paging=paging)
    if command:
        return _("(type a number to use it for /{command}{paging})", command=command, paging=paging)
    return _("(type a number to open it{paging})", paging=paging)


def ballot_hint(poll: PollCard) -> str:
    if poll.mode == "ranked":
        return _(
            "(to vote, type the numbers in order of preference, best first, e.g. 2 1; at most {n})", n=poll.max_choices
        )
    if poll.mode == "multiple":
        return _("(to vote, type the numbers of every film you'd watch, e.g. 1 3; 0 retracts your vote)")
    return _("(type a number to vote for it; 0 retracts your vote)")


class ConsoleChat:
    def __init__(self, services: Services, actor: Actor = CONSOLE_ACTOR, *, language: str | None = None) -> None:
        self.services = services
        self.language = language  # `filmbot chat --lang`, else the terminal's locale
        self.actor = dataclasses.replace(actor, language=language)
        self._last_list: FilmList | None = None
        self._ballot: PollCard | None = None  # the vote numbers answer, until another list is shown
        self._ask_online: FilmList | None = None  # a miss the sources are to be asked about (`follow_up`)
        self._found: tuple[OnlineChoice, ...] = ()  # the last online finds: `add N` adds one

    async def reply_to(self, line: str) -> Reply | None:
        """The reply to one typed line (None for a blank line or a stray terminal key)."""
        text = TERMINAL_KEYS.sub("", line).strip()
        if not text:
            return None
        if text.split(maxsplit=1)[0].lower() == "/as":
            return self._switch(text[3:].strip())
        if self._found and (m := ADD_FOUND.fullmatch(text)) and 1 <= int(m.group(1)) <= len(self._found):
            choice = self._found[int(m.group(1)) - 1]
            if not choice.can_add:
                return Problem(_("Adding films from the online sources is switched off here."))
            reply = await add_online(self.services, self.actor, choice.ref)
            if not isinstance(reply, Problem):
                self._found = tuple(c for c in self._found if c.ref != choice.ref)
            return reply
        if self._ballot is not None and re.fullmatch(r"\d+([ ,]+\d+)*", text):
            return await self._vote(self._ballot, [int(n) for n in re.split(r"[ ,]+", text)])
        last = self._last_list
        if last is not None and text.isdigit() and 1 <= int(text) <= len(last.items):
            film_id = last.items[int(text) - 1].film_id
            if last.rerun is not None:
                ctx = CommandContext(actor=self.actor, services=self.services)
                return self._remember(await self.services.registry.run_with_film(last.rerun.code, ctx, film_id))
            if last.kind in {"did_you_mean", "miss"}:  # the answer to what was asked: learned from
                return await self.services.films.choose(last.query, film_id)
            return await self.services.films.card(film_id)
        if last is not None and last.kind == "results" and text.lower() in {"n", "next", "p", "prev"}:
            step = 1 if text.lower() in {"n", "next"} else -1
            return self._remember(await self.services.films.search(last.query, page=last.page + step))
        return self._remember(await self.services.registry.handle(text, self.services, self.actor))

    def _switch(self, name: str) -> Reply:
        """`/as alice`: act as another club member in this terminal (to try a movie night's flow end to end);
        `/as` alone returns to the machine's owner."""
        if not name:
            self.actor = dataclasses.replace(CONSOLE_ACTOR, language=self.language)
            return Text(_("You are yourself again (the owner of this console)."))
        name = name[:32]
        self.actor = Actor(platform="console", user_id=f"member:{name}", chat_id="console", display_name=name,
                           language=self.language)  # fmt: skip
        return Text(_("You are now {name}, a club member (not an admin). /as alone switches back.", name=name))

    async def _vote(self, poll: PollCard, numbers: list[int]) -> Reply:
        """A member's ballot by option numbers (`0` retracts), through the same path as a ballot button."""
        if numbers == [0]:
            films: list[int] = []
        elif all(1 <= n <= len(poll.options) for n in numbers):
            films = [poll.options[n - 1].film_id for n in numbers]
        else:
            return Problem(_("Pick from 1 to {count} (0 retracts your vote).", count=len(poll.options)))
        receipt = await self.services.movienights.record_ballot(
            poll.night_id, self.actor.user_id, films, where=Where(self.actor.platform, self.actor.chat_id)
        )
        if not receipt.ok:
            return Problem(receipt.message)
        chosen = {o.film_id: o.label for o in poll.options}
        picked = "; ".join(chosen[f] for f in receipt.choices if f in chosen)
        return Text(
            _("{message} Your vote: {picked}", message=receipt.message, picked=picked) if picked else receipt.message
        )

    def _remember(self, reply: Reply) -> Reply:
        self._ask_online = reply if isinstance(reply, FilmList) and reply.ask_online else None
        if isinstance(reply, FilmList):
            self._last_list = reply if reply.items else None
            self._ballot = None
        elif isinstance(reply, PollCard):
            self._ballot = reply
            self._last_list = None
        return reply

    async def handle(self, line: str) -> str:
        """The answer to one line, said and rendered in the console member's language."""
        with speaking(await self.services.registry.language_for(self.actor, self.services)):
            return await self._handle(line)

    async def _handle(self, line: str) -> str:
        reply = await self.reply_to(line)
        if reply is None:
            return ""
        text = render(reply)
        if isinstance(reply, FilmList) and reply.items:
            text += "\n" + picker_hint(reply)
        elif isinstance(reply, PollCard):
            text += "\n" + ballot_hint(reply)
        return text

    async def follow_up(self) -> str:
        """After a miss was shown: what the online sources found that the catalog lacks ("" for nothing)."""
        asked, self._ask_online = self._ask_online, None
        if asked is None:
            return ""
        updated = await look_online(self.services, asked)
        if updated is None or not updated.found_online:
            return ""
        self._found = updated.found_online
        lines = [updated.online_heading or _("Found online:")]
        lines += [f"  add {n}: {c.text}" for n, c in enumerate(self._found, start=1)]
        if any(c.can_add for c in self._found) and may_add(self.services, self.actor):
            count = len(self._found)
            lines.append(
                _("(type add 1 to add it to the catalog)")
                if count == 1
                else _("(type add 1 … add {last} to add one to the catalog)", last=count)
            )
        return render(Text("\n".join(lines)))

    async def loop(self, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
        print(_(WELCOME), file=stdout, flush=True)
        while True:
            print("> ", end="", file=stdout, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line or line.strip().lower() in QUIT_WORDS:
                break
            output = await self.handle(line)
            if output:
                print(output, file=stdout, flush=True)
            found = await self.follow_up()
            if found:
                print(found, file=stdout, flush=True)
