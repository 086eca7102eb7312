"""Render any core Reply as a Telegram message: HTML text, an inline keyboard and link-preview options.

Generic on purpose: a new command elsewhere in the core (movie nights, curation) returns one of the Reply
types and is rendered here with no adapter change. Every string from the catalog or the user is escaped;
every message fits Telegram's limits (see `html.compose`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from adapters.telegram import callbacks
from adapters.telegram.html import CAPTION_LIMIT, TEXT_LIMIT, Line, Span, compose, line, one_line, trim
from bot.films.genre_names import genre_labels
from bot.i18n import N_, _
from bot.replies import FileReply, FilmCard, FilmList, PollCard, Problem, Reply, Text

BUTTON_CHARS = 60
FIELD_CHARS = 300
TITLE_CHARS = 256
ITEM_CHARS = 200
NOTICE_LINES = 30
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
BALLOT_HOW = {
    "single": N_("Tap a film to vote for it; tap it again to take your vote back."),
    "multiple": N_("Tap every film you would watch; tap again to unpick."),
    "ranked": N_(
        "Tap films in order of preference: your first tap is your 1st choice. Tap a ranked film again "
        "to take it out. “My ballot” shows your ranking."
    ),
}

BALLOT_CLOSED = N_("🔒 Voting is closed — see the result below.")


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send or to edit into: the HTML text, its keyboard and its link preview."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    preview: LinkPreviewOptions = NO_PREVIEW


def button_label(text: str) -> str:
    return trim(one_line(text), BUTTON_CHARS) or "…"


def _facts(card: FilmCard) -> str:
    parts = [
        genre_labels(card.genres) if card.genres else None,
        card.runtime_text,
        card.country,
        card.content_rating,
    ]
    return trim(" · ".join(p for p in parts if p), FIELD_CHARS)


def _people(label: str, text: str) -> Line:
    return line(Span(f"{label}: ", "b"), trim(text, FIELD_CHARS))


def card_lines(card: FilmCard) -> tuple[list[Line], int | None]:
    """The card as lines of spans, and the index of the synopsis line (the one to trim)."""
    lines: list[Line] = [line(Span(trim(one_line(card.heading), TITLE_CHARS), "b"))]
    if card.subtitle:
        lines.append(line(Span(trim(one_line(card.subtitle), TITLE_CHARS), "i")))
    if card.matched_title:
        lines.append(line(_("matched: {title}", title=trim(one_line(card.matched_title), TITLE_CHARS))))
    if facts := _facts(card):
        lines.append(line(facts))
    if rating := card.rating_text():
        lines.append(line(rating))
    if release := card.release_text:
        lines.append(line(Span(_("Released") + ": ", "b"), release))
    if card.directors:
        lines.append(_people(_("Director"), ", ".join(card.directors)))
    if cast := card.cast_text():
        lines.append(_people(_("Cast"), cast))
    flexible = None
    if card.synopsis and card.synopsis.strip():
        lines.append(())
        flexible = len(lines)
        lines.append(line(" ".join(card.synopsis.split())))
        if card.synopsis_credit:
            lines.append(line(Span(trim(one_line(card.synopsis_credit), FIELD_CHARS), "i")))
    if card.notice:  # e.g. a movie night's full counts: one line each
        lines.append(())
        notice = [n for n in card.notice.split("\n") if n.strip()][:NOTICE_LINES]
        lines.extend(line(Span(trim(one_line(n), FIELD_CHARS), "i")) for n in notice)
    if card.data_credit:  # the footer: where the record came from
        lines.append(line(Span(trim(one_line(card.data_credit), FIELD_CHARS), "i")))
    return lines, flexible


def card_buttons(card: FilmCard, *, with_others: bool = True) -> InlineKeyboardMarkup:
    links = [InlineKeyboardButton(button_label("▶ " + _("Trailer")), url=card.trailer_url)]
    if card.info_url:
        links.append(InlineKeyboardButton(button_label(_("More")), url=card.info_url))
    rows = [links]
    if with_others:
        for other in card.others[:6]:
            label = button_label(f"↪ {other.label}")
            rows.append([InlineKeyboardButton(label, callback_data=callbacks.open_card(other.film_id))])
        wrong = callbacks.action("wrong_film", card.film_id)
        rows.append([InlineKeyboardButton(button_label(_("Wrong film?")), callback_data=wrong)])
    return InlineKeyboardMarkup(rows)


def card_preview(card: FilmCard) -> LinkPreviewOptions:
    if card.poster_url:
        return LinkPreviewOptions(url=card.poster_url, prefer_large_media=True, show_above_text=True)
    return NO_PREVIEW


def render_card(
    card: FilmCard, *, limit: int = TEXT_LIMIT, raw_limit: int | None = None, with_others: bool = True
) -> Outgoing:
    lines, flexible = card_lines(card)
    text = compose(lines, limit=limit, flexible=flexible, raw_limit=raw_limit)
    return Outgoing(text, card_buttons(card, with_others=with_others), card_preview(card))


def render_list(films: FilmList) -> Outgoing:
    lines: list[Line] = [line(Span(trim(one_line(films.heading), TEXT_LIMIT // 4), "b"))]
    start = 1 + films.page * _page_size(films)
    for n, item in enumerate(films.items, start=start):
        lines.append(line(f"{n}. {trim(one_line(item.text), ITEM_CHARS)}"))
    if films.pages > 1:
        lines.append(
            line(
                Span(
                    _(
                        "Page {page} of {pages} · {total} films",
                        page=films.page + 1,
                        pages=films.pages,
                        total=films.total,
                    ),
                    "i",
                )
            )
        )
    if films.found_online:
        lines.append(line(Span(films.online_heading or "", "b")))
        lines.extend(line(f"• {trim(one_line(c.text), ITEM_CHARS)}") for c in films.found_online)
    if films.hint and not films.found_online:
        lines.append(line(Span(trim(one_line(films.hint), FIELD_CHARS), "i")))
    rows: list[list[InlineKeyboardButton]] = []
    new_message = films.kind == "results"
    # A picker from a one-film command re-runs it with the choice: its code travels in the callback data.
    rerun = films.rerun.code if films.rerun else None
    for n, item in enumerate(films.items, start=start):
        label = button_label(f"{n}. {item.label}" if new_message else item.label)
        if rerun is not None:
            data = callbacks.rerun(rerun, item.film_id)
        else:
            data = callbacks.open_card(item.film_id, new_message=new_message)
        rows.append([InlineKeyboardButton(label, callback_data=data)])
    for c in films.found_online:
        if c.can_add:
            rows.append(
                [
                    InlineKeyboardButton(
                        button_label(_("Add {heading}", heading=c.heading)), callback_data=callbacks.add_online(c.ref)
                    )
                ]
            )
    if films.kind == "results" and films.pages > 1:
        nav = []
        if films.page > 0:
            nav.append(InlineKeyboardButton("◀", callback_data=callbacks.page(films.page - 1, films.query)))
        if films.page < films.pages - 1:
            nav.append(InlineKeyboardButton("▶", callback_data=callbacks.page(films.page + 1, films.query)))
        rows.append(nav)
    return Outgoing(compose(lines), InlineKeyboardMarkup(rows) if rows else None)


def _page_size(films: FilmList) -> int:
    """Items per page, inferred exactly: every page but the last is full, so on the last page the earlier
    pages hold `total - len(items)` films between them."""
    if films.page <= 0:
        return len(films.items)
    if films.page < films.pages - 1:
        return len(films.items)
    return max((films.total - len(films.items)) // films.page, 1)


def render_poll(poll: PollCard) -> Outgoing:
    """A movie-night vote as a message. Not native (ranked, or too many films for a native poll): a button
    ballot, one button per film carrying only ids (`mn:<poll>:<film>`), plus "My ballot" and "Clear"."""
    lines: list[Line] = [line(Span(one_line(poll.question), "b"))]
    if not poll.native:
        lines.append(line(Span(_(BALLOT_HOW.get(poll.mode, BALLOT_HOW["single"])), "i")))
    if poll.closes_at_iso:
        lines.append(line(Span(_("Closes at {closes_at_iso}", closes_at_iso=closes_text(poll.closes_at_iso)), "i")))
    lines.append(())
    lines.extend(_option_lines(poll))
    if poll.native:
        return Outgoing(compose(lines))
    rows = [
        [
            InlineKeyboardButton(
                button_label(f"{n}. {o.label}"), callback_data=callbacks.ballot(poll.night_id, o.film_id)
            )
        ]
        for n, o in enumerate(poll.options, 1)
    ]
    rows.append(
        [
            InlineKeyboardButton(_("My ballot"), callback_data=callbacks.my_ballot(poll.night_id)),
            InlineKeyboardButton(_("Clear my ballot"), callback_data=callbacks.clear_ballot(poll.night_id)),
        ]
    )
    return Outgoing(compose(lines), InlineKeyboardMarkup(rows))


def render_closed_ballot(poll: PollCard) -> Outgoing:
    """A button ballot once its poll has closed: the films still listed, a line saying so, no buttons
    (an edit without a keyboard removes it; the result is the message posted after the ballot)."""
    lines: list[Line] = [line(Span(one_line(poll.question), "b")), line(Span(_(BALLOT_CLOSED), "i")), ()]
    lines.extend(_option_lines(poll))
    return Outgoing(compose(lines))


def _option_lines(poll: PollCard) -> list[Line]:
    # Every film must show: share the message between them (25 long titles would not fit at 200 each).
    item_chars = max(min(ITEM_CHARS, (TEXT_LIMIT - 800) // max(len(poll.options), 1)), 20)
    return [line(f"{n}. {trim(one_line(o.label), item_chars)}") for n, o in enumerate(poll.options, 1)]


def closes_text(iso: str) -> str:
    """`2026-05-01T20:00+00:00` -> `2026-05-01 20:00 UTC` (the core stores UTC)."""
    text = iso.replace("T", " ")
    return text.removesuffix("+00:00") + " UTC" if text.endswith("+00:00") else text


def render_problem(problem: Problem) -> Outgoing:
    lines: list[Line] = [line(trim(one_line(problem.message), TEXT_LIMIT // 2))]
    if problem.hint:
        lines.append(line(Span(trim(one_line(problem.hint), TEXT_LIMIT // 4), "i")))
    return Outgoing(compose(lines))


def render_text(text: Text) -> Outgoing:
    lines: list[Line] = []
    if text.title:
        lines.append(line(Span(trim(one_line(text.title), TITLE_CHARS), "b")))
    lines.extend(line(part) for part in text.body.split("\n"))
    rows = [
        [InlineKeyboardButton(button_label(a.label), callback_data=callbacks.action(a.kind, a.film_id))]
        for a in text.actions
    ]
    if (confirm := text.confirm) is not None:
        lines.append(line(Span(confirm.button_hint, "i")))
        data = callbacks.confirm_add(confirm.ref, confirm.owner, confirm.expires)
        rows.append([InlineKeyboardButton(button_label(confirm.label), callback_data=data)])
    markup = InlineKeyboardMarkup(rows) if rows else None
    return Outgoing(compose(lines, flexible=len(lines) - 1 if len(lines) > 1 else None), markup)


def file_caption(reply: FileReply) -> str:
    """The caption of an uploaded file (1024 visible characters at most), or its name."""
    return compose([line(trim(one_line(reply.caption or reply.filename), CAPTION_LIMIT))], limit=CAPTION_LIMIT)


def render(reply: Reply) -> Outgoing:
    if isinstance(reply, FilmCard):
        return render_card(reply)
    if isinstance(reply, FilmList):
        return render_list(reply)
    if isinstance(reply, PollCard):
        return render_poll(reply)
    if isinstance(reply, Problem):
        return render_problem(reply)
    if isinstance(reply, Text):
        return render_text(reply)
    if isinstance(reply, FileReply):  # only when editing a message: files are sent by `send`
        return Outgoing(compose([line(f"📎 {reply.filename}")]))
    raise TypeError(f"unknown reply {type(reply).__name__}")


def poll_args(poll: PollCard) -> dict[str, Any]:
    """Keyword arguments for `Bot.send_poll` within Telegram's limits (question 1-300, 2-12 options of
    1-100 characters, non-anonymous so votes arrive as `poll_answer` updates). No open_period/close_date:
    the core closes the poll on time (and stops it); the description says when."""
    options = [trim(one_line(o.label), 100) or "…" for o in poll.options[:12]]
    args: dict[str, Any] = {
        "question": trim(one_line(poll.question), 300) or _("Vote"),
        "options": options,
        "is_anonymous": False,
        "allows_multiple_answers": poll.multiple,
        "allows_revoting": True,
    }
    if poll.closes_at_iso:
        args["description"] = _(
            "Closes at {closes_at_iso}. You can change your vote until then.",
            closes_at_iso=closes_text(poll.closes_at_iso),
        )
    return args
