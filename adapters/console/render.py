"""Render replies as plain terminal text (the console chat and the `filmbot` CLI)."""

from __future__ import annotations

import re
import textwrap

from bot.replies import FilmCard, FilmChoice, FilmList, PollCard, Problem, Reply, Text

WIDTH = 78
CAST_SHOWN = 6
# Terminal escapes and other controls in catalog text must never reach the terminal.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    return _UNSAFE.sub("", text)


def _wrap(text: str, prefix: str = "│ ") -> list[str]:
    lines: list[str] = []
    for paragraph in safe(text).split("\n"):
        if not paragraph.strip():
            lines.append(prefix.rstrip())
            continue
        lines.extend(textwrap.wrap(paragraph, WIDTH - len(prefix), initial_indent=prefix, subsequent_indent=prefix))
    return lines


def render_card(card: FilmCard) -> str:
    out = [f"┌─ {safe(card.heading)}"]
    sub = []
    if card.original_title and card.original_title != card.title:
        sub.append(card.original_title)
    if card.matched_title:
        sub.append(f"matched: {card.matched_title}")
    if sub:
        out.extend(_wrap(" · ".join(sub)))
    facts = [
        ", ".join(card.genres) if card.genres else None,
        card.runtime_text,
        card.country,
        card.content_rating,
    ]
    line = " · ".join(f for f in facts if f)
    if line:
        out.extend(_wrap(line))
    if card.rating is not None or card.votes:
        rating = f"★ {card.rating:.1f}/10" if card.rating is not None else "★"
        votes = f" ({card.votes:,} votes)" if card.votes else ""
        out.extend(_wrap(rating + votes))
    if card.release_date:
        out.extend(_wrap(f"Released: {card.release_date}"))
    if card.directors:
        out.extend(_wrap(f"Director: {', '.join(card.directors)}"))
    if card.writers:
        out.extend(_wrap(f"Writer: {', '.join(card.writers)}"))
    if card.cast:
        names = [f"{c.name} ({c.character})" if c.character else c.name for c in card.cast[:CAST_SHOWN]]
        more = f" and {len(card.cast) - CAST_SHOWN} more" if len(card.cast) > CAST_SHOWN else ""
        out.extend(_wrap(f"Cast: {', '.join(names)}{more}"))
    if card.alt_titles:
        out.extend(_wrap(f"Also known as: {', '.join(card.alt_titles)}"))
    if card.synopsis:
        out.append("│")
        out.extend(_wrap(card.synopsis))
        if card.synopsis_credit:
            out.extend(_wrap(card.synopsis_credit))
    out.append("│")
    out.extend(_wrap(f"Trailer: {card.trailer_url}"))
    if card.info_url:
        out.extend(_wrap(f"More: {card.info_url}"))
    if card.poster_url:
        out.extend(_wrap(f"Poster: {card.poster_url}"))
    if card.notice:
        out.extend(_wrap(card.notice))
    if card.others:
        out.append("│")
        out.extend(_wrap("Other matches: " + "; ".join(choice_label(c) for c in card.others)))
    out.append(f"└── #{card.film_id}")  # the id admin commands take: /film edit #{id} …
    return "\n".join(out)


def choice_label(choice: FilmChoice) -> str:
    label = f"{choice.label} #{choice.film_id}"
    extra = [x for x in (choice.country,) if x]
    if choice.matched_title and choice.matched_title not in label:
        extra.append(f"matched: {choice.matched_title}")
    if extra:
        label += f" — {', '.join(extra)}"
    return safe(label)


def render_list(films: FilmList) -> str:
    out = [safe(films.heading)]
    for n, item in enumerate(films.items, start=1 + films.page * 0):
        out.append(f"  {n}. {choice_label(item)}")
    if films.pages > 1:
        out.append(f"  page {films.page + 1} of {films.pages} ({films.total} films)")
    if films.hint:
        out.append(safe(films.hint))
    return "\n".join(out)


def render_poll(poll: PollCard) -> str:
    out = [safe(poll.question)]
    out.extend(f"  {n}. {safe(o.label)}" for n, o in enumerate(poll.options, start=1))
    if poll.closes_at_iso:
        out.append(f"  closes at {poll.closes_at_iso}")
    return "\n".join(out)


def render(reply: Reply) -> str:
    if isinstance(reply, FilmCard):
        return render_card(reply)
    if isinstance(reply, FilmList):
        return render_list(reply)
    if isinstance(reply, PollCard):
        return render_poll(reply)
    if isinstance(reply, Problem):
        text = f"! {reply.message}"
        return safe(text + (f"\n  {reply.hint}" if reply.hint else ""))
    if isinstance(reply, Text):
        return safe(f"{reply.title}\n{reply.body}" if reply.title else reply.body)
    raise TypeError(f"unknown reply {type(reply).__name__}")
