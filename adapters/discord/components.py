"""Buttons and select menus that survive restarts: everything they need is in their custom_id.

Each is a `discord.ui.DynamicItem` with a custom_id template, registered once with `add_dynamic_items`, so a
click on a message sent by an earlier process (or another shard) is understood with no per-process state.
The invoker's user id travels in the custom_id (`0` = anyone) so only they can use their picker; the film id
or the page and a compact form of the query travel with it. A "did you mean" picker raised by a one-film command
(`/movienight nominate parasite`) also carries that command's code (`CommandSpec.code`, 6 hex characters) after
the owner, so a choice re-runs the command with the film instead of opening its card. Every id stays within
Discord's 100 characters.

Clicks are handed to the client's `controller` (adapters/discord/handlers.py), so this module holds no logic.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Sequence
from typing import Any, Protocol

import discord

from adapters.discord.context import where
from adapters.discord.text import plain
from bot.i18n import _
from bot.replies import FilmChoice

log = logging.getLogger(__name__)

CUSTOM_ID_MAX = 100
LABEL_MAX = 100  # select option label / description
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25


class Controller(Protocol):
    """What a click needs from the adapter (implemented by handlers.Handlers)."""

    async def open_film(
        self, interaction: discord.Interaction[Any], owner: int, film_id: int, then: str | None = None
    ) -> None: ...

    async def open_page(
        self, interaction: discord.Interaction[Any], owner: int, page: int, query: str, cut: bool
    ) -> None: ...

    async def run_action(self, interaction: discord.Interaction[Any], kind: str, film_id: int) -> None: ...

    async def add_online(self, interaction: discord.Interaction[Any], ref: str) -> None: ...

    async def apologise(self, interaction: discord.Interaction[Any]) -> None: ...

    async def speak(self, interaction: discord.Interaction[Any]) -> str: ...


def controller(interaction: discord.Interaction[Any]) -> Controller:
    ctl: Controller = interaction.client.controller
    return ctl


async def guarded(interaction: discord.Interaction[Any], work: Awaitable[None]) -> None:
    """discord.py only logs a failing component callback (the user would see "This interaction failed")."""
    try:
        await controller(interaction).speak(interaction)
        await work
    except Exception:
        log.exception("component failed (%s)", where(interaction))
        await controller(interaction).apologise(interaction)


CODE = re.compile(r"[0-9a-f]{6}")
_THEN = r"(?::(?P<then>[0-9a-f]{6}))?"  # the command to re-run with the chosen film, if any


def _then(then: str | None) -> str:
    if then is None:
        return ""
    if not CODE.fullmatch(then):
        raise ValueError(f"not a command code: {then!r}")
    return f":{then}"


def pick_id(owner: int, then: str | None = None) -> str:
    return f"fb:pick:{owner}{_then(then)}"


def film_id_of(owner: int, film_id: int, then: str | None = None) -> str:
    return f"fb:film:{owner}:{film_id}{_then(then)}"


def page_id(owner: int, page: int, query: str) -> str:
    """`fb:page:<owner>:<page>:=<query>`; `~` instead of `=` marks a query cut to fit 100 characters."""
    head = f"fb:page:{owner}:{page}:"
    room = CUSTOM_ID_MAX - len(head) - 1
    if len(query) <= room:
        return f"{head}={query}"
    return f"{head}~{query[:room]}"


class PickSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"fb:pick:(?P<owner>\d{1,20})" + _THEN):
    """Choose one film of a list; the option value is the film id. `then`: a command code to re-run with it."""

    def __init__(
        self,
        owner: int,
        choices: Sequence[FilmChoice],
        placeholder: str = "Choose a film",
        *,
        then: str | None = None,
    ) -> None:
        options = [
            discord.SelectOption(
                label=plain(c.heading, LABEL_MAX) or f"#{c.film_id}",
                value=str(c.film_id),
                description=plain(c.detail, LABEL_MAX) or None,
            )
            for c in _unique(choices)[:SELECT_OPTIONS_MAX]
        ]
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=pick_id(owner, then), placeholder=placeholder, options=options
        )
        super().__init__(select)
        self.owner = owner
        self.then = then

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PickSelect:
        return cls(int(match["owner"]), (), then=match["then"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        values = self.item.values
        film_id = int(values[0]) if values and values[0].isdigit() else 0
        await guarded(interaction, controller(interaction).open_film(interaction, self.owner, film_id, self.then))


class FilmButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"fb:film:(?P<owner>\d{1,20}):(?P<film>\d{1,19})" + _THEN,
):
    """One button per near miss ("did you mean"): opens that film's card in place (or re-runs `then` with it)."""

    def __init__(self, owner: int, film_id: int, label: str = "Open", *, then: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                label=plain(label, BUTTON_LABEL_MAX) or _("Open"),
                custom_id=film_id_of(owner, film_id, then),
            )
        )
        self.owner = owner
        self.film_id = film_id
        self.then = then

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FilmButton:
        return cls(int(match["owner"]), int(match["film"]), then=match["then"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        ctl = controller(interaction)
        await guarded(interaction, ctl.open_film(interaction, self.owner, self.film_id, self.then))


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.compile(r"fb:page:(?P<owner>\d{1,20}):(?P<page>-?\d{1,6}):(?P<cut>[=~])(?P<query>.*)", re.S),
):
    """◀ / ▶ on a search result list: edits the same message to another page."""

    def __init__(self, owner: int, page: int, query: str, *, forward: bool, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.primary,
                label="▶" if forward else "◀",
                custom_id=page_id(owner, page, query),
                disabled=disabled,
            ),
            row=0,
        )
        self.owner = owner
        self.page = page
        self.query = query
        self.cut = False

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PageButton:
        button = cls(int(match["owner"]), int(match["page"]), "", forward=True)
        button.query = match["query"]
        button.cut = match["cut"] == "~"
        return button

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        ctl = controller(interaction)
        await guarded(interaction, ctl.open_page(interaction, self.owner, self.page, self.query, self.cut))


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"fb:act:(?P<kind>[a-z_]{1,24}):(?P<film>\d{1,19})",
):
    """A reply's action (Undo, Wrong film?): the kind names the core call, the id its film."""

    def __init__(self, kind: str, film_id: int, label: str = "Go") -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                label=plain(label, BUTTON_LABEL_MAX) or _("Go"),
                custom_id=f"fb:act:{kind}:{film_id}",
            )
        )
        self.kind = kind
        self.film_id = film_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ActionButton:
        return cls(match["kind"], int(match["film"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await guarded(interaction, controller(interaction).run_action(interaction, self.kind, self.film_id))


class AddButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"fb:add:(?P<ref>tmdb:\d{1,9}|wikidata:Q\d{1,12})",
):
    """Add a film an online source found under a miss: the custom_id carries its short ref, never a title."""

    def __init__(self, ref: str, label: str = "Add") -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.success,
                label=plain(label, BUTTON_LABEL_MAX) or _("Add"),
                custom_id=f"fb:add:{ref}",
            )
        )
        self.ref = ref

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AddButton:
        return cls(match["ref"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await guarded(interaction, controller(interaction).add_online(interaction, self.ref))


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    PickSelect,
    FilmButton,
    PageButton,
    ActionButton,
    AddButton,
)


def _unique(choices: Sequence[FilmChoice]) -> list[FilmChoice]:
    """Select option values must be unique."""
    seen: set[int] = set()
    out = []
    for c in choices:
        if c.film_id not in seen:
            seen.add(c.film_id)
            out.append(c)
    return out
