"""Render replies as plain terminal text (the console chat and the `filmbot` CLI)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

from bot.films.genre_names import genre_labels
from bot.i18n import _
from bot.replies import FilmCard, FilmChoice, FilmList, PollCard, Problem, Reply, Text
from bot.text import strip_control

WIDTH = 78
SHORT_SYNOPSIS_LINES = 3  # `--short`: the synopsis in at most this many lines


def safe(text: str) -> str:
    """Terminal escapes and other controls in catalog text must never reach the terminal."""
    return strip_control(text)


def _wrap(text: str, prefix: str = "│ ") -> list[str]:
    lines: list[str] = []
    for paragraph in safe(text).split("\n"):
        if not paragraph.strip():
            lines.append(prefix.rstrip())
            continue
        # Terminals make a URL clickable only when it is whole: never break one (a long one may overflow).
        whole = "://" in paragraph
        lines.extend(
            textwrap.wrap(
                paragraph,
                WIDTH - len(prefix),
                initial_indent=prefix,
                subsequent_indent=prefix,
                break_long_words=not whole,
                break_on_hyphens=not whole,
            )
        )
    return lines


def _cut(lines: list[str], keep: int) -> list[str]:
    """The first `keep` lines, the last ending in `…` when something was cut."""
    if len(lines) <= keep:
        return lines
    kept = lines[:keep]
    kept[-1] = kept[-1].rstrip(" ,;.") + "…"
    return kept


def render_card(card: FilmCard, *, short: bool = False) -> str:
    """The card as terminal text; `short` cuts the synopsis to three lines."""
    out = [f"┌─ {safe(card.heading)}"]
    sub = []
    if card.subtitle:
        sub.append(card.subtitle)
    if card.matched_title:
        sub.append(_("matched: {title}", title=card.matched_title))
    if sub:
        out.extend(_wrap(" · ".join(sub)))
    facts = [
        genre_labels(card.genres) if card.genres else None,
        card.runtime_text,
        card.country,
        card.content_rating,
    ]
    line = " · ".join(f for f in facts if f)
    if line:
        out.extend(_wrap(line))
    if rating := card.rating_text():
        out.extend(_wrap(rating))
    if release := card.release_text:
        out.extend(_wrap(_("Released") + ": " + release))
    if card.directors:
        out.extend(_wrap(_("Director") + ": " + ", ".join(card.directors)))
    if card.writers:
        out.extend(_wrap(_("Writer") + ": " + ", ".join(card.writers)))
    if cast := card.cast_text():
        out.extend(_wrap(_("Cast") + ": " + cast))
    if card.alt_titles:
        out.extend(_wrap(_("Also known as") + ": " + ", ".join(card.alt_titles)))
    if card.synopsis:
        out.append("│")
        synopsis = _wrap(card.synopsis)
        out.extend(_cut(synopsis, SHORT_SYNOPSIS_LINES) if short else synopsis)
        if card.synopsis_credit:
            out.extend(_wrap(card.synopsis_credit))
    out.append("│")
    out.extend(_wrap(_("Trailer") + ": " + card.trailer_url))
    if card.info_url:
        out.extend(_wrap(_("More") + ": " + card.info_url))
    if card.poster_url:
        out.extend(_wrap(_("Poster") + ": " + card.poster_url))
    if card.notice:
        out.extend(_wrap(card.notice))
    if card.others:
        out.append("│")
        out.extend(_wrap(_("Other matches") + ": " + "; ".join(choice_label(c) for c in card.others)))
    if card.data_credit:
        out.extend(_wrap(card.data_credit))
    out.append(f"└── #{card.film_id}")  # the id admin commands take: /film edit #{id} …
    return "\n".join(out)


def choice_label(choice: FilmChoice) -> str:
    """The choice's line with its id (the id admin commands take), e.g. `Parasite (2019) #3 — South Korea`."""
    text = choice.text
    return safe(text.replace(choice.label, f"{choice.label} #{choice.film_id}", 1))


Opener = Callable[[int], str]  # the command that opens a film by id, e.g. `filmbot film '#23923'`


def render_list(films: FilmList, opener: Opener | None = None) -> str:
    out = [safe(films.heading)]
    for n, item in enumerate(films.items, start=1 + films.page * 0):
        out.append(f"  {n}. {choice_label(item)}")
        if opener is not None:
            out.append(f"     {opener(item.film_id)}")
    if films.pages > 1:
        out.append(
            _("  page {page} of {pages} ({total} films)", page=films.page + 1, pages=films.pages, total=films.total)
        )
    if films.hint:
        out.append(safe(films.hint))
    return "\n".join(out)


def render_poll(poll: PollCard) -> str:
    out = [safe(poll.question)]
    out.extend(f"  {n}. {safe(o.label)}" for n, o in enumerate(poll.options, start=1))
    if poll.closes_at_iso:
        out.append(_("  closes at {closes_at_iso}", closes_at_iso=poll.closes_at_iso))
    return "\n".join(out)


def render(reply: Reply, *, short: bool = False, opener: Opener | None = None) -> str:
    """A reply as terminal text. `short`: cards with a three-line synopsis; `opener`: under each listed film,
    the command that opens it (the CLI)."""
    if isinstance(reply, FilmCard):
        return render_card(reply, short=short)
    if isinstance(reply, FilmList):
        return render_list(reply, opener)
    if isinstance(reply, PollCard):
        return render_poll(reply)
    if isinstance(reply, Problem):
        text = f"! {reply.message}"
        return safe(text + (f"\n  {reply.hint}" if reply.hint else ""))
    if isinstance(reply, Text):
        body = reply.body + (f"\n{reply.confirm.typed_hint}" if reply.confirm else "")  # no buttons: type it
        return safe(f"{reply.title}\n{body}" if reply.title else body)
    raise TypeError(f"unknown reply {type(reply).__name__}")
