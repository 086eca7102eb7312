"""Text hygiene shared by titles, edits and queries: the invisible characters that only ever do harm.

Direction overrides and isolates (U+202A-202E, U+2066-2069) can make a title display as something else
("evil‮txt.exe"); zero-width characters (U+200B-200F, U+2060-2064, U+FEFF) make two identical-looking
titles differ and a search miss. They are removed on import and on every edit (importers' `text`, curation's
`text_value`); queries already lose the same class in `normalize.strip_control`, which turns them into spaces.
Lone UTF-16 surrogates (from JSON "\\ud800" escapes) cannot be stored or printed as UTF-8 at all.
"""

from __future__ import annotations

import re

INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
SURROGATE = re.compile("[\ud800-\udfff]")


def strip_invisible(text: str) -> str:
    """`text` without bidi controls and zero-width characters."""
    return INVISIBLE.sub("", text)


def has_surrogate(text: str) -> bool:
    return SURROGATE.search(text) is not None
