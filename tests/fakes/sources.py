"""Fake TMDB and Wikidata servers on loopback (aiohttp), for tests and benchmarks. Nothing runs at import.

They answer in the real APIs' shapes (TMDB's error bodies, paging, nulls; Wikidata's formatversion=2
JSON) and can be told to misbehave: `fail(status, times, headers)`, `delay` seconds, `malformed` JSON.
Every request is checked against the documented parameters of its operation (TMDB_OPERATIONS, from
TMDB's API v3 reference pages; WIKIDATA_ACTIONS, from the MediaWiki API help); a request with an unknown
or missing parameter is answered 400 and listed in `violations`, which tests assert to be empty. When TMDB's
own OpenAPI 3.1 description is at ../shared/specs/tmdb-api.json (tests/specs/tmdb_spec.py), every TMDB
request is checked against it as well.
"""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.specs.tmdb_spec import SPEC_PATH as TMDB_SPEC_PATH
from tests.specs.tmdb_spec import TmdbSpec

# operationId -> (path pattern, allowed query parameters, required query parameters); "api_key" is allowed
# everywhere (v3 auth). Enumerations: external_source of /3/find.
TMDB_OPERATIONS: dict[str, tuple[re.Pattern[str], frozenset[str], frozenset[str]]] = {
    "search-movie": (
        re.compile(r"^/3/search/movie$"),
        frozenset({"query", "include_adult", "language", "primary_release_year", "page", "region", "year"}),
        frozenset({"query"}),
    ),
    "movie-details": (re.compile(r"^/3/movie/\d+$"), frozenset({"append_to_response", "language"}), frozenset()),
    "find-by-id": (
        re.compile(r"^/3/find/[^/]+$"),
        frozenset({"external_source", "language"}),
        frozenset({"external_source"}),
    ),
}
TMDB_EXTERNAL_SOURCES = frozenset(
    {"imdb_id", "facebook_id", "instagram_id", "tvdb_id", "tiktok_id", "twitter_id", "wikidata_id", "youtube_id"}
)
TMDB_APPENDABLE = frozenset(
    {"credits", "videos", "alternative_titles", "translations", "external_ids", "release_dates", "images",
     "keywords", "recommendations", "similar", "reviews", "lists", "watch/providers", "account_states", "changes"}
)  # fmt: skip
WIKIDATA_ACTIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "wbsearchentities": (
        frozenset({"search", "language", "uselang", "type", "limit", "continue", "strictlanguage", "props"}),
        frozenset({"search", "language"}),
    ),
    "wbgetentities": (
        frozenset({"ids", "sites", "titles", "props", "languages", "languagefallback", "redirects"}),
        frozenset({"ids"}),
    ),
    "query": (frozenset({"list", "srsearch", "srlimit", "srnamespace", "sroffset", "srwhat"}), frozenset({"list"})),
}
WIKIDATA_COMMON = frozenset({"action", "format", "formatversion", "maxlag", "errorformat"})


@dataclass(slots=True)
class Misbehaviour:
    status: int
    times: int
    headers: dict[str, str] = field(default_factory=dict)


class _FakeBase:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], dict[str, str]]] = []  # path, query, headers
        self.violations: list[str] = []
        self.delay = 0.0
        self.malformed = False
        self._fail: Misbehaviour | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    def fail(self, status: int, times: int = 1, headers: dict[str, str] | None = None) -> None:
        self._fail = Misbehaviour(status, times, dict(headers or {}))

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.requests.append((request.path, query, dict(request.headers)))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self._fail is not None and self._fail.times > 0:
            self._fail.times -= 1
            return web.json_response(self.error_body(self._fail.status), status=self._fail.status,
                                     headers=self._fail.headers)  # fmt: skip
        if self.malformed:
            return web.Response(text='{"results": [', content_type="application/json")
        status, body = self.answer(request.path, query, dict(request.headers))
        return web.json_response(body, status=status)

    def violation(self, what: str) -> tuple[int, Any]:
        self.violations.append(what)
        return 400, self.error_body(400)

    def error_body(self, status: int) -> Any:
        return {"error": status}

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        raise NotImplementedError


class FakeTmdb(_FakeBase):
    """TMDB API v3: /3/search/movie, /3/movie/{id} (with append_to_response), /3/find/{id}."""

    PAGE = 20

    def __init__(self, *, token: str = "test-read-token", api_key: str = "test-api-key") -> None:
        super().__init__()
        self.token, self.api_key = token, api_key
        self.movies: dict[int, dict[str, Any]] = {}
        self.spec = TmdbSpec.load() if TMDB_SPEC_PATH.exists() else None  # TMDB's OpenAPI, when present

    def add(self, details: dict[str, Any]) -> None:
        self.movies[int(details["id"])] = details

    def error_body(self, status: int) -> Any:
        codes = {401: (7, "Invalid API key: You must be granted a valid key."),
                 404: (34, "The resource you requested could not be found."),
                 429: (25, "Your request count (#) is over the allowed limit of (40)."),
                 500: (11, "Internal error: Something went wrong, contact TMDB."),
                 400: (22, "Invalid parameters.")}  # fmt: skip
        code, message = codes.get(status, (11, "Internal error"))
        return {"success": False, "status_code": code, "status_message": message}

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        auth = headers.get("Authorization", "")
        if auth != f"Bearer {self.token}" and query.get("api_key") != self.api_key:
            return 401, self.error_body(401)
        if self.spec is not None and (problems := self.spec.check_request("GET", path, query)):
            return self.violation("; ".join(problems))
        params = {k for k in query if k != "api_key"}
        matched = [(op, spec) for op, spec in TMDB_OPERATIONS.items() if spec[0].match(path)]
        if not matched:
            return self.violation(f"undocumented path {path}")
        op, (_pattern, allowed, required) = matched[0]
        if params - allowed:
            return self.violation(f"{op}: undocumented parameters {sorted(params - allowed)}")
        if required - params:
            return self.violation(f"{op}: missing {sorted(required - params)}")
        for name in ("page", "year", "primary_release_year"):
            if name in query and not query[name].isdigit():
                return self.violation(f"{op}: {name} must be an integer")
        if op == "search-movie":
            return 200, self._search(query)
        if op == "find-by-id":
            if query["external_source"] not in TMDB_EXTERNAL_SOURCES:
                return self.violation(f"find-by-id: external_source {query['external_source']!r}")
            key = path.rsplit("/", 1)[1]
            found = [self._summary(m) for m in self.movies.values() if m.get("imdb_id") == key]
            return 200, {"movie_results": found, "person_results": [], "tv_results": [], "tv_episode_results": [],
                         "tv_season_results": []}  # fmt: skip
        movie = self.movies.get(int(path.rsplit("/", 1)[1]))
        if movie is None:
            return 404, self.error_body(404)
        parts = [p for p in query.get("append_to_response", "").split(",") if p]
        if len(parts) > 20 or set(parts) - TMDB_APPENDABLE:
            return self.violation(f"movie-details: append_to_response {parts}")
        base = {k: v for k, v in movie.items() if k not in TMDB_APPENDABLE}
        base.update({p: copy.deepcopy(movie.get(p, {})) for p in parts})
        return 200, base

    @staticmethod
    def _summary(m: dict[str, Any]) -> dict[str, Any]:
        keys = ("adult", "backdrop_path", "id", "original_language", "original_title", "overview", "popularity",
                "poster_path", "release_date", "title", "video", "vote_average", "vote_count")  # fmt: skip
        out = {k: m.get(k) for k in keys}
        out["genre_ids"] = [g["id"] for g in m.get("genres", [])]
        return out

    def _search(self, query: dict[str, str]) -> dict[str, Any]:
        words = query["query"].casefold()
        year = query.get("year") or query.get("primary_release_year")
        hits = []
        for m in self.movies.values():
            titles = [m.get("title") or "", m.get("original_title") or ""]
            titles += [t["title"] for t in m.get("alternative_titles", {}).get("titles", [])]
            if any(words in t.casefold() for t in titles) and (not year or (m.get("release_date") or "")[:4] == year):
                hits.append(self._summary(m))
        hits.sort(key=lambda m: -(m.get("popularity") or 0))
        page = int(query.get("page", "1"))
        total_pages = max(1, -(-len(hits) // self.PAGE))
        return {"page": page, "results": hits[(page - 1) * self.PAGE : page * self.PAGE],
                "total_pages": total_pages, "total_results": len(hits)}  # fmt: skip


class FakeWikidata(_FakeBase):
    """The MediaWiki API at /w/api.php: wbsearchentities, wbgetentities, query&list=search (haswbstatement)."""

    def __init__(self) -> None:
        super().__init__()
        self.entities: dict[str, dict[str, Any]] = {}

    def add(self, entity: dict[str, Any]) -> None:
        self.entities[entity["id"]] = entity

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        agent = headers.get("User-Agent", "")
        if "@" not in agent and "http" not in agent:  # Wikimedia blocks agents with no contact
            return 403, {"error": {"code": "forbidden", "info": "Please set a user-agent with contact information"}}
        if path != "/w/api.php":
            return 404, {"error": {"code": "notfound"}}
        action = query.get("action", "")
        if action not in WIKIDATA_ACTIONS:
            return self.violation(f"unknown action {action!r}")
        allowed, required = WIKIDATA_ACTIONS[action]
        params = set(query) - WIKIDATA_COMMON
        if params - allowed or required - params or query.get("format") != "json":
            return self.violation(f"{action}: parameters {sorted(query)}")
        if action == "wbsearchentities":
            words = query["search"].casefold()
            hits = [{"id": q, "label": e["labels"].get("en", {}).get("value"), "match": {"type": "label"}}
                    for q, e in self.entities.items()
                    if any(words in v["value"].casefold() for v in e.get("labels", {}).values())]  # fmt: skip
            return 200, {"search": hits[: int(query.get("limit", "7"))], "success": 1}
        if action == "wbgetentities":
            ids = query["ids"].split("|")
            if len(ids) > 50:
                return self.violation("wbgetentities: more than 50 ids")
            out: dict[str, Any] = {}
            keep = {"id", "type", *query.get("props", "labels|claims").split("|")}
            for q in ids:
                e = self.entities.get(q)
                out[q] = {"id": q, "missing": ""} if e is None else {k: v for k, v in e.items() if k in keep}
            return 200, {"entities": out, "success": 1}
        m = re.fullmatch(r"haswbstatement:(P\d+)=(.+)", query.get("srsearch", ""))
        if query.get("list") != "search" or m is None:
            return self.violation(f"query: {query}")
        prop, value = m.groups()
        hits = [
            {"ns": 0, "title": q}
            for q, e in self.entities.items()
            if any(c["mainsnak"].get("datavalue", {}).get("value") == value for c in e.get("claims", {}).get(prop, []))
        ]
        return 200, {"batchcomplete": True, "query": {"searchinfo": {"totalhits": len(hits)}, "search": hits}}


# --- fixtures shaped like the real answers ---------------------------------------------------------


def tmdb_movie(
    movie_id: int,
    title: str,
    original: str,
    released: str,
    *,
    imdb: str | None = None,
    wikidata: str | None = None,
    runtime: int | None = None,
    director: str | None = None,
    cast: list[tuple[str, str]] | None = None,
    trailer: str | None = None,
    alt: list[tuple[str, str]] | None = None,
    language: str = "en",
    poster: str | None = "/poster.jpg",
    votes: int = 1000,
) -> dict[str, Any]:
    """A movie-details answer with every appendable part, nulls where TMDB has them."""
    return {
        "adult": False, "backdrop_path": None, "belongs_to_collection": None, "budget": 0,
        "genres": [{"id": 18, "name": "Drama"}, {"id": 53, "name": "Thriller"}], "homepage": "",
        "id": movie_id, "imdb_id": imdb, "origin_country": ["KR"], "original_language": language,
        "original_title": original, "overview": f"About {title}.", "popularity": votes / 100,
        "poster_path": poster, "production_companies": [],
        "production_countries": [{"iso_3166_1": "KR", "name": "South Korea"}],
        "release_date": released, "revenue": 0, "runtime": runtime, "spoken_languages": [], "status": "Released",
        "tagline": "", "title": title, "video": False, "vote_average": 8.5, "vote_count": votes,
        "credits": {
            "cast": [{"adult": False, "gender": 2, "id": 100 + i, "known_for_department": "Acting", "name": n,
                      "original_name": n, "popularity": 1.0, "profile_path": None, "cast_id": i, "character": c,
                      "credit_id": f"c{i}", "order": i} for i, (n, c) in enumerate(cast or [])],
            "crew": ([{"adult": False, "gender": 2, "id": 99, "name": director, "original_name": director,
                       "profile_path": None, "credit_id": "d1", "department": "Directing", "job": "Director"},
                      {"adult": False, "gender": 2, "id": 99, "name": director, "original_name": director,
                       "profile_path": None, "credit_id": "w1", "department": "Writing", "job": "Screenplay"}]
                     if director else []),
        },
        "videos": {"results": ([{"iso_639_1": "en", "iso_3166_1": "US", "name": "Teaser", "key": "teaser1",
                                 "site": "YouTube", "size": 1080, "type": "Teaser", "official": True,
                                 "published_at": "2019-01-01T00:00:00.000Z", "id": "v0"},
                                {"iso_639_1": "en", "iso_3166_1": "US", "name": "Official Trailer", "key": trailer,
                                 "site": "YouTube", "size": 1080, "type": "Trailer", "official": True,
                                 "published_at": "2019-01-02T00:00:00.000Z", "id": "v1"}] if trailer else [])},
        "alternative_titles": {"titles": [{"iso_3166_1": c, "title": t, "type": ""} for c, t in (alt or [])]},
        "translations": {"translations": [
            {"iso_3166_1": "KR", "iso_639_1": "ko", "name": "한국어/조선말", "english_name": "Korean",
             "data": {"homepage": "", "overview": "", "runtime": 0, "tagline": "",
                      "title": original if language != "en" else ""}}]},
        "external_ids": {"imdb_id": imdb, "wikidata_id": wikidata, "facebook_id": None, "instagram_id": None,
                         "twitter_id": None},
        "release_dates": {"results": [{"iso_3166_1": "US", "release_dates": [
            {"certification": c, "descriptors": [], "iso_639_1": "", "note": "",
             "release_date": f"{released}T00:00:00.000Z", "type": 3} for c in ("", "R")]}]},
    }  # fmt: skip


def wd_item(qid: str, labels: dict[str, str], claims: dict[str, list[Any]]) -> dict[str, Any]:
    """An entity in wbgetentities' shape; claim values: "Q…" items, strings, or raw datavalue dicts."""

    def snak(prop: str, value: Any) -> dict[str, Any]:
        if isinstance(value, str) and re.fullmatch(r"Q\d+", value):
            dv: dict[str, Any] = {"value": {"entity-type": "item", "numeric-id": int(value[1:]), "id": value},
                                  "type": "wikibase-entityid"}  # fmt: skip
        elif isinstance(value, str):
            dv = {"value": value, "type": "string"}
        else:
            dv = {"value": value, "type": "quantity" if "amount" in value else "time"}
        return {"mainsnak": {"snaktype": "value", "property": prop, "datavalue": dv}, "type": "statement",
                "rank": "normal", "id": f"{qid}${prop}"}  # fmt: skip

    return {
        "type": "item",
        "id": qid,
        "labels": {lang: {"language": lang, "value": v} for lang, v in labels.items()},
        "claims": {p: [snak(p, v) for v in values] for p, values in claims.items()},
    }


def parasite_fixtures() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Parasite (2019) as TMDB details and as Wikidata items (the film, its people, its genre)."""
    tmdb = tmdb_movie(
        496243, "Parasite", "기생충", "2019-05-30", imdb="tt6751668", wikidata="Q61448040", runtime=133,
        director="Bong Joon Ho", cast=[("Song Kang-ho", "Kim Ki-taek"), ("Lee Sun-kyun", "Park Dong-ik")],
        trailer="5xH0HfJHsaY", alt=[("KR", "Gisaengchung")], language="ko", votes=19000,
    )  # fmt: skip
    film = wd_item(
        "Q61448040",
        {"en": "Parasite", "ko": "기생충", "fr": "Parasite", "ja": "パラサイト 半地下の家族"},
        {"P31": ["Q11424"], "P57": ["Q495980"], "P161": ["Q484014", "Q7294"], "P136": ["Q130232"],
         "P2047": [{"amount": "+132", "unit": "http://www.wikidata.org/entity/Q7727"}],
         "P577": [{"time": "+2019-05-30T00:00:00Z", "precision": 11, "calendarmodel": "Q1985727"},
                  {"time": "+2019-05-21T00:00:00Z", "precision": 11, "calendarmodel": "Q1985727"}],
         "P1651": ["5xH0HfJHsaY"], "P345": ["tt6751668"], "P4947": ["496243"]},
    )  # fmt: skip
    people = [
        wd_item("Q495980", {"en": "Bong Joon-ho", "ko": "봉준호"}, {}),
        wd_item("Q484014", {"en": "Song Kang-ho"}, {}),
        wd_item("Q7294", {"en": "Lee Sun-kyun"}, {}),
        wd_item("Q130232", {"en": "drama film"}, {}),
    ]
    return tmdb, [film, *people]


@asynccontextmanager
async def running_sources() -> AsyncIterator[tuple[FakeTmdb, FakeWikidata]]:
    """Fake TMDB and Wikidata on loopback holding Parasite (2019) and Train to Busan (2016); on the way out,
    every request they saw must have matched the documented parameters."""
    tmdb, wikidata = FakeTmdb(), FakeWikidata()
    details, entities = parasite_fixtures()
    tmdb.add(details)
    tmdb.add(
        tmdb_movie(396535, "Train to Busan", "부산행", "2016-07-20", imdb="tt5700672", trailer="pyWuHv2-Abk",
                   director="Yeon Sang-ho", runtime=118)
    )  # fmt: skip
    for entity in entities:
        wikidata.add(entity)
    await tmdb.start()
    await wikidata.start()
    yield tmdb, wikidata
    await tmdb.stop()
    await wikidata.stop()
    assert tmdb.violations == [] and wikidata.violations == []
