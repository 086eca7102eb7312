"""The `/movienight ...` commands: thin handlers from (actor, args) to the movie-night use-cases."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from bot.commands import CommandContext, CommandSpec, Param, Permission
from bot.polls import EXTRAS_KEY
from bot.polls.rules import MODES, Mode
from bot.polls.service import MAX_HOURS, MIN_HOURS, MovieNightService
from bot.polls.slate import SETTING_KEYS
from bot.replies import Problem, Reply


def movienight(ctx: CommandContext) -> MovieNightService:
    """The service wired by `bot.app.build_services` into ``services.extras["movienight"]``."""
    return cast(MovieNightService, ctx.services.extras[EXTRAS_KEY])


async def nominate(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await movienight(ctx).slate.nominate(ctx.actor, args["film"])


async def list_slate(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await movienight(ctx).slate.list(ctx.actor)


async def remove(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await movienight(ctx).slate.remove(ctx.actor, args["film"])


async def poll(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    mode = cast(Mode, args.get("mode") or "single")
    return await movienight(ctx).open_poll(ctx.actor, args.get("hours"), mode)


async def close(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    closed = await movienight(ctx).close((ctx.actor.platform, ctx.actor.chat_id), ctx.actor)
    return closed if isinstance(closed, Problem) else closed.announcement


async def watched(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await movienight(ctx).slate.watched(ctx.actor)


async def history(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await movienight(ctx).slate.history(ctx.actor)


async def suggest(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    genre: str | None = args.get("genre")
    minutes: int | None = args.get("max_minutes")
    if genre and genre.isdigit() and minutes is None:  # `/movienight suggest 120`: a runtime, not a genre
        minutes = int(genre)
        genre = None
    return await movienight(ctx).slate.suggest(ctx.actor, genre, minutes)


async def settings(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await movienight(ctx).slate.configure(ctx.actor, args["key"], args.get("value"))


_FILM = "Any title of the film (typos are fine) or #id"
G = "movienight"

SPECS = (
    CommandSpec(
        group=G, name="nominate", summary="Nominate a film for the group's next movie night", handler=nominate,
        params=(Param("film", _FILM, kind="film"),), examples=("/movienight nominate parasite",),
    ),
    CommandSpec(group=G, name="list", summary="Show the nominated films and who nominated them",
                handler=list_slate),
    CommandSpec(
        group=G, name="remove", summary="Take a film off the slate (its nominator or an admin)",
        handler=remove, params=(Param("film", _FILM, kind="film"),),
    ),
    CommandSpec(
        group=G, name="poll", summary="Open a vote on the nominated films", handler=poll,
        params=(
            Param("hours", "How long the vote stays open (default 24)", kind="int", required=False,
                  min_value=MIN_HOURS, max_value=MAX_HOURS),
            Param("mode", "single, multiple or ranked (Borda count)", kind="choice", required=False,
                  choices=MODES),
        ),
        examples=("/movienight poll", "/movienight poll 48 ranked"),
    ),
    CommandSpec(group=G, name="close", summary="Close the open vote now and announce the film (opener or admin)",
                handler=close),
    CommandSpec(group=G, name="watched", summary="Mark the last winning film as watched", handler=watched),
    CommandSpec(group=G, name="history", summary="List past movie nights with winners and counts",
                handler=history),
    CommandSpec(
        group=G, name="suggest", summary="Suggest unwatched films that fit a genre and a running time",
        handler=suggest,
        params=(
            Param("genre", "A genre such as drama", kind="genre", required=False),
            Param("max_minutes", "Longest running time in minutes", kind="int", required=False,
                  min_value=1, max_value=1000),
        ),
        examples=("/movienight suggest drama 120",),
    ),
    CommandSpec(
        group=G, name="settings", summary="Set the group's movie-night settings (admins)", handler=settings,
        permission=Permission.GROUP_ADMIN,
        params=(
            Param("key", "max_rating, poll_hours or carryover", kind="choice", choices=SETTING_KEYS),
            Param("value", "New value; 'none' clears it; empty shows it", required=False, max_length=40),
        ),
        examples=("/movienight settings max_rating PG-13",),
    ),
)  # fmt: skip
