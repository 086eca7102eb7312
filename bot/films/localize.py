"""Pickers and lists show a film by the same title its card does: the member's language first.

A `FilmChoice` is built from the search index (fast, and the same in every language); the title in the member's
language comes from the film's record (`bot.films.local_titles`), read through the catalog's film cache. This
module fills `FilmChoice.local_title` on every list a reply carries — a picker, search results, a card's other
matches — once the reply is made and its language is known. English needs nothing (the display titles are English).

Autocomplete never reads the store (`remembered_local_choices`): a film in the cache gets its card's title; another
gets the title its script says is in the language (Hangul Korean, kana Japanese) — the same one, unless only a
source knew the language of a title in Han characters alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence

from bot.films.local_titles import film_local_title, local_title
from bot.films.model import Film
from bot.films.search import SearchDoc
from bot.i18n import DEFAULT_LANGUAGE, current_language
from bot.replies import FilmCard, FilmChoice, FilmList, Reply

FilmLoader = Callable[[Sequence[int]], Awaitable[Mapping[int, Film]]]  # `Catalog.films`: by id, cached


async def local_choices(
    choices: Sequence[FilmChoice], load: FilmLoader, language: str | None = None
) -> tuple[FilmChoice, ...]:
    """`choices` with the title each film has in `language` (the current one by default), where it has one."""
    language = language or current_language()
    if language == DEFAULT_LANGUAGE or not choices:
        return tuple(choices)
    films = await load([c.film_id for c in choices])
    out = []
    for choice in choices:
        film = films.get(choice.film_id)
        local = film_local_title(film, language) if film is not None else None
        out.append(dataclasses.replace(choice, local_title=local) if local != choice.local_title else choice)
    return tuple(out)


async def with_local_titles(reply: Reply, load: FilmLoader, language: str | None = None) -> Reply:
    """The reply with its films' local titles on every picker line (lists and a card's other matches)."""
    if isinstance(reply, FilmList) and reply.items:
        return dataclasses.replace(reply, items=await local_choices(reply.items, load, language))
    if isinstance(reply, FilmCard) and reply.others:
        return dataclasses.replace(reply, others=await local_choices(reply.others, load, language))
    return reply


def remembered_local_choices(
    choices: Sequence[FilmChoice],
    cached: Callable[[int], Film | None],
    indexed: Callable[[int], SearchDoc | None],
    language: str | None = None,
) -> list[FilmChoice]:
    """`local_choices` from memory only (autocomplete: within Discord's 3 s and never the database): the cached
    film's record when there is one, else the indexed titles by their script."""
    language = language or current_language()
    if language == DEFAULT_LANGUAGE:
        return list(choices)
    out = []
    for choice in choices:
        film = cached(choice.film_id)
        if film is not None:
            local = film_local_title(film, language)
        else:
            doc = indexed(choice.film_id)
            # an admin's alias (a search shortcut) is no title a card shows: left out
            titles = [(t, None) for t in doc.all_titles() if t not in doc.aliases] if doc is not None else []
            local = local_title(titles, choice.title, language)
        out.append(dataclasses.replace(choice, local_title=local) if local else choice)
    return out
