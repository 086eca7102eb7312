"""Button ballots for movie nights Discord's native poll cannot hold (ranked mode, more than 10 films).

One UX for every mode, so members learn it once: one button per film, numbered like the list above them.
- single: click a film to vote for it (another click on it retracts; a click on another film moves the vote);
- multiple: each click approves or un-approves a film;
- ranked: click films in order of preference (first click = 1st choice, up to 5); clicking a ranked film
  takes it out of the ranking.
Every click is answered ephemerally with the receipt and the member's ballot as it now stands, so nobody
has to remember what they clicked. With room left (20 films or fewer) a last row offers "My ballot" and
"Clear my vote".

custom_id `mn:<poll_id>:<film_id>` (or `:me` / `:clear`): a click after a restart or on another shard works.
When the poll closes the message is edited to `closed_ballot_embed` with no buttons (see movienight.py).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Protocol

import discord

from adapters.discord.components import BUTTON_LABEL_MAX, guarded
from adapters.discord.text import md, plain
from bot.i18n import N_, _
from bot.replies import PollCard

COLOUR = discord.Colour(0xE5A00D)
CLOSED_COLOUR = discord.Colour(0x95A5A6)
BALLOT_CLOSED = N_("🔒 Voting is closed — see the result below.")
BUTTONS_MAX = 25
CONTROL_ROW_ROOM = 20  # film buttons that still leave a fifth row for "My ballot" / "Clear my vote"
HOW = {
    "single": N_("Click the film you want to watch. Click it again to take your vote back."),
    "multiple": N_("Click every film you would watch; click again to un-pick one."),
    "ranked": N_(
        "Click films in order of preference: your first click is your 1st choice (up to {n}). "
        "Click a ranked film again to take it out. Scored by Borda count."
    ),
}


class BallotController(Protocol):
    async def ballot_click(self, interaction: discord.Interaction[Any], poll_id: int, what: str) -> None: ...


def ballot_id(poll_id: int, what: int | str) -> str:
    return f"mn:{poll_id}:{what}"


class BallotButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mn:(?P<poll>\d{1,12}):(?P<what>\d{1,19}|me|clear)",
):
    """A film on a ballot, or one of the two controls; the click goes to the client's `movienights`."""

    def __init__(self, poll_id: int, what: str, label: str = "Vote", style: discord.ButtonStyle | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                style=style or discord.ButtonStyle.primary,
                label=plain(label, BUTTON_LABEL_MAX) or "Vote",
                custom_id=ballot_id(poll_id, what),
            )
        )
        self.poll_id = poll_id
        self.what = what

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> BallotButton:
        return cls(int(match["poll"]), match["what"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        ctl: BallotController = interaction.client.movienights
        await guarded(interaction, ctl.ballot_click(interaction, self.poll_id, self.what))


def ballot_embed(card: PollCard) -> discord.Embed:
    embed = discord.Embed(title=md(card.question, 256), colour=COLOUR)
    lines = [f"{n}. {md(o.label, 150)}" for n, o in enumerate(card.options, start=1)]
    how = _(HOW.get(card.mode, HOW["single"]), n=card.max_choices)
    embed.description = md(how, 500) + "\n\n" + "\n".join(lines)
    if card.closes_at_iso:
        closes = _timestamp(card.closes_at_iso)
        embed.add_field(name=_("Closes"), value=closes or md(card.closes_at_iso, 100), inline=False)
    return embed


def closed_ballot_embed(card: PollCard) -> discord.Embed:
    """The ballot once its poll has closed (edited in with no buttons): the films, and where the result is."""
    embed = discord.Embed(title=md(card.question, 256), colour=CLOSED_COLOUR)
    lines = [f"{n}. {md(o.label, 150)}" for n, o in enumerate(card.options, start=1)]
    embed.description = f"**{_(BALLOT_CLOSED)}**\n\n" + "\n".join(lines)
    return embed


def ballot_view(card: PollCard) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    options = card.options[:BUTTONS_MAX]
    for n, option in enumerate(options, start=1):
        view.add_item(BallotButton(card.night_id, str(option.film_id), f"{n}. {option.label}"))
    if len(options) <= CONTROL_ROW_ROOM:
        grey = discord.ButtonStyle.secondary
        view.add_item(BallotButton(card.night_id, "me", _("My ballot"), grey))
        view.add_item(BallotButton(card.night_id, "clear", _("Clear my vote"), discord.ButtonStyle.danger))
    return view


def _timestamp(iso: str) -> str | None:
    """A Discord timestamp shows the close in each member's own time zone."""
    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return discord.utils.format_dt(when, "F") + " (" + discord.utils.format_dt(when, "R") + ")"
