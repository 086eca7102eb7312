"""The `/film …` curation commands (group "film"). Commands that change the shared catalog need
`Permission.CATALOG_OWNER`; reading misses, reports and the log needs `GROUP_ADMIN` (scoped to the group).
The registry refuses others once, from the spec, before a handler runs. Handlers only unpack arguments and
call `Curation`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands import ArgumentError, CommandContext, CommandSpec, Param, Permission, Upload
from bot.curation.common import GROUP
from bot.curation.edits import EDIT_FIELDS
from bot.curation.service import curation_of
from bot.curation.transfer import import_local
from bot.i18n import _
from bot.replies import Problem, Reply

IMPORT_MAX_BYTES = 5 << 20  # an attached catalog file for /film import
PAGE_MAX_BYTES = 64 << 10  # a single film page (.txt) for /film add


async def add(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    """Typed details, else the attached film page (typed details win: a poster may come along)."""
    details = args.get("details")
    page: Upload | None = args.get("page")
    if details is None and page is not None:
        try:
            details = (await page.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            return Problem(_("{name} is not UTF-8 text; send the film page as a .txt file.", name=page.name[:100]))
    if details is None:
        spec = ctx.services.registry.get("add", GROUP)
        raise ArgumentError(
            _("Please give details — usage: {details}", details=spec.usage if spec else "/film add <details>")
        )
    return await curation_of(ctx.services).add_from_text(ctx.actor, details)


async def edit(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await curation_of(ctx.services).edit(ctx.actor, args["film"], args["field"], args["value"])


async def alias(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await curation_of(ctx.services).alias(ctx.actor, args["film"], args["alias"])


async def unalias(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await curation_of(ctx.services).unalias(ctx.actor, args["film"], args["alias"])


async def remove(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await curation_of(ctx.services).remove(ctx.actor, args["film"])


async def restore(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await curation_of(ctx.services).restore(ctx.actor, args["film"])


async def import_file(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    """The attached file (all or nothing); the console may name a local file instead."""
    upload: Upload | None = args.get("file")
    if upload is not None:
        return await curation_of(ctx.services).import_upload(ctx.actor, upload.name, await upload.read())
    path = args.get("path")
    if path is None:
        return Problem(
            _(
                "Attach the file to your /film import message: JSON Lines, JSON, CSV or film pages (.txt), "
                "optionally gzipped. Nothing is imported if any line is malformed."
            )
        )
    return await import_local(curation_of(ctx.services), ctx.actor, path)


async def export(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await curation_of(ctx.services).export(ctx.actor)


async def log(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await curation_of(ctx.services).log(ctx.actor, args.get("film"))


async def misses(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await curation_of(ctx.services).top_misses(ctx.actor)


async def reports(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await curation_of(ctx.services).reports(ctx.actor)


async def resolve_report(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await curation_of(ctx.services).resolve_report(ctx.actor, args["report"])


FILM = Param("film", "The film: pick from the list, or #id", kind="film")


def _spec(
    name: str,
    summary: str,
    handler: Any,
    *params: Param,
    examples: tuple[str, ...] = (),
    permission: Permission = Permission.CATALOG_OWNER,
    slow: bool = False,
) -> CommandSpec:
    return CommandSpec(
        name=name,
        group=GROUP,
        summary=summary,
        handler=handler,
        params=params,
        permission=permission,
        examples=examples,
        slow=slow,
    )


SPECS = (
    _spec(
        "add",
        "Add a film from Key: Value lines (Title, Year, Native Title, Genre, Duration…) or a film page",
        add,
        Param(
            "details",
            "Title: … Year: … Genre: … (or paste a whole film page)",
            required=False,
            max_length=8000,
            multiline=True,
        ),
        Param("page", "A film page as a .txt file", kind="file", required=False, max_bytes=PAGE_MAX_BYTES),
        examples=("/film add Title: Parasite Year: 2019 Native Title: 기생충 Genre: Drama, Thriller",),
    ),
    _spec(
        "edit",
        "Change a field; add_cast/remove_cast/add_alt/remove_alt one at a time; - clears",
        edit,
        FILM,
        Param("field", "What to change", kind="choice", choices=EDIT_FIELDS),
        Param("value", "The new value (lists comma-separated; cast as “Name as Character”)", max_length=4000),
        examples=(
            "/film edit #12 year 2013",
            "/film edit #12 add_cast Ryu Seung-ryong as Lee Yong-gu",
            "/film edit #12 remove_alt December 23",
            "/film edit #12 trailer_url -",
        ),
    ),
    _spec(
        "alias",
        "Make a title find this film first (pins an ambiguous query to it)",
        alias,
        FILM,
        Param("alias", "The title or query that should find the film"),
        examples=("/film alias #12 miracle cell",),
    ),
    _spec(
        "unalias",
        "Remove an alias from a film",
        unalias,
        FILM,
        Param("alias", "The alias to remove"),
    ),
    _spec(
        "remove",
        "Remove a film from the catalog (it can be restored)",
        remove,
        FILM,
        examples=("/film remove #12",),
    ),
    _spec(
        "restore",
        "Bring back a removed film",
        restore,
        Param("film", "#id of the removed film (or its exact title)"),
        examples=("/film restore #12",),
    ),
    _spec(
        "import",
        "Import films from an attached file (JSONL, JSON, CSV, film pages); all or nothing",
        import_file,
        Param("path", "Console only: a file on this machine", required=False, max_length=1000),
        Param(
            "file",
            "The file: JSON Lines, JSON, CSV or film pages (.txt), optionally .gz; up to 5 MB",
            kind="file",
            required=False,
            max_bytes=IMPORT_MAX_BYTES,
        ),
    ),
    _spec("export", "Export the whole catalog as a JSON Lines file", export, slow=True),
    _spec(
        "log",
        "Who changed what and when: the whole catalog, or one film",
        log,
        Param("film", "Only this film's changes", kind="film", required=False),
        permission=Permission.GROUP_ADMIN,
    ),
    _spec(
        "misses",
        "The most frequent recent searches that found nothing",
        misses,
        permission=Permission.GROUP_ADMIN,
    ),
    _spec("reports", "Open “wrong film?” reports from users", reports, permission=Permission.GROUP_ADMIN),
    _spec(
        "resolve_report",
        "Close a “wrong film?” report",
        resolve_report,
        Param("report", "The report number", kind="int", min_value=1),
    ),
)
