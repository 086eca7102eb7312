"""The film record (JSON object) <-> domain Film: the schema of JSON Lines, JSON and CSV rows.

Schema (every field but `title` optional)::

    id              "source:key", e.g. "ml:105340" (-> external_ids {"ml": "105340"})
    title, original_title, year, release_date ("YYYY-MM-DD"), runtime_minutes, country,
    content_rating, synopsis, votes, rating (0..10), trailer_url, poster_url, info_url, source
    alt_titles      list of titles or {"title": ..., "language": "ko", "region": "KR"} (both codes optional)
    aliases, genres, directors, writers   lists of strings
    cast            list of names or {"name": ..., "character": ...}
    external_ids    {"imdb": "tt2659414", "tmdb": "158445"}

Exported records write an alternative title as an object when its language or region is known, else as a
string. Exported records list credits as directors, writers, cast, which is also the order import builds them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.films.importers import fields as F
from bot.films.importers.errors import BadValue
from bot.films.locales import language_code, region_code
from bot.films.model import SCALAR_FIELDS, Credit, Film, TitleLocale
from bot.i18n import _

# A record's fields: Film's plain values, its lists and credits as a record spells them, and the source's key.
KNOWN_FIELDS = frozenset(
    {"id", *SCALAR_FIELDS, "alt_titles", "aliases", "genres", "directors", "writers", "cast", "external_ids"}
)


def film_from_record(rec: Mapping[str, Any]) -> Film:
    """Validate one record; raises BadValue with a reason naming the field."""
    ext = F.external_ids(rec.get("external_ids"))
    pair = F.split_id(rec.get("id"))
    if pair is not None:
        source, key = pair
        if ext.get(source, key) != key:
            raise BadValue(
                _("id {id} disagrees with external_ids {other}", id=f"{source}:{key}", other=f"{source}:{ext[source]}")
            )
        ext = {source: key, **ext}
    title = F.title(rec.get("title"))
    credits = [Credit(n, "director") for n in F.string_list(rec.get("directors"), "directors", F.MAX_NAME)]
    credits += [Credit(n, "writer") for n in F.string_list(rec.get("writers"), "writers", F.MAX_NAME)]
    credits += _cast(rec.get("cast"))
    alt_titles, locales = _alt_titles(rec.get("alt_titles"), title)
    return Film(
        title=title,
        year=F.year(rec.get("year")),
        original_title=F.text(rec.get("original_title"), "original_title", F.MAX_TITLE),
        alt_titles=alt_titles,
        alt_title_locales=locales,
        aliases=F.string_list(rec.get("aliases"), "aliases", F.MAX_TITLE),
        release_date=F.iso_date(rec.get("release_date")),
        runtime_minutes=F.runtime(rec.get("runtime_minutes")),
        country=F.text(rec.get("country"), "country", F.MAX_SHORT),
        content_rating=F.text(rec.get("content_rating"), "content_rating", F.MAX_SHORT),
        genres=F.string_list(rec.get("genres"), "genres"),
        synopsis=F.text(rec.get("synopsis"), "synopsis", F.MAX_SYNOPSIS),
        votes=F.votes(rec.get("votes")),
        rating=F.rating(rec.get("rating")),
        trailer_url=F.url(rec.get("trailer_url"), "trailer_url"),
        poster_url=F.url(rec.get("poster_url"), "poster_url"),
        info_url=F.url(rec.get("info_url"), "info_url"),
        external_ids=ext,
        credits=credits,
        source=F.text(rec.get("source"), "source", F.MAX_SHORT),
    )


def _alt_titles(value: Any, title: str) -> tuple[list[str], dict[str, TitleLocale]]:
    """Alternative titles (strings or title/language/region objects) without the main title; a title
    given twice keeps its first place and its first known locale."""
    if value is None:
        return [], {}
    if not isinstance(value, list):
        raise BadValue(_("{what} must be a list", what="alt_titles"))
    if len(value) > F.MAX_ITEMS:
        raise BadValue(
            _("{what} has {count} items (at most {limit})", what="alt_titles", count=len(value), limit=F.MAX_ITEMS)
        )
    titles: list[str] = []
    locales: dict[str, TitleLocale] = {}
    for i, item in enumerate(value, 1):
        what = f"alt_titles item {i}"
        locale: TitleLocale | None = None
        if isinstance(item, dict):
            unknown = set(item) - {"title", "language", "region"}
            if unknown:
                raise BadValue(_("{what} has unknown keys {keys}", what=what, keys=sorted(unknown)))
            name = F.text(item.get("title"), f"{what} title", F.MAX_TITLE, required=True)
            locale = _locale(item.get("language"), item.get("region"), what)
        else:
            name = F.text(item, what, F.MAX_TITLE)
        if name is None or name == title:
            continue
        if name not in titles:
            titles.append(name)
        if locale is not None:
            locales.setdefault(name, locale)
    return titles, locales


def _locale(language: Any, region: Any, what: str) -> TitleLocale | None:
    lang = F.text(language, f"{what} language", 16)
    reg = F.text(region, f"{what} region", 16)
    if lang is not None and language_code(lang) is None:
        raise BadValue(
            _('{what} language {value} is not a language code such as "ko" (ISO 639-1)', what=what, value=repr(lang))
        )
    if reg is not None and region_code(reg) is None:
        raise BadValue(
            _('{what} region {value} is not a country code such as "KR" (ISO 3166-1)', what=what, value=repr(reg))
        )
    if lang is None and reg is None:
        return None
    return TitleLocale(language_code(lang), region_code(reg))


def _alt_title_out(film: Film, title: str) -> str | dict[str, str | None]:
    locale = film.alt_title_locale(title)
    if locale is None:
        return title
    return {"title": title, "language": locale.language, "region": locale.region}


def _cast(value: Any) -> list[Credit]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadValue(_("{what} must be a list", what="cast"))
    if len(value) > F.MAX_ITEMS:
        raise BadValue(
            _("{what} has {count} items (at most {limit})", what="cast", count=len(value), limit=F.MAX_ITEMS)
        )
    out: list[Credit] = []
    for i, item in enumerate(value, 1):
        what = f"cast item {i}"
        if isinstance(item, dict):
            unknown = set(item) - {"name", "character"}
            if unknown:
                raise BadValue(_("{what} has unknown keys {keys}", what=what, keys=sorted(unknown)))
            name = F.text(item.get("name"), f"{what} name", F.MAX_NAME, required=True)
            character = F.text(item.get("character"), f"{what} character", F.MAX_NAME)
        else:
            name, character = F.text(item, what, F.MAX_NAME), None
        if name is not None:
            out.append(Credit(name, "cast", character))
    return out


def record_from_film(film: Film) -> dict[str, Any]:
    """The export record: everything `film_from_record` reads back into an equal Film."""
    first = next(iter(film.external_ids.items()), None)
    return {
        "id": f"{first[0]}:{first[1]}" if first else None,
        "title": film.title,
        "year": film.year,
        "original_title": film.original_title,
        "alt_titles": [_alt_title_out(film, t) for t in film.alt_titles],
        "aliases": list(film.aliases),
        "genres": list(film.genres),
        "directors": film.directors,
        "writers": film.writers,
        "cast": [c.name if c.character is None else {"name": c.name, "character": c.character} for c in film.cast],
        "runtime_minutes": film.runtime_minutes,
        "release_date": film.release_date.isoformat() if film.release_date else None,
        "country": film.country,
        "content_rating": film.content_rating,
        "synopsis": film.synopsis,
        "votes": film.votes,
        "rating": film.rating,
        "trailer_url": film.trailer_url,
        "poster_url": film.poster_url,
        "info_url": film.info_url,
        "source": film.source,
        "external_ids": dict(film.external_ids),
    }
