"""Telegram HTML: escaping, measuring and fitting text within the message limits.

Telegram counts a message's length *after* entity parsing (the visible text, not the tags), and it counts
in UTF-16 code units (entity offsets are UTF-16, so an emoji or a rare Han character counts as two). We build
messages from plain spans, measure the plain text, trim at word boundaries, and only then escape — so an
ellipsis never cuts an `&amp;` in half and no tag is ever left open.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot import text as core_text

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ELLIPSIS = core_text.ELLIPSIS
TRIM_BOUNDARY = 0.6  # cut at a word boundary unless it would throw away most of what fits (one long word)
TRIM_STRIP = " ,;:-–—"

_SPACES = re.compile(r"[ \t]+")


def clean(text: str) -> str:
    """Catalog or user text made safe to show: controls dropped, runs of spaces squeezed."""
    return _SPACES.sub(" ", core_text.strip_control(text)).strip()


def one_line(text: str) -> str:
    return " ".join(clean(text).split())


def escape(text: str) -> str:
    """Escape text for parse_mode HTML: only `<`, `>` and `&` are special outside attributes."""
    return html.escape(text, quote=False)


def escape_attr(text: str) -> str:
    return html.escape(text, quote=True)


units = core_text.utf16_units


def trim(text: str, limit: int, *, ellipsis: str = ELLIPSIS) -> str:
    """Cut `text` to at most `limit` UTF-16 units, at a word boundary where one is near, adding `…`."""
    return core_text.trim(text, limit, measure=units, boundary=TRIM_BOUNDARY, strip=TRIM_STRIP, ellipsis=ellipsis)


def trim_bytes(text: str, limit: int) -> str:
    """Cut at a UTF-8 character boundary so the result takes at most `limit` bytes."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


@dataclass(frozen=True, slots=True)
class Span:
    """Plain text with at most one formatting tag (`b`, `i`, `code`) or a link (`href`)."""

    text: str
    tag: str | None = None
    href: str | None = None

    def html(self) -> str:
        body = escape(self.text)
        if not body:
            return ""
        if self.href:
            return f'<a href="{escape_attr(self.href)}">{body}</a>'
        return f"<{self.tag}>{body}</{self.tag}>" if self.tag else body


Line = tuple[Span, ...]


def line(*spans: Span | str) -> Line:
    return tuple(Span(s) if isinstance(s, str) else s for s in spans)


def _line_units(spans: Line) -> int:
    return sum(units(s.text) for s in spans)


def _join(lines: Sequence[Line]) -> tuple[str, int]:
    text = "\n".join("".join(s.html() for s in ln) for ln in lines)
    visible = sum(_line_units(ln) for ln in lines) + max(len(lines) - 1, 0)
    return text, visible


def compose(
    lines: Sequence[Line],
    *,
    limit: int = TEXT_LIMIT,
    flexible: int | None = None,
    raw_limit: int | None = None,
) -> str:
    """Join lines into Telegram HTML whose visible text fits `limit` (and whose markup fits `raw_limit`).

    The `flexible` line (a synopsis) is trimmed first at a word boundary; if that is not enough, lines are
    dropped from the end. Blank lines (empty tuples) separate paragraphs.
    """
    work = [tuple(Span(_SPACES.sub(" ", core_text.strip_control(s.text)), s.tag, s.href) for s in ln) for ln in lines]
    work = [ln for ln in work if not ln or any(s.text for s in ln)]
    for _ in range(4):
        text, visible = _join(work)
        over = max(visible - limit, len(text) - raw_limit if raw_limit else 0, 0)
        if over == 0:
            return text
        if flexible is not None and flexible < len(work) and work[flexible]:
            spans = list(work[flexible])
            last = spans[-1]
            keep = max(units(last.text) - over - 1, 0)
            spans[-1] = Span(trim(last.text, keep), last.tag, last.href)
            work[flexible] = tuple(s for s in spans if s.text)
            if not work[flexible]:
                flexible = None
            continue
        break
    while len(work) > 1:
        text, visible = _join(work)
        if visible <= limit and (raw_limit is None or len(text) <= raw_limit):
            return text
        work.pop()
        while work and not work[-1]:
            work.pop()
    if not work:
        return escape(ELLIPSIS)
    # A single line still too long: trim its text hard.
    only = work[0]
    joined = "".join(s.text for s in only)
    return escape(trim(joined, min(limit, (raw_limit or limit * 5) // 5)))
