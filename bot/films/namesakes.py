"""Which of several films sharing one title is "the" film of that name, when nothing else is known.

A catalog without votes (the starter catalog) cannot rank namesakes by popularity, and learned popularity
starts at nothing. One honest signal is in the catalog's own text: the synopsis of the newest film of a name
usually says which earlier film it remakes or follows ("... is a remake of the 1990 film of the same name",
"... following ... the Academy Award-winning 1959 film"). The earlier film it names is the original people
measure the name against, so it is the one meant by the bare title: *Total Recall* is the 1990 film, *Ben-Hur*
the 1959 one. When the newest film names no earlier namesake, nothing is said and the search index's usual
tie order (the more recent film first) stands.

Measured on the starter catalog's 680 namesake groups whose most voted member is clear (votes from the
benchmark catalog, a film at least twice as voted as the next): the more recent film first picks it in 405,
with this signal first 456. A mention by an older namesake is not used: a 1999 remake naming the 1932 film
says nothing about which of the three a 2017 film's audience means (counting every mention: 450, with more
losses among recent blockbusters).

Pure rules, no I/O: the catalog reads the rows (`FilmRepository.namesake_rows`) and hands the result to the
search index (`SearchIndex.known`), which orders otherwise tied matches by it after votes and learned
popularity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.films.normalize import normalize_title

__all__ = ["NamesakeRow", "originals"]

NamesakeRow = tuple[int, str, int | None, str | None]  # (film id, display title, year, synopsis)
ORIGINAL = 1.0  # what `originals` gives a film the newest namesake names
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def originals(rows: Iterable[NamesakeRow]) -> dict[int, float]:
    """Film id -> ORIGINAL for each film whose year the synopsis of the newest film of the same title names.

    Titles are compared in the search index's normal form; films without a year take no part. Several
    newest films (the same year) each count; a film never names itself.
    """
    groups: dict[str, list[NamesakeRow]] = {}
    for row in rows:
        if row[2] is None:
            continue
        key = normalize_title(row[1])
        if key:
            groups.setdefault(key, []).append(row)
    found: dict[int, float] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        newest = max(year for _, _, year, _ in group if year is not None)
        named: set[int] = set()
        for _, _, year, synopsis in group:
            if year == newest and synopsis:
                named.update(int(y) for y in _YEAR.findall(synopsis))
        for film_id, _, year, _ in group:
            if year is not None and year < newest and year in named:
                found[film_id] = ORIGINAL
    return found
