"""/about: what the bot is, where the catalog's data comes from, under which licences (and TMDB's notice)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands import CommandContext, CommandSpec
from bot.i18n import _
from bot.replies import Reply, Text
from bot.sources.tmdb import ATTRIBUTION as TMDB_NOTICE


def about_text(enabled: list[str]) -> Text:
    """The /about reply. `enabled`: the online sources this bot is configured to use."""
    lines = [
        _("A film-club bot: look films up in any language, vote on movie nights. Open source (MIT)."),
        "",
        _("Where the catalog's data comes from:"),
        _(
            "• Starter catalog: Wikipedia's film lists (CC BY-SA 4.0, Wikipedia contributors) and bangumi-data "
            "(CC BY 4.0)."
        ),
        _("• Films added or edited by this bot's admins."),
        _(
            "• IMDb datasets, when an admin imported them: courtesy of IMDb (https://www.imdb.com), "
            "for personal and non-commercial use."
        ),
        _("• Wikidata (CC0), when enabled.") + (_(" Enabled.") if "Wikidata" in enabled else ""),
        _("• TMDB, when enabled.") + (_(" Enabled.") if "TMDB" in enabled else ""),
        "",
        TMDB_NOTICE,
        _("Each film card says in its footer which source its data came from."),
    ]
    return Text("\n".join(lines), title=_("About this bot"))


async def about(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return about_text(ctx.services.sources.enabled)


SPECS = [CommandSpec("about", "Where the film data comes from, and its licences", about)]
