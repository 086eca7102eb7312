"""Film pages, JSON Lines, JSON, CSV and gzip in; clear errors naming the line out; round trips exact."""

from __future__ import annotations

import gzip
import io
import json
from datetime import date
from pathlib import Path

import pytest

from bot.films.importers import ImportFailed, export_jsonl, parse_file, parse_text
from bot.films.model import Credit, Film

SHARED = Path(__file__).resolve().parents[3] / "shared"
SEED_PAGE = SHARED / "seed" / "miracle-in-cell-no-7.txt"
needs_seed = pytest.mark.skipif(not SEED_PAGE.is_file(), reason=f"{SEED_PAGE} absent (../shared not checked out)")

OTHER_PAGE = """Parasite

Parasite

Total votes: 1,234
Directors: Bong Joon-ho
Writers: Bong Joon-ho, Han Jin-won
Duration: 132 min
Year: 2019
Country: South Korea
Native Title: 기생충
Language: Korean
Genres: Thriller, Drama

A poor family schemes to become employed by a wealthy family.

Watch Trailer
https://www.youtube.com/watch?v=5xH0HfJHsaY

Parasite Cast

Song Kang-ho as Kim Ki-taek
Lee Sun-kyun - Park Dong-ik
Cho Yeo-jeong

Other Cast & Crew
Producer: Kwak Sin-ae
Screenwriter: Han Jin-won
"""


def page_film(text: str, name: str = "page.txt") -> Film:
    (film,) = parse_text(text, "page", name).films
    return film


@needs_seed
def test_seed_page_every_field_lands() -> None:
    batch = parse_file(SEED_PAGE)
    assert batch.warnings == []
    (film,) = batch.films
    assert film.title == "Miracle in Cell No. 7"
    assert film.votes == 19764
    assert film.credits == [Credit("Lee Hwan Kyung", "director"), Credit("Lee Hwan Kyung", "writer")]
    assert film.release_date == date(2013, 1, 23)
    assert (film.runtime_minutes, film.year, film.country) == (127, 2013, "South Korea")
    assert film.original_title == "7번방의 선물"
    assert film.content_rating == "15+ – Teens 15 or older"
    assert film.alt_titles == [
        "12 Wol 23 Il",
        "December 23rd",
        "December 23",
        "7beonbangui Seonmool",
        "12월 23일",
        "Gift From Room 7",
        "Number 7 Room’s Gift",
        "7beon Bangui Seonmul",
    ]
    assert film.genres == ["Comedy", "Drama", "Family"]
    assert film.synopsis is not None
    paragraphs = film.synopsis.split("\n\n")
    assert len(paragraphs) == 5
    assert paragraphs[0].startswith("Miracle in Cell No. 7 is a 2013 South Korean drama film")
    assert paragraphs[-1].endswith("in the face of adversity.")
    assert film.trailer_url is None  # "Watch Trailer" without an address


def test_page_cast_crew_trailer_and_unknown_key_warning() -> None:
    batch = parse_text(OTHER_PAGE, "page", "parasite.txt")
    (film,) = batch.films
    assert film.votes == 1234 and film.runtime_minutes == 132 and film.original_title == "기생충"
    assert film.trailer_url == "https://www.youtube.com/watch?v=5xH0HfJHsaY"
    assert film.directors == ["Bong Joon-ho"]
    assert film.writers == ["Bong Joon-ho", "Han Jin-won"]  # the crew line repeats one: kept once
    assert film.cast == [
        Credit("Song Kang-ho", "cast", "Kim Ki-taek"),
        Credit("Lee Sun-kyun", "cast", "Park Dong-ik"),
        Credit("Cho Yeo-jeong", "cast"),
    ]
    assert film.synopsis == "A poor family schemes to become employed by a wealthy family."
    assert any(w.startswith("parasite.txt line 12: unknown key 'Language'") for w in batch.warnings), batch.warnings
    assert any("line 27" in w and "Producer" in w for w in batch.warnings), batch.warnings


@pytest.mark.parametrize(
    ("duration", "minutes"),
    [("2 hr. 7 min.", 127), ("127 min", 127), ("1h 5m", 65), ("2 hours", 120), ("45 min.", 45), ("90", 90)],
)
def test_durations(duration: str, minutes: int) -> None:
    assert page_film(f"T\nDuration: {duration}\n").runtime_minutes == minutes


def test_title_key_and_bare_www_trailer() -> None:
    film = page_film("Title: Parasite\nYear: 2019\n\nWatch Trailer\nwww.youtube.com/watch?v=5xH0HfJHsaY\n")
    assert (film.title, film.year) == ("Parasite", 2019)
    assert film.trailer_url == "https://www.youtube.com/watch?v=5xH0HfJHsaY" and film.synopsis is None


def test_several_pages_in_one_file_and_line_numbers() -> None:
    text = "First\nYear: 2001\n---\nSecond\nYear: 2002\n---\n\nThird\nYear: abc\n"
    with pytest.raises(ImportFailed) as err:
        parse_text(text, "page", "pages.txt")
    assert str(err.value) == "pages.txt line 9: year 'abc' is not a number"
    batch = parse_text(text.replace("abc", "2003"), "page", "pages.txt")
    assert [(f.title, f.year) for f in batch.films] == [("First", 2001), ("Second", 2002), ("Third", 2003)]
    assert batch.lines == [1, 4, 8]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("Year: 2013\nCountry: Korea\n", 1, "no title"),
        ("Title\nYear: 2000\n---\nDirector: Someone\n", 4, "no title"),
        ("T\nDuration: -5 min\n", 2, "negative"),
        ("T\nYear: 1850\n", 2, "outside 1870..2100"),
        ("T\nRelease Date: sometime\n", 2, "not a date"),
        ("T\n\nWatch Trailer\nftp://example.com/t.mp4\n", 4, "not an http(s) address"),
        ("T" * 301 + "\n", 1, "at most 300"),
    ],
)
def test_bad_pages_fail_with_line(text: str, line: int, reason: str) -> None:
    with pytest.raises(ImportFailed) as err:
        parse_text(text, "page", "p.txt")
    assert err.value.line == line and reason in err.value.reason


RECORDS = [
    {"id": "ml:105340", "title": "Miracle in Cell No. 7", "year": 2013, "genres": ["Comedy", "Drama"],
     "directors": ["Lee Hwan-kyung"], "cast": [], "runtime_minutes": 127, "votes": None, "rating": None,
     "trailer_url": "https://www.youtube.com/watch?v=wTkeln0kc8I"},
    {"id": "imdb:tt0245429", "title": "Spirited Away", "year": 2001, "original_title": "千と千尋の神隠し",
     "cast": ["Rumi Hiiragi", {"name": "Miyu Irino", "character": "Haku"}], "rating": 8.6, "votes": 700000},
]  # fmt: skip


def test_jsonl_and_gzip_happy_path(tmp_path: Path) -> None:
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in RECORDS) + "\n"
    (tmp_path / "films.jsonl").write_text(text, encoding="utf-8")
    (tmp_path / "films.jsonl.gz").write_bytes(gzip.compress(text.encode()))
    for name in ("films.jsonl", "films.jsonl.gz"):
        films = parse_file(tmp_path / name).films
        assert [f.external_ids for f in films] == [{"ml": "105340"}, {"imdb": "tt0245429"}]
        assert films[1].cast == [Credit("Rumi Hiiragi", "cast"), Credit("Miyu Irino", "cast", "Haku")]
        assert films[0].directors == ["Lee Hwan-kyung"] and films[1].rating == 8.6


def test_json_array_keeps_record_lines(tmp_path: Path) -> None:
    path = tmp_path / "films.json"
    path.write_text(json.dumps([*RECORDS[:1], {"title": "Bad", "year": "x"}], indent=2), encoding="utf-8")
    with pytest.raises(ImportFailed) as err:
        parse_file(path)
    assert err.value.line == 19 and "year 'x' is not a number" in str(err.value)


def test_csv_happy_path_and_bad_year(tmp_path: Path) -> None:
    csv_text = (
        "Title,Year,Genres,Directors,Cast,id,External IDs,Rating\n"
        'Spirited Away,2001,Animation|Fantasy,Hayao Miyazaki,"Rumi Hiiragi as Chihiro|Miyu Irino",'
        "imdb:tt0245429,tmdb:129,8.6\n"
        '"Miracle in Cell No. 7",2013,"[""Comedy"", ""Drama""]",,,,,\n'
    )
    path = tmp_path / "films.csv"
    path.write_text(csv_text, encoding="utf-8")
    a, b = parse_file(path).films
    assert a.genres == ["Animation", "Fantasy"] and a.directors == ["Hayao Miyazaki"]
    assert a.cast == [Credit("Rumi Hiiragi", "cast", "Chihiro"), Credit("Miyu Irino", "cast")]
    assert a.external_ids == {"imdb": "tt0245429", "tmdb": "129"} and a.rating == 8.6
    assert b.genres == ["Comedy", "Drama"] and b.year == 2013
    lines = csv_text.splitlines() + [f"Film {i},{2000 + i},,,,,," for i in range(10)] + ["Broken,abc,,,,,,"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match=r"^films\.csv line 14: year 'abc' is not a number$"):
        parse_file(path)


def test_malformed_files_fail_with_line(tmp_path: Path) -> None:
    good = json.dumps({"title": "Fine", "year": 2000})
    bad_json = tmp_path / "films.jsonl"
    bad_json.write_text(f'{good}\n{good}\n{{"title": "Oops",\n{good}\n', encoding="utf-8")
    with pytest.raises(ImportFailed) as err:
        parse_file(bad_json)
    assert err.value.line == 3 and "bad JSON" in err.value.reason

    truncated = tmp_path / "films.jsonl.gz"
    truncated.write_bytes(gzip.compress((good + "\n").encode() * 500)[:-30])
    with pytest.raises(ImportFailed, match="truncated"):
        parse_file(truncated)

    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("title,year\nOk,2000\nAmélie,2001\n".encode("latin-1"))
    with pytest.raises(ImportFailed) as err:
        parse_file(latin1)
    assert err.value.line == 3 and "UTF-8" in err.value.reason

    for record, reason in [
        ({"year": 2000}, "title is missing"),
        ({"title": "X", "year": 2101}, "outside 1870..2100"),
        ({"title": "X", "runtime_minutes": -1}, "negative"),
        ({"title": "X", "poster_url": "javascript:alert(1)"}, "http(s)"),
        ({"title": "X", "synopsis": "x" * 20_001}, "at most 20000"),
        ({"title": "X\x00"}, "NUL"),
    ]:
        with pytest.raises(ImportFailed, match="line 2") as err:
            parse_text(f"{good}\n{json.dumps(record)}\n", "jsonl", "r.jsonl")
        assert reason in err.value.reason


def test_unknown_json_fields_warn_once() -> None:
    text = "\n".join(json.dumps({"title": f"F{i}", "mood": "happy"}) for i in range(3))
    assert parse_text(text, "jsonl", "x.jsonl").warnings == ["x.jsonl line 1: unknown field 'mood' ignored (3 records)"]


def test_sniffing_formats() -> None:
    assert parse_text('[{"title": "A"}]', "auto", "x").films[0].title == "A"
    assert parse_text('{"title": "A"}\n{"title": "B"}', "auto", "x").films[1].title == "B"
    assert parse_text("title,year\nA,2000\n", "auto", "x").films[0].year == 2000
    assert parse_text("A\nYear: 2000\n", "auto", "x").films[0].year == 2000


def round_trip(films: list[Film]) -> list[Film]:
    out = io.StringIO()
    export_jsonl(films, out)
    return parse_text(out.getvalue(), "jsonl", "export.jsonl").films


@needs_seed
def test_seed_page_round_trips_through_export() -> None:
    films = parse_file(SEED_PAGE).films
    assert round_trip(films) == films


def test_full_record_round_trips() -> None:
    film = page_film(OTHER_PAGE).replace(
        aliases=["Gisaengchung"],
        external_ids={"imdb": "tt6751668", "tmdb": "496243"},
        release_date=date(2019, 5, 30),
        rating=8.5,
        poster_url="https://example.org/p.jpg",
        info_url="https://en.wikipedia.org/wiki/Parasite_(2019_film)",
        source="test",
    )
    assert round_trip([film]) == [film]


@needs_seed
def test_shipped_seed_file_is_the_page_plus_extra_facts() -> None:
    shipped = parse_file(Path(__file__).resolve().parents[2] / "data" / "seed-films.jsonl").films
    (film,) = shipped
    page = parse_file(SEED_PAGE).films[0]
    assert film.replace(credits=[], trailer_url=None, external_ids={}, source=None) == page.replace(credits=[])
    assert len(film.cast) == 9 and film.cast[0] == Credit("Ryu Seung-ryong", "cast", "Lee Yong-gu")
    assert film.external_ids == {"imdb": "tt2659414", "tmdb": "158445"}
    assert film.trailer_url == "https://www.youtube.com/watch?v=wTkeln0kc8I"


def test_a_json_array_is_streamed_across_chunks_and_keeps_record_lines(tmp_path: Path) -> None:
    # Far more than one 64 KiB chunk, minified on one line and pretty-printed: every record found, lines right.
    records = [{"title": f"Film {i}", "year": 2000 + i % 20, "synopsis": "x" * 500} for i in range(400)]
    (tmp_path / "one-line.json").write_text(json.dumps(records), encoding="utf-8")
    assert len(parse_file(tmp_path / "one-line.json").films) == 400
    pretty = tmp_path / "films.json.gz"
    doc = {"films": [*records, {"title": "Bad", "year": "x"}]}
    pretty.write_bytes(gzip.compress(json.dumps(doc, indent=1).encode()))
    with pytest.raises(ImportFailed) as err:
        parse_file(pretty)
    assert err.value.line == 2 + 5 * 400 + 1 and "year 'x'" in err.value.reason
    wrapped = parse_text(json.dumps({"films": records[:3]}), "json", "w.json")
    assert [f.title for f in wrapped.films] == ["Film 0", "Film 1", "Film 2"]
    several = parse_text('{"title": "A"}\n{"title": "B"}\n', "json", "s.json")
    assert [f.title for f in several.films] == ["A", "B"]


def test_record_cap_and_size_cap_refuse_with_the_setting_to_raise(tmp_path: Path) -> None:
    from bot.films.importers.source import ImportLimits

    text = "".join(json.dumps({"title": f"F{i}"}) + "\n" for i in range(11))
    with pytest.raises(ImportFailed, match=r"line 11: more than 10 films in one import \(IMPORT__CHAT_MAX_RECORDS\)"):
        parse_text(text, "jsonl", "x.jsonl", ImportLimits(max_records=10, what="IMPORT__CHAT_MAX"))
    with pytest.raises(ImportFailed, match="more than 1 films"):
        parse_text("A\nYear: 2000\n---\nB\nYear: 2001\n", "page", "p.txt", ImportLimits(max_records=1))
    path = tmp_path / "films.csv"
    path.write_text("title\n" + "A film\n" * 1000, encoding="utf-8")
    with pytest.raises(ImportFailed, match=r"larger than 1,024 bytes \(IMPORT__MAX_BYTES\)"):
        parse_file(path, limits=ImportLimits(max_bytes=1 << 10))


def test_a_page_must_look_like_a_film_page() -> None:
    for text in ("SECRET_TOKEN=abc\nDATABASE_URL=postgres://u:p@h/d\n", "root:x:0:0:root:/root:/bin/bash\n",
                 "Just a title\n\nAnd a paragraph of text.\n"):  # fmt: skip
        with pytest.raises(ImportFailed, match="does not look like a film page"):
            parse_text(text, "auto", "notes")
    assert parse_text("Oldboy\nSynopsis: A man is locked up.\n", "page", "p").films[0].synopsis == "A man is locked up."


def test_invisible_characters_are_removed_and_a_lone_surrogate_is_refused_with_its_line() -> None:
    from bot.films.normalize import normalize_title

    (film,) = parse_text('{"title": "Para\\u200bsite \\u202eevil\\u2066", "year": 2019}\n', "jsonl", "x").films
    assert film.title == "Parasite evil"
    assert normalize_title("\u202eParasite\u2069\ufeff") == normalize_title("Parasite")  # queries (normalize.py)
    with pytest.raises(ImportFailed, match=r"^x\.jsonl line 2: title contains an invalid character"):
        parse_text('{"title": "ok"}\n{"title": "bad \\ud800"}\n', "jsonl", "x.jsonl")


def test_a_card_never_shows_a_link_that_is_not_http() -> None:
    from bot.films.cards import film_card
    from bot.films.model import Film

    film = Film(title="Evil", year=2001, id=1, trailer_url="javascript:alert(1)", poster_url="file:///etc/passwd",
                info_url="https:///no-host")  # fmt: skip
    card = film_card(film)
    assert card.trailer_url.startswith("https://www.youtube.com/results?search_query=Evil")
    assert card.poster_url is None and card.info_url is None
