"""Everyday film commands: /film, /search, /random, /help."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands import CommandContext, CommandSpec, Param
from bot.i18n import _, current_language
from bot.i18n.command_text import summary as command_summary
from bot.replies import Reply, Text
from bot.sources.online import mark_online


async def film(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    # A miss or an unsure picker: the adapter sends it, then asks the online sources (bot.sources.online).
    return mark_online(ctx.services, await ctx.services.films.lookup(args["title"], origin=ctx.actor.origin))


async def search(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return mark_online(ctx.services, await ctx.services.films.search(args["words"], origin=ctx.actor.origin))


async def random_film(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await ctx.services.films.random(args.get("genre"))


async def help_text(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    lines = []
    for spec in ctx.services.registry.visible_to(ctx.actor):
        lines.append(f"{spec.usage} — {command_summary(spec.summary, current_language())}")
    return Text(title=_("What I can do"), body="\n".join(lines))


SPECS = (
    CommandSpec(
        name="film",
        summary="Show a film's card: title, native title, cast, synopsis, trailer",
        handler=film,
        params=(Param("title", "Any title of the film: English, native, alternative; typos are fine", kind="film"),),
        examples=("/film miracle in cell no 7", "/film 7번방의 선물"),
    ),
    CommandSpec(
        name="search",
        summary="List films whose titles match some words",
        handler=search,
        params=(Param("words", "Words from the title"),),
        examples=("/search cell 7",),
    ),
    CommandSpec(
        name="random",
        summary="Suggest a random film, optionally of a genre",
        handler=random_film,
        params=(Param("genre", "A genre such as drama or comedy", kind="genre", required=False),),
        examples=("/random drama",),
    ),
    CommandSpec(name="help", summary="List the commands", handler=help_text),
)
