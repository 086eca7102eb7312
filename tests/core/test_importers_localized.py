"""An importer's reasons for refusing a file, and its warnings, in the language of whoever imports it (the CLI's,
or a chat member's: parsing runs in a worker thread that carries the request's language); English by default."""

from __future__ import annotations

import pytest

from bot.films.importers import ImportFailed
from bot.films.importers.reader import parse_bytes
from bot.i18n import speaking

BAD_YEAR = b'{"title": "A", "year": "abc"}\n'
CUT_JSON = b'{"title": "A"}\n{"title": \n'
EXTRA_CELL = b"title,year\nA,1999,x\n"
PAGE = b"Parasite\nYear: 2019\nMood: dark\n"


def refusal(data: bytes, name: str, language: str) -> str:
    with speaking(language), pytest.raises(ImportFailed) as failed:
        parse_bytes(data, name)
    with speaking(language):
        return failed.value.translated()


@pytest.mark.parametrize(
    ("language", "data", "name", "said"),
    [
        ("ko", BAD_YEAR, "films.jsonl", "films.jsonl 1행: year 'abc'은(는) 숫자가 아니에요"),
        ("ja", BAD_YEAR, "films.jsonl", "films.jsonl 1 行目: year 'abc' は数値ではありません"),
        ("ko", CUT_JSON, "films.jsonl", "films.jsonl 2행: 잘못된 JSON: Expecting value(1열)"),
        ("ja", EXTRA_CELL, "films.csv", "films.csv 2 行目: セルが 3 個ですが、ヘッダーの列は 2 個です"),
        ("ja", b"", "films.jsonl", "films.jsonl: ファイルが空です"),
        ("en", BAD_YEAR, "films.jsonl", "films.jsonl line 1: year 'abc' is not a number"),
    ],
)
def test_a_refused_file_says_why_in_the_importers_language(language: str, data: bytes, name: str, said: str) -> None:
    assert refusal(data, name, language) == said


def test_warnings_in_the_importers_language() -> None:
    with speaking("ko"):
        batch = parse_bytes(PAGE, "page.txt")
    assert batch.warnings == ["page.txt 3행: 알 수 없는 키 'Mood'은(는) 무시했어요"]
    assert parse_bytes(PAGE, "page.txt").warnings == ["page.txt line 3: unknown key 'Mood' ignored"]
