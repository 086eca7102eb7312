"""The one command registry every adapter is built from.

A `CommandSpec` names a command, says what it does in one line, lists typed params and who may run it (a
`Permission` level), and points at the use-case. Discord slash commands, Telegram's `/` menu, the console chat and
`/help` are all generated from these specs, so a command added here appears everywhere.

Commands may sit in a group (`/movienight nominate`): `group="movienight", name="nominate"`.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import logging
import re
import shlex
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bot.i18n import _, choose_language, normalize_language, speaking
from bot.ratelimit import RateLimiter
from bot.replies import FilmCard, FilmList, Problem, Reply, Rerun
from bot.text import clean_multiline, clean_text

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

NAME_PATTERN = re.compile(r"^[a-z0-9_]{1,32}$")
MAX_ARG_CHARS = 500
LOOKUP = "film"  # the command plain text means: a film lookup

Platform = Literal["discord", "telegram", "console", "cli"]
LOCAL_PLATFORMS = frozenset({"console", "cli"})  # the machine's own user: never rate limited


CatalogEditors = Literal["owners", "group_admins"]


class Permission(enum.IntEnum):
    """Who may run a command. The bot is public: anyone can add it to a group they administer.

    MEMBER: anyone. GROUP_ADMIN: an admin of the chat the command is run in (its movie nights, its view of
    misses and reports), or a catalog owner. CATALOG_OWNER: changes the catalog every chat shares; only the
    owners named in settings (and the local console/CLI) — or any group admin when the operator sets
    `CATALOG_EDITORS=group_admins` for a single private club.
    """

    MEMBER = 0
    GROUP_ADMIN = 1
    CATALOG_OWNER = 2


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asked, where. The adapter decides the two flags from platform facts and settings:
    `is_group_admin` (an admin of this chat: Telegram chat administrator, Discord Manage Server or a
    configured role) and `is_owner` (a catalog owner id from settings; the console and CLI user). `language`
    and `chat_language` are what the platform says of the member's and the chat's language; the registry
    chooses the reply's language from them (`CommandRegistry.language_for`)."""

    platform: str
    user_id: str
    chat_id: str
    is_group_admin: bool = False
    display_name: str | None = None
    is_owner: bool = False
    language: str | None = None  # the member's platform locale ("ko", "ja-JP", "en-US"; None: unknown)
    chat_language: str | None = None  # the platform's default for the chat (Discord's guild locale)

    @property
    def is_admin(self) -> bool:
        """May manage this chat (its movie nights): its admins, or a catalog owner."""
        return self.is_group_admin or self.is_owner

    @property
    def origin(self) -> tuple[str, str]:
        """Where the request came from: (platform, chat id) — the scope of a group admin's view."""
        return (self.platform[:20], self.chat_id[:64])


def permitted(actor: Actor, level: Permission, editors: CatalogEditors = "owners") -> bool:
    """The one permission rule (the registry and direct adapter calls both ask it)."""
    if level is Permission.MEMBER or actor.is_owner:
        return True
    if level is Permission.GROUP_ADMIN:
        return actor.is_group_admin
    return editors == "group_admins" and actor.is_group_admin


def sees_everything(actor: Actor, editors: CatalogEditors = "owners") -> bool:
    """Whether the actor's view of misses, reports and the audit log spans every chat (catalog editors do;
    a group's admins see only what came from their own chat)."""
    return permitted(actor, Permission.CATALOG_OWNER, editors)


def refusal(spec_name: str, level: Permission) -> Problem:
    """The friendly refusal for a command the actor may not run; nothing was changed."""
    if level is Permission.CATALOG_OWNER:
        return Problem(
            _(
                "Only the bot's catalog owners can use /{spec_name}: the film catalog is shared by every chat "
                "the bot is in.",
                spec_name=spec_name,
            ),
            kind="forbidden",
            hint=_("Ask a catalog owner, or suggest a fix with the “Wrong film?” button on a card."),
        )
    return Problem(_("Only this chat's admins can use /{spec_name}.", spec_name=spec_name), kind="forbidden")


ParamKind = Literal["text", "int", "bool", "film", "genre", "choice", "file"]


@dataclass(frozen=True, slots=True)
class Param:
    """A typed parameter. `film` params accept a film id (from autocomplete/pickers) or a fuzzy title; `file`
    params an attached `Upload` (never typed text) of at most `max_bytes`."""

    name: str
    summary: str
    kind: ParamKind = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    max_length: int = 200
    multiline: bool = False  # keep line breaks (a pasted film page), still dropping control characters
    max_bytes: int = 0  # `file` params: the largest upload taken

    def __post_init__(self) -> None:
        if self.kind == "file" and (self.required or self.max_bytes <= 0):
            raise ValueError(f"file param {self.name!r} must be optional and declare max_bytes")


class UploadTooLarge(Exception):
    """Raised by an adapter's download when the platform says the file is bigger than the limit it was given."""

    def __init__(self, size: int | None = None) -> None:
        super().__init__(size)
        self.size = size


@dataclass(frozen=True, slots=True)
class Upload:
    """A file attached to a command, not downloaded yet: the adapter gives its name, the size the platform
    declares (None when unknown) and `fetch(limit)`, a download of at most `limit` bytes. The core binds the
    param's `max_bytes` as `limit` after the permission check, so nobody else makes the bot download, and a
    handler reads the bytes only if it needs them (`await upload.read()`)."""

    name: str
    size: int | None
    fetch: Callable[[int], Awaitable[bytes]]
    limit: int = 0

    async def read(self) -> bytes:
        """The bytes, or ArgumentError (a friendly refusal) when the file is bigger than the limit."""
        try:
            data = await self.fetch(self.limit)
        except UploadTooLarge as exc:
            raise too_large(self.name, exc.size if exc.size is not None else self.limit + 1, self.limit) from None
        if len(data) > self.limit:
            raise too_large(self.name, len(data), self.limit)
        return data


def _size_text(size: int) -> str:
    if size >= 1 << 20:
        return f"{size >> 20} MB" if size % (1 << 20) == 0 else f"{size / 1048576:.1f} MB"
    return f"{size >> 10} KB" if size >= 1 << 10 else f"{size} bytes"


def too_large(name: str, size: int, limit: int) -> ArgumentError:
    return ArgumentError(
        _(
            "{name} is too large ({size}); I take files up to {limit} here.",
            name=name[:100],
            size=_size_text(size),
            limit=_size_text(limit),
        ),
        hint=_("Split it into smaller files, gzip it (.jsonl.gz), or import it with `filmbot import` on the server."),
    )


@dataclass(frozen=True, slots=True)
class CommandContext:
    actor: Actor
    services: Services


Handler = Callable[[CommandContext, Mapping[str, Any]], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    summary: str
    handler: Handler
    params: tuple[Param, ...] = ()
    permission: Permission = Permission.MEMBER
    group: str | None = None
    examples: tuple[str, ...] = field(default=())
    slow: bool = False  # takes seconds (an export): adapters acknowledge before running it
    # Open to every member, but an admin may do more (close someone else's vote, unnominate someone's film):
    # adapters for which admin status costs a request (Telegram's getChatMember) fetch it for these too.
    admin_aware: bool = False

    def __post_init__(self) -> None:
        for part in (self.name, self.group or "x"):
            if not NAME_PATTERN.match(part):
                raise ValueError(f"command name {part!r} must match {NAME_PATTERN.pattern}")
        if not 1 <= len(self.summary) <= 100:
            raise ValueError(f"summary of {self.name!r} must be 1-100 characters")

    @property
    def typed_params(self) -> tuple[Param, ...]:
        """The params a text command line fills (files are attached, not typed)."""
        return tuple(p for p in self.params if p.kind != "file")

    @property
    def admin_only(self) -> bool:
        """Not for every member (adapters hide such commands from members' menus; the core still checks)."""
        return self.permission is not Permission.MEMBER

    @property
    def asks_admin(self) -> bool:
        """Whether the answer can depend on the actor being an admin: the adapter must say if they are."""
        return self.admin_only or self.admin_aware

    @property
    def full_name(self) -> str:
        return f"{self.group} {self.name}" if self.group else self.name

    @property
    def film_param(self) -> Param | None:
        """The one film this command is about, when a picked film is all it needs (re-runnable from a picker)."""
        films = [p for p in self.params if p.kind == "film"]
        others = [p for p in self.params if p.required and p.kind != "film"]
        return films[0] if len(films) == 1 and not others else None

    @property
    def code(self) -> str:
        """A short stable code naming this command in button data (callback data has only 64 bytes)."""
        return hashlib.sha1(self.full_name.encode()).hexdigest()[:6]

    @property
    def file_param(self) -> Param | None:
        """Where an attached file goes, when the command takes one."""
        return next((p for p in self.params if p.kind == "file"), None)

    @property
    def usage(self) -> str:
        parts = [f"/{self.full_name}"]
        for p in self.typed_params:
            parts.append(f"<{p.name}>" if p.required else f"[{p.name}]")
        return " ".join(parts)


class ArgumentError(ValueError):
    """Arguments a user typed that do not fit the command; the message (and hint) is shown to them."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def coerce_args(spec: CommandSpec, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check and convert arguments against the spec; raises ArgumentError with a friendly message."""
    out: dict[str, Any] = {}
    for p in spec.params:
        value = raw.get(p.name)
        if isinstance(value, str):
            value = clean_multiline(value) if p.multiline else clean_text(value)
            if value == "":
                value = None
        if value is None:
            if p.required:
                raise ArgumentError(_("Please give {name} — usage: {usage}", name=p.name, usage=spec.usage))
            continue
        if p.kind == "file":
            if not isinstance(value, Upload):
                raise ArgumentError(_("Attach the file for {name} to your message.", name=p.name))
            if value.size is not None and value.size > p.max_bytes:
                raise too_large(value.name, value.size, p.max_bytes)
            out[p.name] = dataclasses.replace(value, limit=p.max_bytes)
        elif p.kind == "int":
            out[p.name] = _whole_number(p, value)
        elif p.kind == "bool":
            if isinstance(value, bool):
                out[p.name] = value
            elif str(value).lower() in {"1", "yes", "true", "on", "y"}:
                out[p.name] = True
            elif str(value).lower() in {"0", "no", "false", "off", "n"}:
                out[p.name] = False
            else:
                raise ArgumentError(_("{name} must be yes or no", name=p.name))
        else:
            text = str(value)
            if len(text) > p.max_length:
                raise ArgumentError(
                    _(
                        "{name} is too long ({count} characters; at most {max_length})",
                        name=p.name,
                        count=len(text),
                        max_length=p.max_length,
                    )
                )
            if p.choices and text.lower() not in p.choices:
                raise ArgumentError(_("{name} must be one of: {choices}", name=p.name, choices=", ".join(p.choices)))
            out[p.name] = text.lower() if p.choices else text
    return out


def _whole_number(p: Param, value: Any) -> int:
    """The int a user typed for `p`, or an ArgumentError saying what the number must be."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    low, high = p.min_value, p.max_value
    if number is not None and (low is None or number >= low) and (high is None or number <= high):
        return number
    if low is not None and high is not None:
        what = _("a whole number from {low} to {high}", low=low, high=high)
    elif low is not None:
        what = _("a whole number of at least {low}", low=low)
    elif high is not None:
        what = _("a whole number of at most {high}", high=high)
    else:
        what = _("a whole number")
    raise ArgumentError(_("{name}: {what} (not {value!r})", name=p.name, what=what, value=str(value)[:30]))


class CommandRegistry:
    """All commands, looked up by (group, name). Runs a command with the permission check done once, here."""

    def __init__(
        self,
        specs: Iterable[CommandSpec],
        *,
        catalog_editors: CatalogEditors = "owners",
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.catalog_editors: CatalogEditors = catalog_editors  # the CATALOG_EDITORS setting
        self.rate_limiter = rate_limiter  # None: no limit (tests, the CLI)
        # Called after every command with (full name, outcome, seconds): metrics hang here (bot.ops.metrics).
        self.observers: list[Callable[[str, str, float], None]] = []
        self._specs: dict[tuple[str | None, str], CommandSpec] = {}
        for spec in specs:
            key = (spec.group, spec.name)
            if key in self._specs:
                raise ValueError(f"duplicate command {spec.full_name!r}")
            self._specs[key] = spec

    def __iter__(self) -> Any:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def get(self, name: str, group: str | None = None) -> CommandSpec | None:
        return self._specs.get((group, name))

    def by_full_name(self, full_name: str) -> CommandSpec | None:
        group, _, name = full_name.rpartition(" ")
        return self.get(name, group or None)

    def by_code(self, code: str) -> CommandSpec | None:
        return next((spec for spec in self._specs.values() if spec.code == code), None)

    async def run_with_film(self, command: str, ctx: CommandContext, film_id: int) -> Reply:
        """Re-run the command a picker came from (its `Rerun` code or full name), now with the chosen film."""
        spec = self.by_code(command) or self.by_full_name(command)
        if spec is None or spec.film_param is None:
            return Problem(_("That button belongs to a command I no longer have. Please run it again."))
        return await self.run(spec, ctx, {spec.film_param.name: f"#{film_id}"})

    def groups(self) -> dict[str, list[CommandSpec]]:
        """Subcommands by group name, in registration order."""
        out: dict[str, list[CommandSpec]] = {}
        for spec in self._specs.values():
            if spec.group:
                out.setdefault(spec.group, []).append(spec)
        return out

    def top_level(self) -> list[CommandSpec]:
        return [s for s in self._specs.values() if s.group is None]

    def allows(self, actor: Actor, level: Permission) -> bool:
        """The permission rule under this deployment's CATALOG_EDITORS setting."""
        return permitted(actor, level, self.catalog_editors)

    def visible_to(self, actor: Actor) -> list[CommandSpec]:
        return [s for s in self._specs.values() if self.allows(actor, s.permission)]

    def resolve_text(self, line: str) -> tuple[CommandSpec, dict[str, str]] | Problem:
        """Parse a text command (`/film miracle`, `/movienight nominate parasite`, `/film@bot x`).

        The last text-like param takes the rest of the line. Several params may be quoted or separated
        with `|`: `/film edit "miracle in cell" runtime 127` or `/film edit miracle in cell | runtime | 127`.
        """
        line = line.strip()
        if not line.startswith("/"):
            return Problem(_("Commands start with / — try /help."))
        head, rest = _first_word(line[1:])
        name = head.split("@", 1)[0].lower()
        sub, sub_rest = _first_word(rest)
        spec = self.get(sub.lower(), group=name) if sub else None
        if spec is not None:
            rest = sub_rest
        else:
            spec = self.get(name)
            if spec is None:
                if name in self.groups():
                    subs = ", ".join(s.name for s in self.groups()[name])
                    return Problem(_("/{name} needs one of: {subs}.", name=name, subs=subs))
                return Problem(_("I don't know /{name}. Try /help to see what I can do.", name=name[:32]))
        return spec, split_args(spec, rest)

    def _rate_limited(self, actor: Actor) -> Problem | None:
        """One polite answer when a member goes over their rate, then silence until their bucket refills."""
        if self.rate_limiter is None or _unlimited(actor):
            return None
        decision = self.rate_limiter.take(actor.platform, actor.user_id)
        if decision.verdict == "allowed":
            return None
        if decision.verdict == "warn":
            log.info("rate limited user %s on %s chat %s", actor.user_id, actor.platform, actor.chat_id)
        wait = decision.retry_after
        return Problem(
            _(
                "You're sending commands faster than I answer them — please slow down and try again in {wait} s.",
                wait=wait,
            ),
            kind="rate_limited",
            silent=decision.verdict == "silent",
        )

    async def language_for(self, actor: Actor, services: Services | None) -> str:
        """The language of a reply to `actor`: the member's platform locale, else the group's setting
        (`/settings language`), else the chat's platform default (Discord's guild locale), else English.
        Adapters speak it around every request that does not come through `run`/`handle` (buttons,
        autocomplete) and around their rendering: `with speaking(await registry.language_for(actor, services))`.
        """
        member = normalize_language(actor.language)
        languages = getattr(services, "languages", None) if services is not None else None
        if member is not None and actor.chat_language is None:
            return member
        if languages is None:
            return choose_language(member, actor.chat_language)
        try:
            if actor.chat_language is not None:
                await languages.note_default(actor.platform, actor.chat_id, actor.chat_language)
            if member is not None:
                return member
            found = await languages.of(actor.platform, actor.chat_id)
        except Exception:  # the database is away: the platform's own facts still choose
            log.warning("could not read the language of %s chat %s", actor.platform, actor.chat_id, exc_info=True)
            return choose_language(member, actor.chat_language)
        return choose_language(found.setting, actor.chat_language, found.default)

    async def run(self, spec: CommandSpec, ctx: CommandContext, raw_args: Mapping[str, Any]) -> Reply:
        """Run a command (see `_run`) in the actor's language (`language_for`) and tell the observers its
        outcome: ok, problem or error."""
        started = time.perf_counter()
        with speaking(await self.language_for(ctx.actor, ctx.services)):
            reply = await self._with_local_titles(await self._run(spec, ctx, raw_args), ctx.services)
        if self.observers:
            outcome = "ok" if not isinstance(reply, Problem) else "error" if reply.kind == "error" else "problem"
            elapsed = time.perf_counter() - started
            for observe in self.observers:
                observe(spec.full_name, outcome, elapsed)
        return reply

    async def _with_local_titles(self, reply: Reply, services: Services | None) -> Reply:
        """Every picker line of a command's reply shows the film's title in the reply's language, as its card
        does (bot.films.localize); a store that cannot be read leaves the display titles."""
        catalog = getattr(services, "catalog", None)
        if catalog is None or not isinstance(reply, FilmList | FilmCard):
            return reply
        from bot.films.localize import with_local_titles

        try:
            return await with_local_titles(reply, catalog.films)
        except Exception:
            log.warning("could not read the local titles of a %s", type(reply).__name__, exc_info=True)
            return reply

    async def _run(self, spec: CommandSpec, ctx: CommandContext, raw_args: Mapping[str, Any]) -> Reply:
        """Run a command: permission check from the spec, argument checks, then the use-case.

        Errors a user caused come back as a Problem; our own errors are logged with the command, platform
        and chat, and answered with a short apology.
        """
        if (limited := self._rate_limited(ctx.actor)) is not None:
            return limited
        if not self.allows(ctx.actor, spec.permission):
            log.info(
                "refused %s command %s for user %s on %s chat %s",
                spec.permission.name,
                spec.full_name,
                ctx.actor.user_id,
                ctx.actor.platform,
                ctx.actor.chat_id,
            )
            return refusal(spec.full_name, spec.permission)
        try:
            args = coerce_args(spec, raw_args)
            reply = await spec.handler(ctx, args)
        except ArgumentError as exc:
            return Problem(str(exc), hint=exc.hint)
        except Exception:
            log.exception(
                "command %s failed (platform=%s chat=%s user=%s)",
                spec.full_name,
                ctx.actor.platform,
                ctx.actor.chat_id,
                ctx.actor.user_id,
            )
            return Problem(_("Sorry, something went wrong on my side. Please try again in a moment."), kind="error")
        if isinstance(reply, FilmList) and reply.kind == "did_you_mean" and reply.rerun is None and _reruns(spec):
            reply = dataclasses.replace(reply, rerun=Rerun(spec.full_name, spec.code))
        return reply

    async def handle(
        self,
        line: str,
        services: Services,
        actor: Actor | Callable[[CommandSpec], Awaitable[Actor]],
        *,
        upload: Upload | None = None,
        quiet: bool = False,
    ) -> Reply:
        """One typed request, start to end; the reply is final (ready to render).

        A line starting with `/` is a command (`resolve_text`); any other text is a film lookup (so a title
        such as "Import Two" is never taken for `/film import`). `actor` may be a callback given the command,
        so an adapter asks its platform for the sender's admin rights only when the command needs them.
        `upload`, a file sent with the line, goes to the command's file param. `quiet` (a group shared with
        other bots): a line naming no command of ours gets a silent Problem, not an answer.
        """
        if isinstance(actor, Actor):  # a line that names no command is answered in the actor's language too
            with speaking(await self.language_for(actor, services)):
                resolved = self._resolve(line)
        else:  # the adapter speaks the member's language around the call (the actor needs the command)
            resolved = self._resolve(line)
        if isinstance(resolved, Problem):
            return dataclasses.replace(resolved, silent=True) if quiet else resolved
        spec, raw = resolved
        args: dict[str, Any] = dict(raw)
        if upload is not None and (param := spec.file_param) is not None:
            args[param.name] = upload
        who = actor if isinstance(actor, Actor) else await actor(spec)
        return await self.run(spec, CommandContext(actor=who, services=services), args)

    def _resolve(self, line: str) -> tuple[CommandSpec, dict[str, str]] | Problem:
        text = line.strip()
        lookup = self.by_full_name(LOOKUP)
        if text.startswith("/") or lookup is None or not lookup.typed_params:
            return self.resolve_text(text if text.startswith("/") else f"/{LOOKUP} {text}")
        return lookup, {lookup.typed_params[0].name: text}


def _reruns(spec: CommandSpec) -> bool:
    """A picker from this command re-runs it with the choice (a `/film` picker just opens the card)."""
    return spec.film_param is not None and spec.full_name != LOOKUP


def _unlimited(actor: Actor) -> bool:
    return actor.platform in LOCAL_PLATFORMS


def _first_word(text: str) -> tuple[str, str]:
    """Split off the first word at any whitespace (a pasted page may start on the next line)."""
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0], (parts[1].strip() if len(parts) > 1 else "")


def split_args(spec: CommandSpec, rest: str) -> dict[str, str]:
    """Split the text after a command into its params; the last param takes whatever is left."""
    params = list(spec.typed_params)
    if not params or not rest:
        return {}
    if len(params) == 1:
        return {params[0].name: rest}
    if "|" in rest:
        pieces = [p.strip() for p in rest.split("|")]
    else:
        try:
            pieces = shlex.split(rest)
        except ValueError:
            pieces = rest.split()
    out: dict[str, str] = {}
    # Params are filled in order and the last one takes the rest; an optional param is skipped only when the
    # next word cannot be it but can be a later one, so `/movienight poll ranked` means mode=ranked with the
    # default hours, while `/movienight poll 0.01` is a (bad) number of hours, answered as such.
    for i, param in enumerate(params):
        if not pieces:
            break
        if i == len(params) - 1:
            out[param.name] = " ".join(pieces)
            pieces = []
        elif param.required or _fits(param, pieces[0]) or not any(_fits(p, pieces[0]) for p in params[i + 1 :]):
            out[param.name] = pieces.pop(0)
    return out


def _fits(param: Param, word: str) -> bool:
    if param.kind == "int":
        return word.lstrip("+-").isdigit()
    if param.kind == "bool":
        return word.lower() in {"1", "0", "yes", "no", "true", "false", "on", "off", "y", "n"}
    if param.kind == "choice":
        return word.lower() in param.choices
    return True
