"""TMDB and Wikidata clients through real httpx against the fake servers on loopback."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from datetime import date

import pytest

from bot.films.model import Credit, TitleLocale
from bot.sources import SourceError, Sources, SourceUnavailable, TmdbClient, WikidataClient, parse_ref
from bot.sources.refs import FilmRef
from tests.fakes.sources import FakeTmdb, FakeWikidata, parasite_fixtures, tmdb_movie


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def tmdb_server() -> AsyncIterator[FakeTmdb]:
    server = FakeTmdb()
    details, _ = parasite_fixtures()
    server.add(details)
    server.add(tmdb_movie(396535, "Train to Busan", "부산행", "2016-07-20", imdb="tt5700672", poster=None))
    await server.start()
    yield server
    await server.stop()
    assert server.violations == []


@pytest.fixture
async def wikidata_server() -> AsyncIterator[FakeWikidata]:
    server = FakeWikidata()
    for entity in parasite_fixtures()[1]:
        server.add(entity)
    await server.start()
    yield server
    await server.stop()
    assert server.violations == []


async def test_tmdb_details_map_to_a_full_film(tmdb_server: FakeTmdb) -> None:
    client = TmdbClient(read_token="test-read-token", base_url=tmdb_server.url)
    try:
        film = await client.details(496243)
    finally:
        await client.close()
    assert film is not None
    assert (film.title, film.original_title, film.year, film.runtime_minutes) == ("Parasite", "기생충", 2019, 133)
    assert film.release_date == date(2019, 5, 30) and film.country == "KR" and film.content_rating == "R"
    assert film.external_ids == {"tmdb": "496243", "imdb": "tt6751668", "wikidata": "Q61448040"}
    assert film.trailer_url == "https://www.youtube.com/watch?v=5xH0HfJHsaY"  # the official trailer, not the teaser
    assert film.poster_url == "https://image.tmdb.org/t/p/w500/poster.jpg"
    assert film.credits[:2] == [Credit("Bong Joon Ho", "director"), Credit("Bong Joon Ho", "writer")]
    assert Credit("Song Kang-ho", "cast", "Kim Ki-taek") in film.credits
    assert film.alt_titles == ["Gisaengchung"] and film.genres == ["Drama", "Thriller"]
    assert film.alt_title_locales == {"Gisaengchung": TitleLocale(None, "KR")}
    assert (film.votes, film.rating, film.source) == (19000, 8.5, "tmdb")
    _path, query, headers = tmdb_server.requests[-1]
    assert query["append_to_response"] == "credits,videos,alternative_titles,translations,external_ids,release_dates"
    assert headers["Authorization"] == "Bearer test-read-token" and "api_key" not in query


async def test_tmdb_search_find_and_nulls(tmdb_server: FakeTmdb) -> None:
    client = TmdbClient(api_key="test-api-key", base_url=tmdb_server.url)
    try:
        hits = await client.search("busan", 2016)
        assert [(f.title, f.year, f.poster_url) for f in hits] == [("Train to Busan", 2016, None)]
        assert await client.search("busan", 1999) == []
        found = await client.find_imdb("tt6751668")
        assert found is not None and found.external_ids["tmdb"] == "496243"
        assert await client.find_imdb("tt0000001") is None
        assert await client.details(1) is None  # TMDB's 404
        busan = await client.details(396535)
        assert busan is not None and busan.runtime_minutes is None and busan.trailer_url is None
    finally:
        await client.close()


async def test_tmdb_key_is_never_in_logs_or_errors(tmdb_server: FakeTmdb, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "test-api-key"
    client = TmdbClient(api_key=secret, base_url=tmdb_server.url)
    messages = []
    try:
        await client.search("parasite")
        tmdb_server.fail(500)
        with pytest.raises(SourceError) as failed:
            await client.search("parasite")
        messages.append(str(failed.value))
    finally:
        await client.close()
    wrong = TmdbClient(api_key="wrong-secret-key", base_url=tmdb_server.url)
    try:
        with pytest.raises(SourceError) as refused:
            await wrong.details(496243)
        messages.append(str(refused.value))
    finally:
        await wrong.close()
    logged = caplog.text
    assert "HTTP Request" in logged and "api_key=***" in logged  # httpx logged the request, masked
    assert secret not in logged and "wrong-secret-key" not in logged
    assert all(secret not in m and "wrong-secret-key" not in m for m in messages)
    assert "refused the configured credentials (401)" in messages[1]


async def test_breaker_skips_a_failed_source_without_delay_and_honours_retry_after(tmdb_server: FakeTmdb) -> None:
    clock = Clock()
    client = TmdbClient(read_token="test-read-token", base_url=tmdb_server.url, timeout=0.2, backoff=30, clock=clock)
    try:
        tmdb_server.delay = 1.0
        with pytest.raises(SourceError, match="timed out"):
            await client.search("parasite")
        tmdb_server.delay = 0
        asked = len(tmdb_server.requests)
        started = time.perf_counter()
        with pytest.raises(SourceUnavailable):
            await client.search("parasite")
        assert time.perf_counter() - started < 0.05 and len(tmdb_server.requests) == asked  # no network at all
        clock.now += 31
        assert await client.search("parasite")  # half-open: tried again, and it works
        tmdb_server.fail(429, headers={"Retry-After": "7"})
        with pytest.raises(SourceError, match="slow down; skipped for 7 s"):
            await client.search("parasite")
        clock.now += 6
        with pytest.raises(SourceUnavailable):
            await client.search("parasite")
        clock.now += 2
        assert await client.search("parasite")
        tmdb_server.malformed = True
        with pytest.raises(SourceError, match="malformed JSON"):
            await client.search("parasite")
    finally:
        await client.close()


async def test_wikidata_item_maps_labels_people_and_ids(wikidata_server: FakeWikidata) -> None:
    client = WikidataClient(contact="admin@example.org", base_url=wikidata_server.url)
    try:
        assert await client.item_for_imdb("tt6751668") == "Q61448040"
        assert await client.item_for_imdb("not an id") is None
        film = await client.film("Q61448040")
        assert await client.film("Q495980") is None  # a person is not a film
        assert await client.search("기생충") == ["Q61448040"]
    finally:
        await client.close()
    assert film is not None
    assert film.title == "Parasite" and set(film.alt_titles) == {"기생충", "パラサイト 半地下の家族"}
    assert (film.year, film.release_date, film.runtime_minutes) == (2019, date(2019, 5, 21), 132)
    assert film.directors == ["Bong Joon-ho"]
    assert [c.name for c in film.cast] == ["Song Kang-ho", "Lee Sun-kyun"] and film.genres == ["drama film"]
    assert film.trailer_url == "https://www.youtube.com/watch?v=5xH0HfJHsaY"
    assert film.external_ids == {"wikidata": "Q61448040", "imdb": "tt6751668", "tmdb": "496243"}
    agent = wikidata_server.requests[0][2]["User-Agent"]
    assert agent.startswith("filmbot/") and "admin@example.org" in agent


async def test_sources_fetch_by_reference(tmdb_server: FakeTmdb, wikidata_server: FakeWikidata) -> None:
    sources = Sources(
        TmdbClient(read_token="test-read-token", base_url=tmdb_server.url),
        WikidataClient(contact="admin@example.org", base_url=wikidata_server.url),
    )
    try:
        by_imdb = await sources.fetch(FilmRef("imdb", "tt6751668"))
        assert by_imdb is not None and by_imdb.source == "tmdb"
        tmdb_server.fail(500)  # TMDB down: the IMDb id is resolved through Wikidata
        fallback = await sources.fetch(FilmRef("imdb", "tt6751668"))
        assert fallback is not None and fallback.source == "wikidata"
        wd = await sources.fetch(FilmRef("wikidata", "Q61448040"))
        assert wd is not None and wd.external_ids["wikidata"] == "Q61448040"
    finally:
        await sources.close()
    with pytest.raises(SourceError, match="TMDB is not configured"):
        await Sources().fetch(FilmRef("tmdb", "1"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tt6751668", "imdb:tt6751668"),
        ("https://www.imdb.com/title/tt6751668/?ref_=nv", "imdb:tt6751668"),
        ("tmdb:496243", "tmdb:496243"),
        ("https://www.themoviedb.org/movie/496243-parasite", "tmdb:496243"),
        ("https://www.wikidata.org/wiki/Q61448040", "wikidata:Q61448040"),
        ("q61448040", "wikidata:Q61448040"),
        ("parasite", None),
        ("https://evil.example/title/tt6751668", None),
        ("tt" + "1" * 400, None),
    ],
)
def test_references(text: str, expected: str | None) -> None:
    ref = parse_ref(text)
    assert (str(ref) if ref else None) == expected
