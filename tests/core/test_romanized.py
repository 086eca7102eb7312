"""Native titles typed in Latin letters: Hepburn for Japanese, pinyin for Chinese, Revised Romanization for Korean."""

from __future__ import annotations

import pytest

from bot.films.search import SearchDoc, SearchIndex
from bot.films.service import decide
from bot.films.words import WordIndex

DOCS = [
    SearchDoc(1, "Your Name.", ("君の名は。",), year=2016),
    SearchDoc(2, "Grave of the Fireflies", ("火垂るの墓",), year=1988),
    SearchDoc(3, "Spirited Away", ("千と千尋の神隠し",), year=2001),
    SearchDoc(4, "Castle in the Sky", ("天空の城ラピュタ",), year=1986),
    SearchDoc(5, "Tokyo Story", ("東京物語",), year=1953),
    SearchDoc(6, "To Live", ("活着",), year=1994),
    SearchDoc(7, "Parasite", ("기생충",), year=2019),
    SearchDoc(8, "Hero", ("英雄",), year=2002),
    SearchDoc(9, "Ying xiong wei lei", (), year=1986),
    SearchDoc(10, "The Sea Is Watching", ("海は見ていた",), year=2002),
    SearchDoc(11, "Kimi", (), year=2022),
    SearchDoc(12, "Hush", (), year=2016),
]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex.build(DOCS)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kimi no na wa", "Your Name."),
        ("kiminonawa", "Your Name."),
        ("hotaru no haka", "Grave of the Fireflies"),
        ("sen to chihiro no kamikakushi", "Spirited Away"),
        ("sen-to-chihiro no kamikakushi", "Spirited Away"),
        ("tenkū no shiro rapyuta", "Castle in the Sky"),
        ("tenkuu no shiro rapyuta", "Castle in the Sky"),
        ("tenku no shiro rapyuta", "Castle in the Sky"),
        ("tōkyō monogatari", "Tokyo Story"),
        ("toukyou monogatari", "Tokyo Story"),
        ("umi wa miteita", "The Sea Is Watching"),  # は read as the particle "wa"
        ("huozhe", "To Live"),
        ("huo zhe", "To Live"),
        ("gisaengchung", "Parasite"),
        ("gisaeng-chung", "Parasite"),
        ("ying xiong", "Hero"),  # the romanized native title, not a film whose title starts so
    ],
)
def test_a_romanized_native_title_gives_that_films_card(index: SearchIndex, query: str, expected: str) -> None:
    decision = decide(index, WordIndex.build(DOCS), query)
    assert decision.kind == "card", (decision.kind, [m.doc.title for m in decision.matches])
    assert decision.matches[0].doc.title == expected
    assert decision.matches[0].matched_title != expected  # the card can say which native title matched


def test_a_latin_title_still_wins_over_a_romanization(index: SearchIndex) -> None:
    assert index.search("kimi", limit=1)[0].doc.title == "Kimi"
    assert index.search("hush", limit=1)[0].doc.title == "Hush"


def test_a_film_added_later_is_found_by_its_romanization() -> None:
    idx = SearchIndex.build(DOCS[:2])
    idx.upsert(SearchDoc(20, "Shoplifters", ("万引き家族",), year=2018))
    assert idx.search("manbiki kazoku", limit=1)[0].doc.title == "Shoplifters"


def test_a_reading_with_unread_characters_is_not_a_romanization() -> None:
    from bot.films.romanize import romanizations

    # 盗梦空间 is simplified Chinese: read as Japanese, MeCab leaves 梦空间 unread ("Tou ?? ?")
    assert romanizations("盗梦空间") == ("daomengkongjian",)
    docs = [
        SearchDoc(1, "Inception", ("盗梦空间",), year=2010, votes=2_298_959),
        SearchDoc(2, "It", ("Es", "To"), year=2017, votes=284_615),
    ]
    index, words = SearchIndex.build(docs), WordIndex.build(docs)
    assert decide(index, words, "to").matches[0].doc.title == "It"


def test_syllables_at_the_start_of_a_romanization_get_no_popularity() -> None:
    docs = [
        SearchDoc(1, "Inception", ("盗梦空间",), year=2010, votes=2_298_959),
        SearchDoc(2, "The Blade", ("Dao",), year=1995, votes=427),
    ]
    index = SearchIndex.build(docs)  # the ranked list autocomplete shows
    assert [m.doc.title for m in index.search("dao")] == ["The Blade", "Inception"]
    assert index.search("daomengkongjian")[0].doc.title == "Inception"
