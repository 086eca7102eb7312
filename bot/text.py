"""Text hygiene and trimming, once for the whole bot: what every surface (commands, search, cards on each
platform, poll labels) does to user and catalog text before it uses or shows it.

One class of harmful characters (`CONTROL`): C0/C1 controls except tab and newline, zero-width and bidi
formatting characters (an override can make "evil‮txt.exe" display as something else; a zero-width space
makes two identical-looking titles differ), line/paragraph separators and lone UTF-16 surrogates (they cannot
be encoded as UTF-8 at all). Callers choose what a removed character becomes: nothing (display) or a space
(arguments and queries, which then squeeze whitespace).

One word-boundary `trim`: how it measures (characters, or UTF-16 units as Telegram counts), how far back a word
boundary may be (`boundary`, a share of what fits) and what it strips before the ellipsis are parameters, so
each surface keeps its own output.
"""

from __future__ import annotations

import re
from collections.abc import Callable

ELLIPSIS = "…"

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]")
"""Controls (tab and newline kept), invisible formatting (zero-width, bidi), separators, lone surrogates."""


def strip_control(text: str, replacement: str = "") -> str:
    """`text` without `CONTROL` characters (each replaced by `replacement`); a CRLF or a lone CR becomes a
    newline first, so line structure survives."""
    text = text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
    return CONTROL.sub(replacement, text)


def clean_text(value: str) -> str:
    """One line of user text: harmful characters dropped and all whitespace squeezed to single spaces."""
    return " ".join(strip_control(value, " ").split())


def clean_multiline(value: str) -> str:
    """Like clean_text, line by line, keeping line breaks (and at most one blank line in a row)."""
    lines = [clean_text(line) for line in strip_control(value, " ").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def utf16_units(text: str) -> int:
    """Length as Telegram counts it (entity offsets, message and poll limits): UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def trim(
    text: str,
    limit: int,
    *,
    measure: Callable[[str], int] = len,
    boundary: float = 0.5,
    strip: str | None = None,
    ellipsis: str = ELLIPSIS,
    escape_char: str | None = None,
) -> str:
    """Cut `text` to at most `limit` (as `measure` counts), at the last space when that keeps at least the
    `boundary` share of what fits, dropping `strip` characters (default: whitespace) before the ellipsis.

    With `escape_char` (Discord markdown's backslash) the cut never ends on an unpaired escape, which would
    escape the ellipsis. A limit too small for the ellipsis gives "".
    """
    if measure(text) <= limit:
        return text
    room = limit - measure(ellipsis)
    if room <= 0:
        return ""
    kept: list[str] = []
    used = 0
    for ch in text:
        size = measure(ch)
        if used + size > room:
            break
        kept.append(ch)
        used += size
    whole = "".join(kept)
    cut = whole
    space = cut.rfind(" ")
    if space >= 0 and space >= len(cut) * boundary:
        cut = cut[:space]
    if escape_char:
        trailing = len(cut) - len(cut.rstrip(escape_char))
        if trailing % 2:
            cut = cut[:-1]
    return (cut.rstrip(strip) or whole) + ellipsis
