"""Alternative titles know their language and region (issue 12): stored, exported, imported, dumped and
restored, and still found by search."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.films.importers import parse_text
from bot.films.importers.errors import BadValue, ImportFailed
from bot.films.importers.export import film_line
from bot.films.importers.records import film_from_record
from bot.films.importers.source import ImportLimits
from bot.films.locales import locale_of, locale_of_tag
from bot.films.model import Film, TitleLocale
from bot.replies import FilmCard
from bot.sources.tmdb import film_from_details
from bot.sources.wikidata import film_from_entity
from bot.store.backup import dump, restore
from bot.store.db import Database
from bot.store.films import FilmRepository
from bot.store.mapping import content_hash
from tests.dbutil import sqlite_database
from tests.fakes.sources import parasite_fixtures
from tests.support.catalog import make_services


def parasite() -> Film:
    return Film(
        title="Parasite",
        year=2019,
        original_title="기생충",
        alt_titles=["Gisaengchung", "パラサイト 半地下の家族", "Parasit"],
        alt_title_locales={
            "Gisaengchung": TitleLocale(None, "KR"),
            "パラサイト 半地下の家族": TitleLocale("ja", "JP"),
            # "Parasit" has none: a plain string in exports, NULLs in the table
        },
        external_ids={"imdb": "tt6751668"},
    )


async def test_repository_round_trip_keeps_language_and_region(db: Database) -> None:
    async with db.session() as s, s.begin():
        stored = await FilmRepository(s).add(parasite())
    assert stored.id is not None
    async with db.session() as s:
        got = await FilmRepository(s).get(stored.id)
    assert got is not None
    assert got.alt_titles == ["Gisaengchung", "パラサイト 半地下の家族", "Parasit"]
    assert got.alt_title_locales == {
        "Gisaengchung": TitleLocale(None, "KR"),
        "パラサイト 半地下の家族": TitleLocale("ja", "JP"),
    }
    assert got.alt_title_locale("Parasit") is None


def test_a_film_without_locales_keeps_the_content_hash_it_was_stored_with() -> None:
    plain = parasite().replace(alt_title_locales={})
    assert content_hash(plain) == content_hash(plain.replace(alt_title_locales={"Nope": TitleLocale("xx")}))
    assert content_hash(plain) != content_hash(parasite())  # a new locale is a change a re-import writes


def test_export_writes_objects_only_for_titles_with_a_locale_and_reads_back_equal() -> None:
    film = parasite()
    record = json.loads(film_line(film))
    assert record["alt_titles"] == [
        {"title": "Gisaengchung", "language": None, "region": "KR"},
        {"title": "パラサイト 半地下の家族", "language": "ja", "region": "JP"},
        "Parasit",
    ]
    assert film_from_record(record) == film


def test_structured_import_accepts_strings_and_objects_in_jsonl_and_csv() -> None:
    line = json.dumps(
        {"title": "Parasite", "year": 2019, "alt_titles": ["Parasit", {"title": "기생충 (film)", "language": "KO",
                                                                        "region": "kr"}, {"title": "Parasite"}]}
    )  # fmt: skip
    (film,) = parse_text(line + "\n", "jsonl", "films.jsonl", ImportLimits()).films
    assert film.alt_titles == ["Parasit", "기생충 (film)"]  # the main title is not an alternative of itself
    assert film.alt_title_locales == {"기생충 (film)": TitleLocale("ko", "KR")}
    cell = json.dumps([{"title": "Parasit", "language": "de"}, "Parásito"]).replace('"', '""')
    (row,) = parse_text(f'title,year,alt_titles\nParasite,2019,"{cell}"\n', "csv", "films.csv", ImportLimits()).films
    assert row.alt_titles == ["Parasit", "Parásito"] and row.alt_title_locales == {"Parasit": TitleLocale("de")}


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"title": "Parasit", "language": "German"}, "alt_titles item 1 language 'German' is not a language code"),
        ({"title": "Parasit", "region": "Germany"}, "alt_titles item 1 region 'Germany' is not a country code"),
        ({"title": "Parasit", "lang": "de"}, "alt_titles item 1 has unknown keys ['lang']"),
        ({"language": "de"}, "alt_titles item 1 title"),
    ],
)
def test_a_bad_alternative_title_object_is_refused_with_the_line_and_reason(item: object, reason: str) -> None:
    with pytest.raises(BadValue, match="^" + reason.replace("[", r"\[").replace("]", r"\]")):
        film_from_record({"title": "Parasite", "alt_titles": [item]})
    text = json.dumps({"title": "Other"}) + "\n" + json.dumps({"title": "Parasite", "alt_titles": [item]}) + "\n"
    with pytest.raises(ImportFailed) as failed:
        parse_text(text, "jsonl", "films.jsonl", ImportLimits())
    assert failed.value.line == 2 and reason in str(failed.value)


def test_codes_from_sources_are_normalised_and_odd_values_dropped() -> None:
    assert locale_of("KO", "kr") == TitleLocale("ko", "KR")
    assert locale_of("cmn", "XWW") == TitleLocale("cmn", "XWW")  # IMDb's codes beyond ISO 639-1 / 3166-1
    assert locale_of("", "\\N") is None and locale_of(None, None) is None and locale_of(12, "K") is None
    assert locale_of_tag("pt-br") == TitleLocale("pt", "BR")
    assert locale_of_tag("zh-hans") == TitleLocale("zh", None)  # a script, not a region
    assert locale_of_tag("ko") == TitleLocale("ko", None)


def test_tmdb_alternative_titles_give_the_region_and_translations_the_language() -> None:
    details, _ = parasite_fixtures()
    details["translations"]["translations"].append(
        {"iso_3166_1": "DE", "iso_639_1": "de", "name": "Deutsch", "english_name": "German",
         "data": {"homepage": "", "overview": "", "runtime": 0, "tagline": "", "title": "Parasite (DE)"}}
    )  # fmt: skip
    film = film_from_details(details)
    assert film.alt_titles == ["Gisaengchung", "Parasite (DE)"]
    assert film.alt_title_locales == {"Gisaengchung": TitleLocale(None, "KR"), "Parasite (DE)": TitleLocale("de", "DE")}


def test_wikidata_labels_give_the_language() -> None:
    _, entities = parasite_fixtures()
    film = film_from_entity(entities[0], {})
    assert film.alt_title_locales == {"기생충": TitleLocale("ko"), "パラサイト 半地下の家族": TitleLocale("ja")}


async def test_dump_and_restore_keep_language_and_region(db: Database, tmp_path: Path) -> None:
    async with sqlite_database(tmp_path / "source.sqlite3") as source:
        async with source.session() as s, s.begin():
            await FilmRepository(s).add(parasite())
        out = io.StringIO()
        await dump(source, out)
    first = out.getvalue()
    assert '"language":"ja"' in first.replace(" ", "") and '"region":"JP"' in first.replace(" ", "")
    await restore(db, first.splitlines())
    async with db.session() as s:
        (film,) = [f async for f in FilmRepository(s).iter_films()]
    assert film.alt_title_locales == parasite().alt_title_locales
    again = io.StringIO()
    await dump(db, again)
    assert again.getvalue() == first


async def test_search_finds_the_film_by_every_title(tmp_path: Path) -> None:
    services = await make_services(tmp_path, [parasite(), Film(title="Spirited Away", year=2001)])
    for query in ("parasite", "기생충", "gisaengchung", "パラサイト 半地下の家族", "parasit"):
        card = await services.films.lookup(query)
        assert isinstance(card, FilmCard) and card.title == "Parasite", query
