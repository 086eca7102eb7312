"""The TMDB referee (tests/specs/tmdb_spec.py) on TMDB's own OpenAPI 3.1 description, when it is present:
the requests our client sends pass, and the mistakes it exists to catch are caught."""

from __future__ import annotations

import pytest

from tests.specs.tmdb_spec import MISSING_REASON, SPEC_PATH, TmdbSpec

pytestmark = pytest.mark.skipif(not SPEC_PATH.exists(), reason=MISSING_REASON)


def spec() -> TmdbSpec:
    return TmdbSpec.load()


def test_the_requests_the_bot_sends_are_documented() -> None:
    s = spec()
    assert s.version.startswith("3.1")
    append = "credits,videos,alternative_titles,translations,external_ids,release_dates"
    assert s.check_request("GET", "/3/search/movie", {"query": "parasite", "year": "2019", "language": "en-US"}) == []
    assert s.check_request("GET", "/3/movie/496243", {"append_to_response": append, "language": "en-US"}) == []
    assert s.check_request("GET", "/3/find/tt6751668", {"external_source": "imdb_id", "api_key": "k"}) == []


def test_mistakes_are_caught() -> None:
    s = spec()
    assert s.check_request("GET", "/3/search/movies", {"query": "x"})  # no such path
    assert s.check_request("GET", "/3/search/movie", {})  # query is required
    assert s.check_request("GET", "/3/search/movie", {"query": "x", "page": "two"})  # page is an integer
    assert s.check_request("GET", "/3/search/movie", {"query": "x", "include_adult": "yes"})  # a boolean
    assert s.check_request("GET", "/3/search/movie", {"query": "x", "sort": "new"})  # undocumented
    assert s.check_request("GET", "/3/movie/abc", {})  # movie_id is an integer
    assert s.check_request("GET", "/3/find/tt1", {"external_source": "imdb"})  # not in the enum
    assert s.check_request("POST", "/3/movie/1/rating", {})  # we never write
