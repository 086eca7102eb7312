"""Render any core Reply as a Discord message: embeds, link buttons, pickers, pagers, native polls.

Every limit holds by construction (title 256, description 4096, field 256/1024, 25 fields, footer 2048,
6000 in all; content 2000; custom_id 100; select label 100; poll 10 answers of 55, question 300), and all
user or catalog text is escaped before it is trimmed. New registry commands need no change here: whatever
Reply type they return is rendered generically.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord.components import (
    BUTTON_LABEL_MAX,
    ActionButton,
    AddButton,
    ConfirmAddButton,
    FilmButton,
    PageButton,
    PickSelect,
)
from adapters.discord.text import md, plain
from bot.films.genre_names import genre_labels
from bot.i18n import N_, _
from bot.replies import FileReply, FilmCard, FilmChoice, FilmList, PollCard, Problem, Reply, Text

COLOUR = discord.Colour(0xE5A00D)
PROBLEM_COLOUR = discord.Colour(0xD9534F)
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
SYNOPSIS_MAX = 1500
FIELD_VALUE_MAX = 1024
FIELD_SHORT_MAX = 300
FIELD_NAME_MAX = 256
FOOTER_MAX = 2048
CONTENT_MAX = 2000
POLL_QUESTION_MAX = 300
POLL_ANSWER_MAX = 55
POLL_ANSWERS_MAX = 10
POLL_HOURS_MAX = 768
POLL_HOURS_DEFAULT = 24
WRONG_FILM = N_("Wrong film?")


@dataclass
class Outgoing:
    """One message to send or edit into. `ephemeral` is a wish; Problems always ask for it."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    poll: discord.Poll | None = None
    file: discord.File | None = None
    ephemeral: bool = False

    @property
    def needs_new_message(self) -> bool:
        """Polls and files cannot be edited into a deferred message; they go out as a follow-up."""
        return self.poll is not None or self.file is not None

    def send_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "content": self.content,
            "embeds": self.embeds,
            "allowed_mentions": discord.AllowedMentions.none(),
        }
        if self.view is not None:
            kwargs["view"] = self.view
        if self.poll is not None:
            kwargs["poll"] = self.poll
        if self.file is not None:
            kwargs["file"] = self.file
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """Replacing a message: clear what the new reply lacks (content, embeds, components)."""
        return {
            "content": self.content,
            "embeds": self.embeds,
            "view": self.view,
            "allowed_mentions": discord.AllowedMentions.none(),
        }


def render(reply: Reply, *, owner: int = 0, now: dt.datetime | None = None) -> Outgoing:
    """`owner` is the invoker's user id, baked into pickers so only they can use them (0 = anyone)."""
    if isinstance(reply, FilmCard):
        return Outgoing(embeds=[card_embed(reply)], view=card_view(reply, owner))
    if isinstance(reply, FilmList):
        return render_list(reply, owner)
    if isinstance(reply, Problem):
        text = "⚠️ " + md(reply.message, 1500)
        if reply.hint:
            text += "\n" + md(reply.hint, 400)
        return Outgoing(content=text, ephemeral=True)
    if isinstance(reply, Text):
        body = reply.body + (f"\n{reply.confirm.button_hint}" if reply.confirm else "")
        embed = discord.Embed(description=md(body, DESCRIPTION_MAX), colour=COLOUR)
        if reply.title:
            embed.title = md(reply.title, TITLE_MAX)
        view = None
        if reply.actions or reply.confirm:
            view = discord.ui.View(timeout=None)
            for action in reply.actions[: 4 if reply.confirm else 5]:
                view.add_item(ActionButton(action.kind, action.film_id, action.label))
            if reply.confirm:
                view.add_item(ConfirmAddButton.of(reply.confirm))
        return Outgoing(embeds=[embed], view=view)
    if isinstance(reply, PollCard):
        return render_poll(reply, now or discord.utils.utcnow())
    if isinstance(reply, FileReply):
        return render_file(reply)
    raise TypeError(f"no Discord rendering for {type(reply).__name__}")


def card_embed(card: FilmCard) -> discord.Embed:
    embed = discord.Embed(title=md(card.heading, TITLE_MAX), colour=COLOUR, url=card.info_url or None)
    lines = []
    if card.subtitle:
        lines.append(f"**{md(card.subtitle, 300)}**")
    if card.notice:
        lines.append(f"*{md(card.notice, 300)}*")
    if card.synopsis:
        lines.append(md(card.synopsis, SYNOPSIS_MAX))
        if card.synopsis_credit:
            lines.append(f"*{md(card.synopsis_credit, 100)}*")
    if lines:
        embed.description = "\n\n".join(lines)
    facts: list[tuple[str, str | None]] = [
        (_("Year"), str(card.year) if card.year else None),
        (_("Genres"), genre_labels(card.genres) if card.genres else None),
        (_("Runtime"), card.runtime_text),
        (_("Released"), card.release_text),
        (_("Country"), card.country),
        (_("Rating"), card.rating_text()),
        (_("Certificate"), card.content_rating),
        (_("Director"), ", ".join(card.directors) if card.directors else None),
    ]
    for name, value in facts:
        if value:
            embed.add_field(name=md(name, FIELD_NAME_MAX), value=md(value, FIELD_SHORT_MAX), inline=True)
    if cast := card.cast_text():
        embed.add_field(name=md(_("Cast"), FIELD_NAME_MAX), value=md(cast, FIELD_SHORT_MAX), inline=False)
    if card.alt_titles:
        embed.add_field(
            name=md(_("Also known as"), FIELD_NAME_MAX),
            value=md(", ".join(card.alt_titles), FIELD_SHORT_MAX),
            inline=False,
        )
    if card.poster_url:
        embed.set_thumbnail(url=card.poster_url)
    footer = [_("matched: {title}", title=plain(card.matched_title, 200))] if card.matched_title else []
    if card.data_credit:
        footer.append(plain(card.data_credit, 100))
    if footer:
        embed.set_footer(text=" · ".join(footer))
    return embed


def card_view(card: FilmCard, owner: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    trailer = plain(_("Trailer"), BUTTON_LABEL_MAX)
    view.add_item(discord.ui.Button(label=trailer, url=card.trailer_url, emoji="▶️", row=0))
    if card.info_url:
        view.add_item(discord.ui.Button(label=plain(_("More"), BUTTON_LABEL_MAX), url=card.info_url, row=0))
    if card.film_id:
        view.add_item(ActionButton("wrong_film", card.film_id, plain(_(WRONG_FILM), BUTTON_LABEL_MAX)))
    if card.others:
        view.add_item(PickSelect(owner, card.others, placeholder=plain(_("Other films with this title"), 150)))
    return view


def list_lines(items: tuple[FilmChoice, ...], budget: int = DESCRIPTION_MAX) -> str:
    """Numbered lines, as many as fit the budget (each line is escaped and trimmed on its own)."""
    lines: list[str] = []
    used = 0
    for n, item in enumerate(items, start=1):
        line = f"{n}. **{md(item.heading, 150)}**"
        if item.detail:
            line += f" — {md(item.detail, 150)}"
        if used + len(line) + 1 > budget:
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines)


def render_list(films: FilmList, owner: int) -> Outgoing:
    """A picker from a one-film command re-runs it with the choice: its code travels in the custom_id."""
    then = films.rerun.code if films.rerun else None
    heading = md(films.heading, TITLE_MAX)
    hint = md(films.hint, 300) if films.hint else None
    online = online_lines(films)
    if films.kind == "miss":
        content = heading + (f"\n{online}" if online else f"\n{hint}" if hint else "")
        view = None
        if films.items or online:
            view = discord.ui.View(timeout=None)
            for item in films.items[:5]:
                view.add_item(FilmButton(owner, item.film_id, item.heading, then=then))
            add_buttons(view, films)
        return Outgoing(content=content, view=view if view is not None and view.children else None)
    embed = discord.Embed(title=heading, colour=COLOUR)
    embed.description = list_lines(films.items) or None
    view = discord.ui.View(timeout=None)
    if films.kind == "results" and films.pages > 1:
        embed.set_footer(
            text=plain(
                _("Page {page} of {pages} · {total} films", page=films.page + 1, pages=films.pages, total=films.total),
                100,
            )
        )
        view.add_item(PageButton(owner, films.page - 1, films.query, forward=False, disabled=films.page <= 0))
        view.add_item(
            PageButton(owner, films.page + 1, films.query, forward=True, disabled=films.page >= films.pages - 1)
        )
    if films.items:
        placeholder = _("Which one?") if films.kind == "did_you_mean" else _("Open a film")
        view.add_item(PickSelect(owner, films.items, placeholder=placeholder, then=then))
    if online:
        embed.add_field(name=md(films.online_heading or "", 256), value=online, inline=False)
        add_buttons(view, films)
    elif hint:
        embed.add_field(name=_("Tip"), value=hint, inline=False)
    return Outgoing(embeds=[embed], view=view if view.children else None)


def online_lines(films: FilmList) -> str:
    """The online finds under a miss (the heading, then a line each), within an embed field's 1024."""
    if not films.found_online:
        return ""
    lines = [f"• {md(c.text, 250)}" for c in films.found_online[:5]]
    text = "\n".join(lines)
    if films.kind == "miss":
        return f"**{md(films.online_heading or '', 200)}**\n{text}"
    return text


def add_buttons(view: discord.ui.View, films: FilmList) -> None:
    for c in films.found_online[:5]:
        if c.can_add:
            view.add_item(AddButton(c.ref, _("Add {heading}", heading=c.heading)))


def render_poll(poll: PollCard, now: dt.datetime) -> Outgoing:
    """A native poll when Discord can hold it; otherwise a numbered list."""
    if poll.native and 1 <= len(poll.options) <= POLL_ANSWERS_MAX:
        native = discord.Poll(
            question=plain(poll.question, POLL_QUESTION_MAX) or _("Vote"),
            duration=dt.timedelta(hours=_poll_duration(poll, now)),
            multiple=poll.multiple,
        )
        for option in poll.options:
            native.add_answer(text=plain(option.label, POLL_ANSWER_MAX) or f"#{option.film_id}")
        return Outgoing(poll=native)
    embed = discord.Embed(title=md(poll.question, TITLE_MAX), colour=COLOUR)
    embed.description = md("\n".join(f"{n}. {o.label}" for n, o in enumerate(poll.options, start=1)), DESCRIPTION_MAX)
    return Outgoing(embeds=[embed])


def _poll_duration(poll: PollCard, now: dt.datetime) -> int:
    """The core's duration when it gives one (Discord counts whole hours, 1..768), else up to closes_at."""
    if poll.duration_hours:
        return min(max(poll.duration_hours, 1), POLL_HOURS_MAX)
    return _poll_hours(poll.closes_at_iso, now)


def _poll_hours(closes_at_iso: str | None, now: dt.datetime) -> int:
    if not closes_at_iso:
        return POLL_HOURS_DEFAULT
    try:
        closes = dt.datetime.fromisoformat(closes_at_iso)
    except ValueError:
        return POLL_HOURS_DEFAULT
    if closes.tzinfo is None:
        closes = closes.replace(tzinfo=dt.UTC)
    hours = -(-(closes - now).total_seconds() // 3600)
    return int(min(max(hours, 1), POLL_HOURS_MAX))


FILE_MAX_BYTES = 10 * 1024 * 1024  # the smallest attachment limit Discord gives a bot


def render_file(reply: FileReply) -> Outgoing:
    size = reply.size
    if size > FILE_MAX_BYTES:
        return render(
            Problem(_("{filename} is too large to upload here ({size:,} bytes).", filename=reply.filename, size=size))
        )
    name = plain(reply.filename, 100) or "file"
    content = md(reply.caption, CONTENT_MAX) if reply.caption else None
    source = str(reply.path) if reply.path is not None else io.BytesIO(reply.data)  # a path is read as sent
    return Outgoing(content=content, file=discord.File(source, filename=name))
