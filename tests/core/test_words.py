"""`/search` finds films by the words in any of their titles, in any order, the last word half-typed."""

from __future__ import annotations

from pathlib import Path

from bot.films.search import SearchDoc
from bot.films.words import WordIndex
from bot.replies import FilmList
from tests.support.catalog import make_services


def doc(film_id: int, *titles: str, votes: int | None = None, year: int = 2000) -> SearchDoc:
    return SearchDoc(film_id=film_id, title=titles[0], titles=titles, year=year, votes=votes)


def test_all_words_anywhere_in_one_title_best_covered_first() -> None:
    index = WordIndex.build(
        [
            doc(1, "Miracle in Cell No. 7", "7번방의 선물", votes=19764, year=2013),
            doc(2, "Miracle in Cell No. 7", year=2019),
            doc(3, "Cell 7"),
            doc(4, "The Cell"),
        ]
    )
    assert [m.film_id for m in index.search("cell 7")] == [3, 1, 2]
    assert [m.film_id for m in index.search("7 cel")] == [3, 1, 2]
    hit = index.search("선물")[0]
    assert hit.film_id == 1 and hit.matched_title == "7번방의 선물"
    assert index.search("") == [] and index.search("zebra") == []


def test_edits_and_removals_show_at_once() -> None:
    index = WordIndex.build([doc(1, "Old Name")])
    index.upsert(doc(1, "New Name"))
    assert index.search("old") == [] and index.search("new")[0].film_id == 1
    index.upsert(doc(2, "Zebra Crossing"))
    assert index.search("zeb")[0].film_id == 2
    index.remove(2)
    assert index.search("zebra") == []


async def test_search_command_lists_films_having_the_words(tmp_path: Path) -> None:
    services = await make_services(tmp_path)
    try:
        reply = await services.films.search("cell 7")
        assert isinstance(reply, FilmList)
        assert [(i.title, i.year) for i in reply.items[:3]] == [
            ("Miracle in Cell No. 7", 2013),
            ("Miracle in Cell No. 7", 2022),
            ("Miracle in Cell No. 7", 2019),
        ]  # popularity first, then the more recent
    finally:
        await services.db.dispose()
