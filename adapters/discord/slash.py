"""Slash commands generated from the command registry: a spec added in the core appears on Discord.

Mapping, in one place:
- a top-level spec -> `app_commands.Command`; specs with `group="movienight"` -> subcommands of an
  `app_commands.Group` named `movienight`.
- Discord cannot have `/film` as both a command and a group, so a registry group whose name equals a top-level
  command gets a suffix: `-admin` when every command in it is admin-only (`film` -> `/film-admin add`), else
  `-more`. `discord_group_name()` is the one place that decides it.
- Param kinds: text -> str (max_length), int -> int (min/max), bool -> bool, film -> str with autocomplete
  from the in-memory index (value `#<id>`), genre -> str with autocomplete from a cached genre list,
  choice -> str with fixed choices (autocomplete past Discord's 25).
- Every command gets an optional `ephemeral` option ("only you see the reply").
- Everyone's commands work in servers, DMs and group DMs, installed to a server or to a user. Admin-only ones
  are server-only with Manage Server as the default permission (server admins may change that in
  Integrations); the core still checks the permission level itself on every run (Manage Server is not the authority).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

import discord
from discord import app_commands

from adapters.discord.handlers import Handlers
from adapters.discord.text import plain
from bot.commands import CommandRegistry, CommandSpec, Param
from bot.films.genre_names import genre_label
from bot.films.service import FilmService, film_ref
from bot.i18n import current_language
from bot.i18n.command_text import choice_label

log = logging.getLogger(__name__)

EPHEMERAL = "ephemeral"
EPHEMERAL_HELP = "Only you see the reply"
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
DESCRIPTION_MAX = 100
TEXT_LENGTH_MAX = 6000
GENRE_TTL = 600.0

EVERYWHERE = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)
SERVERS_ONLY = app_commands.AppCommandContext(guild=True)
ANY_INSTALL = app_commands.AppInstallationType(guild=True, user=True)
SERVER_INSTALL = app_commands.AppInstallationType(guild=True)
ADMIN_PERMISSIONS = discord.Permissions(manage_guild=True)


def discord_group_name(group: str, registry: CommandRegistry) -> str:
    """The Discord name of a registry group (see the module docstring)."""
    top = {spec.name for spec in registry.top_level()}
    if group not in top:
        return group
    specs = registry.groups().get(group, [])
    suffix = "-admin" if specs and all(s.admin_only for s in specs) else "-more"
    return f"{group}{suffix}"[:32]


def group_description(group: str) -> str:
    """The description of a registry group's Discord command ("Movienight commands"); translated as a whole."""
    return plain(f"{group.replace('_', ' ').capitalize()} commands", DESCRIPTION_MAX)


@dataclass(frozen=True, slots=True)
class DiscordForm:
    """How one registry command looks on Discord when a plain option list is not the best form.

    `optional`: registry params that may be left out here (e.g. `details` of `film add`: left out, a modal
    asks for the fields); `hidden`: params not offered on Discord (a console-only path); `required`: optional
    params Discord must ask for (the file of `film import`, whose console path is hidden); `extra`: Discord-only
    options (name, annotation, description, required), e.g. an attachment; `run(interaction, args,
    ephemeral)` handles the call and returns True, or returns False to run the registry command as usual.
    """

    run: Callable[[discord.Interaction[Any], dict[str, Any], bool], Awaitable[bool]]
    optional: frozenset[str] = frozenset()
    hidden: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    extra: tuple[tuple[str, Any, str, bool], ...] = ()


class GenreCache:
    """Genres for autocomplete: loaded once, refreshed in the background when older than `ttl`."""

    def __init__(self, films: FilmService, ttl: float = GENRE_TTL) -> None:
        self.films = films
        self.ttl = ttl
        self._values: list[str] | None = None
        self._loaded_at = 0.0
        self._refreshing: asyncio.Task[None] | None = None

    async def refresh(self) -> None:
        self._values = sorted(set(await self.films.genres()), key=str.casefold)
        self._loaded_at = time.monotonic()

    async def values(self) -> list[str]:
        if self._values is None:
            await self.refresh()
        elif time.monotonic() - self._loaded_at > self.ttl and (self._refreshing is None or self._refreshing.done()):
            self._refreshing = asyncio.create_task(self.refresh())
        return self._values or []


class Autocomplete:
    """Autocomplete answers: the film index (never the database) and the genre cache."""

    def __init__(self, films: FilmService, genres: GenreCache) -> None:
        self.films = films
        self.genres = genres
        self.last_ms = 0.0

    def film_choices(self, current: str) -> list[app_commands.Choice[str]]:
        started = time.perf_counter()
        choices = [
            app_commands.Choice(name=plain(c.label, CHOICE_NAME_MAX) or film_ref(c.film_id), value=film_ref(c.film_id))
            for c in self.films.autocomplete(current, limit=CHOICES_MAX)[:CHOICES_MAX]
        ]
        self.last_ms = (time.perf_counter() - started) * 1000
        return choices

    async def film(self, interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        try:
            return self.film_choices(current)
        except Exception:
            log.exception("film autocomplete failed for %r", current[:100])
            return []

    async def genre(self, interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        try:
            values = await self.genres.values()
        except Exception:
            log.exception("genre autocomplete failed")
            return []
        return _filter(values, current, genre_label)

    def fixed(self, options: tuple[str, ...]) -> Callable[..., Any]:
        async def choose(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
            return _filter(list(options), current, lambda value: choice_label(value, current_language()))

        return choose


def _same(value: str) -> str:
    return value


def _filter(values: list[str], current: str, label: Callable[[str], str] = _same) -> list[app_commands.Choice[str]]:
    """Values whose name or label (a genre in the member's language) starts with, then contains, the typed text;
    shown by their label, sent as the value."""
    needle = " ".join(current.casefold().split())
    named = [(v, label(v)) for v in values]
    starts = [(v, n) for v, n in named if v.casefold().startswith(needle) or n.casefold().startswith(needle)]
    inside = [(v, n) for v, n in named if (needle in v.casefold() or needle in n.casefold()) and (v, n) not in starts]
    return [
        app_commands.Choice(name=plain(n, CHOICE_NAME_MAX), value=v[:CHOICE_NAME_MAX])
        for v, n in (starts + inside)[:CHOICES_MAX]
        if plain(n, CHOICE_NAME_MAX)
    ]


def _annotation(param: Param, required: bool | None = None) -> Any:
    if param.kind == "file":
        kind: Any = discord.Attachment
    elif param.kind == "bool":
        kind = bool
    elif param.kind == "int":
        kind = (
            app_commands.Range[int, param.min_value, param.max_value]
            if (param.min_value is not None or param.max_value is not None)
            else int
        )
    elif param.kind == "choice" and param.choices:
        kind = str
    else:
        kind = app_commands.Range[str, 1, min(max(param.max_length, 1), TEXT_LENGTH_MAX)]
    required = param.required if required is None else required
    return kind if required else Optional[kind]  # noqa: UP045 - discord.py reads typing.Optional


class SlashBuilder:
    """Turns registry specs into app_commands objects bound to the adapter's handlers."""

    def __init__(
        self,
        registry: CommandRegistry,
        handlers: Handlers,
        autocomplete: Autocomplete,
        forms: Mapping[str, DiscordForm] | None = None,
    ) -> None:
        self.registry = registry
        self.handlers = handlers
        self.autocomplete = autocomplete
        self.forms = dict(forms or {})

    def build(self) -> list[app_commands.Command[Any, ..., Any] | app_commands.Group]:
        out: list[app_commands.Command[Any, ..., Any] | app_commands.Group] = []
        for spec in self.registry.top_level():
            command = self.command(spec)
            if spec.admin_only:
                command.default_permissions = ADMIN_PERMISSIONS
            command.allowed_contexts = SERVERS_ONLY if spec.admin_only else EVERYWHERE
            command.allowed_installs = SERVER_INSTALL if spec.admin_only else ANY_INSTALL
            out.append(command)
        for group, specs in self.registry.groups().items():
            admin = all(s.admin_only for s in specs)
            parent = app_commands.Group(
                name=discord_group_name(group, self.registry),
                description=group_description(group),
                default_permissions=ADMIN_PERMISSIONS if admin else None,
                allowed_contexts=SERVERS_ONLY if admin else EVERYWHERE,
                allowed_installs=SERVER_INSTALL if admin else ANY_INSTALL,
            )
            for spec in specs[:25]:
                parent.add_command(self.command(spec, parent))
            out.append(parent)
        return out

    def command(
        self, spec: CommandSpec, parent: app_commands.Group | None = None
    ) -> app_commands.Command[Any, ..., Any]:
        callback = self._callback(spec)
        form = self.forms.get(spec.full_name)
        hidden = form.hidden if form else frozenset()
        descriptions = {
            p.name: plain(p.summary, DESCRIPTION_MAX) or p.name for p in spec.params if p.name not in hidden
        }
        for name, _, summary, _ in form.extra if form else ():
            descriptions[name] = plain(summary, DESCRIPTION_MAX) or name
        if EPHEMERAL not in descriptions:
            descriptions[EPHEMERAL] = EPHEMERAL_HELP
        callback = app_commands.describe(**descriptions)(callback)
        completers: dict[str, Any] = {}
        fixed: dict[str, list[app_commands.Choice[str]]] = {}
        for p in spec.params:
            if p.name in hidden:
                continue
            if p.kind == "film":
                completers[p.name] = self.autocomplete.film
            elif p.kind == "genre":
                completers[p.name] = self.autocomplete.genre
            elif p.kind == "choice" and p.choices:
                if len(p.choices) <= CHOICES_MAX:
                    fixed[p.name] = [app_commands.Choice(name=c[:CHOICE_NAME_MAX], value=c) for c in p.choices]
                else:
                    completers[p.name] = self.autocomplete.fixed(p.choices)
        if completers:
            callback = app_commands.autocomplete(**completers)(callback)
        if fixed:
            callback = app_commands.choices(**fixed)(callback)
        return app_commands.Command(
            name=spec.name,
            description=plain(spec.summary, DESCRIPTION_MAX),
            callback=callback,
            parent=parent,
            extras={"spec": spec.full_name},
        )

    def _callback(self, spec: CommandSpec) -> Callable[..., Any]:
        handlers = self.handlers
        names = {p.name for p in spec.params}
        form = self.forms.get(spec.full_name)

        async def callback(interaction: discord.Interaction[Any], **kwargs: Any) -> None:
            ephemeral = bool(kwargs.pop(EPHEMERAL, None)) if EPHEMERAL not in names else False
            if form is not None and await form.run(interaction, kwargs, ephemeral):
                return
            for name, *_ in form.extra if form else ():
                kwargs.pop(name, None)
            await handlers.run_command(interaction, spec, kwargs, ephemeral)

        # discord.py reads options from the signature; build one from the spec's params (required first).
        options: list[tuple[str, Any, bool]] = []
        for p in spec.params:
            if form is not None and p.name in form.hidden:
                continue
            required = (p.required and not (form is not None and p.name in form.optional)) or (
                form is not None and p.name in form.required
            )
            annotation = _annotation(p, required)
            options.append((p.name, annotation, required))
        for name, annotation, _, required in form.extra if form else ():
            options.append((name, annotation if required else Optional[annotation], required))  # noqa: UP045
        options.sort(key=lambda o: not o[2])
        params = [
            inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction)
        ]
        for name, annotation, required in options:
            default = inspect.Parameter.empty if required else None
            params.append(
                inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
            )
        if EPHEMERAL not in names:
            params.append(
                inspect.Parameter(
                    EPHEMERAL,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=None,
                    annotation=Optional[bool],  # noqa: UP045
                )
            )
        callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        return callback


def install(tree: app_commands.CommandTree[Any], builder: SlashBuilder) -> int:
    for command in builder.build():
        tree.add_command(command)
    return len(tree.get_commands())
