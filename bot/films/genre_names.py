"""Genre names the catalog uses, marked for translation (gettext domain `messages`).

Genres are stored in English as the sources give them ("Drama", "Science Fiction", "Sci-Fi"); a card shows
them in the member's language. The list below is every genre of the shipped catalogs and of TMDB's genre list;
a genre outside it (an admin's own) is shown as stored. Matching ignores case, so "drama" is "Drama".
"""

from __future__ import annotations

from functools import cache

from bot.i18n import N_, _, current_language

GENRES: tuple[str, ...] = (
    N_("Action"),
    N_("Adult"),
    N_("Adventure"),
    N_("Animated"),
    N_("Animation"),
    N_("Biography"),
    N_("Children"),
    N_("Comedy"),
    N_("Crime"),
    N_("Dance"),
    N_("Disaster"),
    N_("Documentary"),
    N_("Drama"),
    N_("Erotic"),
    N_("Family"),
    N_("Fantasy"),
    N_("Film-Noir"),
    N_("Found Footage"),
    N_("Game-Show"),
    N_("Historical"),
    N_("History"),
    N_("Horror"),
    N_("IMAX"),
    N_("Independent"),
    N_("Legal"),
    N_("Live Action"),
    N_("Martial Arts"),
    N_("Music"),
    N_("Musical"),
    N_("Mystery"),
    N_("News"),
    N_("Noir"),
    N_("Performance"),
    N_("Political"),
    N_("Reality-TV"),
    N_("Romance"),
    N_("Satire"),
    N_("Sci-Fi"),
    N_("Science Fiction"),
    N_("Short"),
    N_("Silent"),
    N_("Slasher"),
    N_("Spy"),
    N_("Sport"),
    N_("Sports"),
    N_("Superhero"),
    N_("Supernatural"),
    N_("Suspense"),
    N_("TV Movie"),
    N_("Talk-Show"),
    N_("Teen"),
    N_("Thriller"),
    N_("War"),
    N_("Western"),
)


@cache
def _known() -> dict[str, str]:
    return {genre.casefold(): genre for genre in GENRES}


def genre_label(genre: str) -> str:
    """`genre` in the current request's language when it is a known genre, else as stored."""
    known = _known().get(genre.strip().casefold())
    return _(known) if known is not None else genre


def genre_labels(genres: tuple[str, ...] | list[str]) -> str:
    """The genres of a card, translated, comma-separated (an ideographic comma in Japanese)."""
    separator = "、" if current_language() == "ja" else ", "
    return separator.join(genre_label(g) for g in genres)
