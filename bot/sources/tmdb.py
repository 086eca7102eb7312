"""TMDB (API v3): search by title (+year), full details, find by IMDb id -> our `Film` records.

Auth: a v4 read-access token (sent as ``Authorization: Bearer``, preferred) or a v3 API key (the
``api_key`` query parameter, masked in httpx's log lines). This product uses the TMDB API but is not
endorsed or certified by TMDB.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import httpx

from bot.films.locales import locale_of
from bot.films.model import Credit, Film, TitleLocale
from bot.sources.base import Clock, HttpSource, SourceError, hide_in_logs

APPEND = "credits,videos,alternative_titles,translations,external_ids,release_dates"
IMAGE_BASE = "https://image.tmdb.org/t/p/w500"
MAX_CAST = 15
MAX_ALT_TITLES = 40
WRITING_JOBS = frozenset({"Screenplay", "Writer", "Story", "Novel", "Author"})
ATTRIBUTION = "This product uses the TMDB API but is not endorsed or certified by TMDB."


class TmdbClient(HttpSource):
    name = "TMDB"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        read_token: str | None = None,
        base_url: str = "https://api.themoviedb.org",
        language: str = "en-US",
        region: str = "US",
        timeout: float = 5.0,
        backoff: float = 30.0,
        clock: Clock = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not (api_key or read_token):
            raise ValueError("TMDB needs an API key or a read-access token")
        headers = {"Accept": "application/json"}
        params: dict[str, str] = {}
        if read_token:
            headers["Authorization"] = f"Bearer {read_token}"
        else:
            params["api_key"] = api_key or ""
        hide_in_logs(api_key, read_token)
        super().__init__(
            base_url, timeout=timeout, headers=headers, params=params, backoff=backoff, clock=clock, transport=transport
        )
        self.language, self.region = language, region

    async def search(self, title: str, year: int | None = None) -> list[Film]:
        """Candidates for a title (first page: TMDB orders by relevance), as light films (no credits)."""
        data = await self.get_json(
            "/3/search/movie",
            {"query": title, "year": year, "include_adult": "false", "language": self.language, "page": 1},
        )
        results = _list(data, "results")
        return [_light(r) for r in results if isinstance(r, dict) and r.get("id") is not None]

    async def details(self, movie_id: int | str) -> Film | None:
        """The full record of one film; None if TMDB has no such id."""
        if not str(movie_id).isdigit():
            raise SourceError("TMDB ids are numbers")
        data = await self.get_json(
            f"/3/movie/{int(movie_id)}", {"append_to_response": APPEND, "language": self.language}
        )
        if not isinstance(data, dict) or data.get("id") is None:
            return None
        return film_from_details(data, self.region)

    async def find_imdb(self, imdb_id: str) -> Film | None:
        """The film TMDB links to an IMDb id (tt…), with full details; None if none."""
        data = await self.get_json(f"/3/find/{imdb_id}", {"external_source": "imdb_id", "language": self.language})
        movies = _list(data, "movie_results")
        if not movies or not isinstance(movies[0], dict):
            return None
        return await self.details(movies[0]["id"])


def _list(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _light(r: dict[str, Any]) -> Film:
    released = _date(r.get("release_date"))
    return Film(
        title=_str(r.get("title")) or _str(r.get("original_title")) or f"TMDB {r['id']}",
        original_title=_str(r.get("original_title")),
        year=released.year if released else None,
        release_date=released,
        synopsis=_str(r.get("overview")),
        votes=r.get("vote_count") if isinstance(r.get("vote_count"), int) else None,
        poster_url=f"{IMAGE_BASE}{r['poster_path']}" if _str(r.get("poster_path")) else None,
        info_url=f"https://www.themoviedb.org/movie/{r['id']}",
        external_ids={"tmdb": str(r["id"])},
        source="tmdb",
    )


def _trailer(data: dict[str, Any]) -> str | None:
    videos = [v for v in _list(data.get("videos"), "results") if isinstance(v, dict)]
    youtube = [v for v in videos if v.get("site") == "YouTube" and _str(v.get("key"))]
    ranked = sorted(youtube, key=lambda v: (v.get("type") != "Trailer", not v.get("official", False)))
    return f"https://www.youtube.com/watch?v={ranked[0]['key']}" if ranked else None


def _certification(data: dict[str, Any], region: str) -> str | None:
    for country in _list(data.get("release_dates"), "results"):
        if isinstance(country, dict) and country.get("iso_3166_1") == region:
            for release in country.get("release_dates") or []:
                cert = _str(release.get("certification")) if isinstance(release, dict) else None
                if cert:
                    return cert
    return None


def _credits(data: dict[str, Any]) -> list[Credit]:
    credits = data.get("credits") if isinstance(data.get("credits"), dict) else {}
    crew = [c for c in _list(credits, "crew") if isinstance(c, dict) and _str(c.get("name"))]
    cast = [c for c in _list(credits, "cast") if isinstance(c, dict) and _str(c.get("name"))]
    out = [Credit(c["name"].strip(), "director") for c in crew if c.get("job") == "Director"]
    seen: set[str] = set()
    for c in crew:
        if c.get("department") == "Writing" and c.get("job") in WRITING_JOBS and c["name"] not in seen:
            seen.add(c["name"])
            out.append(Credit(c["name"].strip(), "writer"))
    cast.sort(key=_order)
    out += [Credit(c["name"].strip(), "cast", _str(c.get("character"))) for c in cast[:MAX_CAST]]
    return out


def _order(credit: dict[str, Any]) -> int:
    order = credit.get("order")
    return order if isinstance(order, int) else 10**6


def _alt_titles(data: dict[str, Any], exclude: set[str | None]) -> tuple[list[str], dict[str, TitleLocale]]:
    """Alternative titles (region from `iso_3166_1`) and translated titles (language from `iso_639_1`,
    region from `iso_3166_1`), each title once with the first locale it came with."""
    found: list[tuple[str | None, TitleLocale | None]] = []
    for t in _list(data.get("alternative_titles"), "titles"):
        if isinstance(t, dict):
            found.append((_str(t.get("title")), locale_of(None, t.get("iso_3166_1"))))
    for tr in _list(data.get("translations"), "translations"):
        inner = tr.get("data") if isinstance(tr, dict) else None
        if isinstance(inner, dict):
            found.append((_str(inner.get("title")), locale_of(tr.get("iso_639_1"), tr.get("iso_3166_1"))))
    out: list[str] = []
    locales: dict[str, TitleLocale] = {}
    seen = set(exclude)
    for t, locale in found:
        if t and t not in seen and len(out) < MAX_ALT_TITLES:
            seen.add(t)
            out.append(t)
        if t in out and locale is not None:
            locales.setdefault(t, locale)
    return out, locales


def film_from_details(data: dict[str, Any], region: str = "US") -> Film:
    """A TMDB movie-details answer (with the appended parts) as a Film."""
    film = _light(data)
    ext = dict(film.external_ids)
    raw_ids = data.get("external_ids")
    ids: dict[str, Any] = raw_ids if isinstance(raw_ids, dict) else {}
    imdb = _str(data.get("imdb_id")) or _str(ids.get("imdb_id"))
    if imdb:
        ext["imdb"] = imdb
    wikidata = _str(ids.get("wikidata_id"))
    if wikidata:
        ext["wikidata"] = wikidata
    countries = [c.get("iso_3166_1") for c in data.get("production_countries") or [] if isinstance(c, dict)]
    countries = [c for c in countries if c] or [c for c in data.get("origin_country") or [] if c]
    original = film.original_title if film.original_title != film.title else None
    runtime = data.get("runtime")
    rating = data.get("vote_average")
    alt_titles, locales = _alt_titles(data, {film.title, original})
    return film.replace(
        original_title=original,
        alt_titles=alt_titles,
        alt_title_locales=locales,
        runtime_minutes=runtime if isinstance(runtime, int) and runtime > 0 else None,
        country=countries[0] if countries else None,
        content_rating=_certification(data, region),
        genres=[g["name"] for g in data.get("genres") or [] if isinstance(g, dict) and _str(g.get("name"))],
        rating=float(rating) if isinstance(rating, int | float) and data.get("vote_count") else None,
        trailer_url=_trailer(data),
        external_ids=ext,
        credits=_credits(data),
    )
