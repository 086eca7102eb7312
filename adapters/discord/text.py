"""Discord text safety: escape user and catalog text, then trim it to a limit at a word boundary.

Why this order: escaping adds characters (`*` becomes `\\*`), so trimming first could push a field past its
limit or cut an escape in half and let markdown through. Plain-text surfaces (select labels, button labels,
autocomplete names, poll answers, footers) show backslashes literally, so they are only cleaned and trimmed.
"""

from __future__ import annotations

import re

import discord

ELLIPSIS = "…"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


def clean(text: str) -> str:
    """Drop control/invisible characters (keep newlines); they break layout or hide text."""
    return _CONTROL.sub("", text.replace("\r\n", "\n"))


def escape(text: str) -> str:
    """Markdown and mentions made literal: `*x*` stays `*x*`, `@everyone` never pings or highlights."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(clean(text)))


def unescape(text: str) -> str:
    """The text `escape` made literal, as it was (to read a query back from a message the bot sent)."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u200b", "")


def trim(text: str, limit: int) -> str:
    """Cut at the last space before `limit` (with an ellipsis), never inside an escape sequence."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return text[:limit]
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    # An odd run of trailing backslashes would escape the ellipsis or leave a dangling escape.
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut.rstrip() + ELLIPSIS


def md(text: str | None, limit: int) -> str:
    """Escape, then trim: for embed titles, descriptions, field names and values, message content."""
    return trim(escape(text or ""), limit)


def plain(text: str | None, limit: int) -> str:
    """For surfaces that do not render markdown: cleaned, whitespace squeezed, trimmed."""
    return trim(" ".join(clean(text or "").split()), limit)
