"""The search index on small hand-made catalogs: what a user typing into a chat box gets back."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from bot.films import search_base
from bot.films.search import SearchDoc, SearchIndex, parse_query

SEED = SearchDoc(
    film_id=1,
    title="Miracle in Cell No. 7",
    titles=(
        "7번방의 선물",
        "12 Wol 23 Il",
        "December 23rd",
        "7beonbangui Seonmool",
        "12월 23일",
        "Gift From Room 7",
        "Number 7 Room’s Gift",
        "7beon Bangui Seonmul",
    ),
    year=2013,
    votes=12_000,
    original_title="7번방의 선물",
    country="South Korea",
)
CATALOG = [
    SEED,
    SearchDoc(2, "Miracle in Cell No. 7", (), year=2019, votes=40_000, country="Turkey"),
    SearchDoc(3, "Miracle in Cell No. 7", (), year=2022, votes=900, country="Philippines"),
    SearchDoc(4, "1917", (), year=2019, votes=600_000),
    SearchDoc(5, "2001: A Space Odyssey", (), year=1968, votes=700_000),
    SearchDoc(6, "Miracle on 34th Street", (), year=1947, votes=50_000),
    SearchDoc(7, "The Miracle Worker", (), year=1962, votes=20_000),
    SearchDoc(8, "Spirited Away", ("千と千尋の神隠し", "Sen to Chihiro no kamikakushi"), year=2001, votes=800_000),
    SearchDoc(9, "Amélie", ("Le Fabuleux Destin d'Amélie Poulain",), year=2001, votes=750_000),
    SearchDoc(10, "Death Race 2000", (), year=1975, votes=30_000),
    SearchDoc(11, "Death Race", (), year=2008, votes=200_000),
    SearchDoc(12, "Rocky IV", (), year=1985, votes=300_000),
    SearchDoc(13, "The Matrix", (), year=1999, votes=2_000_000),
    SearchDoc(14, "Crash", (), year=1996, votes=60_000),
    SearchDoc(15, "Crash", (), year=2004, votes=450_000),
    SearchDoc(16, "Kill", (), year=2023, votes=None),
    SearchDoc(17, "Kill Bill: Vol. 1", (), year=2003, votes=1_100_000),
]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex.build(CATALOG)


def top(index: SearchIndex, query: str, **kw: int) -> int | None:
    found = index.search(query, **kw)
    return found[0].film_id if found else None


def ids(index: SearchIndex, query: str, limit: int = 10) -> list[int]:
    return [m.film_id for m in index.search(query, limit=limit)]


@pytest.mark.parametrize(
    "query",
    [
        "miracle in cell",
        "7번방의 선물",
        "gift from room 7",
        "7beonbangui seonmool",
        "7beon bangui seonmul",
        "Number 7 Room's Gift",
        "12월 23일",
        "December 23rd",
        "Miracle in Cel No 7",
        "miracle in cell no. 7",
    ],
)
def test_seed_film_is_found_by_every_title(index: SearchIndex, query: str) -> None:
    assert 1 in ids(index, query, limit=5)


def test_seed_found_by_first_word(index: SearchIndex) -> None:
    assert 1 in ids(index, "miracle")


def test_matched_title_is_the_original_string(index: SearchIndex) -> None:
    match = index.search("7번방의 선물", limit=1)[0]
    assert match.film_id == 1
    assert match.matched_title == "7번방의 선물"
    assert match.score == 100.0
    assert index.search("gift from room seven", limit=3)[0].matched_title == "Gift From Room 7"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("miracle in cell no 7 2019", 2),
        ("Miracle in Cell No. 7 (2022)", 3),
        ("miracle in cell no 7 y:2013", 1),
        ("Crash 1996", 14),
        ("Crash (2004)", 15),
    ],
)
def test_year_in_query_ranks_that_film_first(index: SearchIndex, query: str, expected: int) -> None:
    assert top(index, query) == expected


def test_year_keyword_argument(index: SearchIndex) -> None:
    assert top(index, "miracle in cell no 7", year=2022) == 3


def test_titles_made_of_numbers_still_work(index: SearchIndex) -> None:
    assert top(index, "1917") == 4
    assert top(index, "2001: A Space Odyssey") == 5
    assert top(index, "2001 a space") == 5
    assert top(index, "Death Race 2000") == 10
    assert top(index, "Rocky 4") == 12
    assert top(index, "rocky iv") == 12


def test_parse_query_forms() -> None:
    assert parse_query("Title 2019") == parse_query("Title (2019)") == parse_query("Title y:2019")
    assert parse_query("Title 2019").year == 2019
    assert parse_query("Title 2019").text == "Title"
    assert parse_query("1917").year is None
    assert parse_query("2001: A Space Odyssey").year is None
    assert parse_query("Blade Runner 2049").year == 2049 or parse_query("Blade Runner 2049").year is None


def test_typos_accents_and_native_scripts(index: SearchIndex) -> None:
    assert top(index, "Sprited Awya") == 8
    assert top(index, "千と千尋") == 8
    assert top(index, "amelie") == 9
    assert top(index, "le fabuleux destin d amelie poulain") == 9
    assert top(index, "matrix") == 13
    assert top(index, "teh matrix") == 13


def test_exact_ties_break_by_votes_then_year(index: SearchIndex) -> None:
    assert ids(index, "crash", limit=2) == [15, 14]
    assert ids(index, "miracle in cell no 7", limit=3) == [2, 1, 3]


def test_prefix_prefers_the_popular_film(index: SearchIndex) -> None:
    assert top(index, "kill") == 17
    assert top(index, "mira") in {6, 7, 2, 1, 3}
    assert 1 in ids(index, "miracle in c", limit=5)


def test_a_popular_films_first_words_outrank_a_less_voted_exact_title() -> None:
    """Autocomplete: "Phone" offers "Phone Booth" (32x the votes) before the film titled "Phone"."""
    idx = SearchIndex.build(
        [
            SearchDoc(40, "Phone", (), year=2002, votes=654),
            SearchDoc(41, "Phone Booth", (), year=2002, votes=21_075),
            SearchDoc(42, "Drive", (), year=1997, votes=2_000),
            SearchDoc(43, "Drive Me Crazy", (), year=1999, votes=2_934),  # under twice the votes
            SearchDoc(44, "Alone", ("Seuls",), year=2017, votes=833),
            SearchDoc(45, "Only the Brave", ("Seuls les braves",), year=2017, votes=30_621),
            SearchDoc(46, "STAR", ("Izzy",), year=2017, votes=20),
            SearchDoc(47, "Izzy Gets Across Town", (), year=2018, votes=272),  # not a popular film
            SearchDoc(48, "Stray", (), year=2019, votes=None),
            SearchDoc(49, "Stray Dog", (), year=1949, votes=1_197),
        ]
    )
    assert ids(idx, "phone", limit=2) == [41, 40]
    assert idx.search("phone", limit=1)[0].score == 90.0  # the score still says "a prefix"
    assert top(idx, "stray") == 49  # unknown votes count as none
    assert top(idx, "drive") == 42
    assert top(idx, "seuls") == 44  # an exact alternative title is not overridden by another one's prefix
    assert top(idx, "izzy") == 46
    assert top(idx, "phone 2002") == 40  # with a year the exact title wins again
    assert top(idx, "stray 2019") == 48


def test_upsert_and_remove_are_visible_to_the_next_query() -> None:
    idx = SearchIndex.build(CATALOG)
    assert top(idx, "Parasite") != 100
    idx.upsert(SearchDoc(100, "Parasite", ("기생충", "Gisaengchung"), year=2019, votes=900_000))
    assert top(idx, "parasite") == 100
    assert top(idx, "기생충") == 100
    assert top(idx, "Parasit") == 100
    assert top(idx, "Parasitw") == 100
    assert len(idx) == len(CATALOG) + 1
    idx.upsert(SearchDoc(100, "Parasite (B&W)", (), year=2019, votes=900_000))
    assert top(idx, "기생충") != 100
    assert idx.search("parasite b and w", limit=1)[0].matched_title == "Parasite (B&W)"
    idx.remove(100)
    assert 100 not in ids(idx, "parasite")
    assert idx.get(100) is None
    idx.remove(1)
    assert 1 not in ids(idx, "7번방의 선물")
    assert top(idx, "miracle in cell no 7") == 2
    idx.remove(12345)  # unknown: no-op
    assert len(idx) == len(CATALOG) - 1


def test_many_upserts_and_removals_never_rebuild(monkeypatch: pytest.MonkeyPatch) -> None:
    idx = SearchIndex.build(CATALOG)
    builds: list[int] = []
    real_init = search_base.BaseTable.__init__

    def counting_init(self: search_base.BaseTable, *args: Any, **kw: Any) -> None:
        builds.append(1)
        real_init(self, *args, **kw)

    monkeypatch.setattr(search_base.BaseTable, "__init__", counting_init)
    for n in range(6000):
        idx.upsert(SearchDoc(1000 + n, f"Generated Film {n:05d}", (f"Alias {n}",), year=2000, votes=n))
    for n in range(0, 6000, 2):
        idx.remove(1000 + n)
    for doc in CATALOG[1:]:  # more than a quarter of the films removed
        idx.remove(doc.film_id)
    assert builds == []
    assert idx.needs_compaction
    assert top(idx, "generated film 05999") == 6999
    assert top(idx, "generated flim 05999") == 6999
    assert top(idx, "alias 5999") == 6999
    assert 6998 not in ids(idx, "generated film 05998")
    assert top(idx, "7번방의 선물") == 1
    assert len(idx) == 3001
    monkeypatch.setattr(search_base.BaseTable, "__init__", real_init)
    idx.compact()
    assert idx.delta_size == 0 and not idx.needs_compaction
    assert top(idx, "generated flim 05999") == 6999
    assert top(idx, "7번방의 선물") == 1
    assert len(idx) == 3001


def test_delta_answers_typos_and_prefixes_like_the_base() -> None:
    """Films that exist only in the delta are found by typo, prefix (most voted first) and year."""
    idx = SearchIndex.build([])
    for doc in CATALOG:
        idx.upsert(doc)
    assert idx.delta_size > 0
    assert top(idx, "Sprited Awya") == 8
    assert top(idx, "kill") == 17
    assert top(idx, "Crash 1996") == 14
    assert ids(idx, "miracle in cell no 7", limit=3) == [2, 1, 3]
    assert top(idx, "matrix") == 13
    idx.upsert(SearchDoc(13, "The Matrix Reloaded", (), year=2003, votes=10))
    assert idx.search("the matrix", limit=1)[0].matched_title == "The Matrix Reloaded"  # old title gone
    assert top(idx, "matrix reloaded") == 13


def test_delta_prefix_ranks_by_votes_when_many_keys_share_it() -> None:
    idx = SearchIndex.build([])
    for n in range(200):
        idx.upsert(SearchDoc(n + 1, f"Star Film {n}", (), votes=n * 10))
    assert ids(idx, "star", limit=3) == [200, 199, 198]
    idx.upsert(SearchDoc(200, "Star Film 199", (), votes=1))  # its votes fell
    assert ids(idx, "star", limit=2) == [199, 198]


@pytest.mark.parametrize("query", ["7번방의 선믈", "7번밤의 선물", "7벙방의 선물"])
def test_one_jamo_typo_in_a_korean_title_finds_the_film(index: SearchIndex, query: str) -> None:
    assert top(index, query) == 1


def test_one_jamo_typo_in_a_short_korean_title() -> None:
    """Three syllables with one wrong: a third of the title in syllables, one jamo of nine as jamo."""
    idx = SearchIndex.build([*CATALOG, SearchDoc(50, "Parasite", ("기생충",), year=2019, votes=900_000)])
    assert top(idx, "기샘충") == 50
    assert top(idx, "기생총") == 50
    assert idx.search("기생충", limit=1)[0].matched_title == "기생충"


def test_exact_admin_alias_ranks_first() -> None:
    pinned = SearchDoc(30, "Obscure Film", ("Kill", "Old Boy Redux"), year=1990, aliases=("Kill",))
    idx = SearchIndex.build([*CATALOG, pinned])
    assert ids(idx, "kill", limit=3) == [30, 17, 16]  # above the 1.1M-vote prefix match and the exact title
    assert ids(idx, "KILL!", limit=1) == [30]  # exact after normalisation
    assert top(idx, "kil") == 17  # a prefix is not a pin
    assert top(idx, "old boy redux") == 30
    assert top(idx, "kill 2003") == 17  # a year typed with it is not the pinned query
    idx.upsert(SearchDoc(31, "Another Film", ("Kill Bill",), votes=5, aliases=("Kill Bill",)))
    assert top(idx, "kill bill") == 31  # pins live in the delta too
    assert top(idx, "kill bill vol 1") == 17


def test_positional_search_doc_still_builds() -> None:
    doc = SearchDoc(1, "T", ("T",), 2000, 5, "O", "KR")
    assert doc.aliases == ()


@pytest.mark.parametrize(
    "query",
    ["", " ", "\t\n", "\x00\x01\x02", "!!!", "a" * 5000, "miracle " * 700, "\u200b", "(2019)", "y:2019"],
)
def test_odd_queries_never_raise_and_stay_fast(index: SearchIndex, query: str) -> None:
    start = time.perf_counter()
    found = index.search(query)
    assert time.perf_counter() - start < 0.5
    assert isinstance(found, list)
    assert all(0 <= m.score <= 100 for m in found)


def test_empty_queries_return_nothing(index: SearchIndex) -> None:
    assert index.search("") == []
    assert index.search("   ") == []
    assert index.search("miracle", limit=0) == []


def test_empty_index() -> None:
    idx = SearchIndex.build([])
    assert idx.search("anything") == []
    assert len(idx) == 0
    idx.upsert(SEED)
    assert top(idx, "miracle in cell") == 1


SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def test_benchmark_runs_on_a_slice_of_the_shared_data(capsys: pytest.CaptureFixture[str]) -> None:
    catalog = SHARED / "data" / "films.jsonl.gz"
    queries = SHARED / "data" / "queries-dev.jsonl"
    if not catalog.exists() or not queries.exists():
        pytest.skip(f"shared benchmark data not found at {SHARED} (only in the development checkout)")
    from bench.search_bench import main

    assert (
        main(
            [
                "--catalog",
                str(catalog),
                "--queries",
                str(queries),
                "--films",
                "20000",
                "--limit",
                "300",
                "--json",
                "--memory",
                "rss",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["films"] == 20000
    assert out["queries"] == 300
    assert out["recall_at_1"] > 0.9
    assert set(out["per_kind"]) <= {
        "alt_exact",
        "alt_folded",
        "alt_typo",
        "title_typo",
        "title_year",
        "prefix_popular",
    }
    assert out["baseline"]["latency_ms"]["p50"] > 0
    assert out["speedup_p50"] > 1
