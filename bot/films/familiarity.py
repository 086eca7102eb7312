"""How well people are likely to know a film, from its record alone, for suggestions (`/random`,
`/movienight suggest`): `KNOWN` (2) when people voted for it, `DESCRIBED` (1) when it has a synopsis and a cast
of at least `CAST_LISTED` (a feature someone wrote about at length), 0 otherwise (a 1905 short with a bare
title). In the starter catalog few films have votes, and a fuller cast list goes with the films people
remember (Alien 7, American Beauty 8, Mud 12 against 3 for most silent-era records).

The store keeps this level in a column written with every film row (`bot.store.mapping.film_values`), so a
suggestion reads an index instead of counting each film's cast; films our members look up (learned
popularity) count as known as well, added at query time (`bot.store.familiarity`).
"""

from __future__ import annotations

from bot.films.model import Film

KNOWN = 2
DESCRIBED = 1
CAST_LISTED = 4


def record_familiarity(film: Film) -> int:
    if film.votes is not None and film.votes > 0:
        return KNOWN
    if film.synopsis and len(film.cast) >= CAST_LISTED:
        return DESCRIBED
    return 0
