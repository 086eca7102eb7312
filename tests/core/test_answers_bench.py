"""`filmbot bench answers`: the /film decision judged per query, on a catalog file or a fresh install."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

CATALOG = [
    {"id": "t:1", "title": "Back to the Future", "year": 1985},
    {"id": "t:2", "title": "Back to the Future Part II", "year": 1989},
    {"id": "t:3", "title": "Halloween II", "year": 1981},
    {"id": "t:4", "title": "Halloween II", "year": 2009},
    {"id": "t:5", "title": "Star Trek: The Motion Picture", "year": 1979},
]
QUERIES = [
    {"query": "back to the future 2", "kind": "sequel_number", "expected_id": "t:2"},
    {"query": "halloween ii", "kind": "title_exact", "expected_title": "Halloween II", "expected_year": 2009},
    {"query": "halloween ii", "kind": "title_exact", "expected_title": "Halloween II", "expected_year": 1981},
    {"query": "the motion picture", "kind": "subtitle_only", "expected_id": "t:5"},
    {"query": "zzzz qqqq", "kind": "title_exact", "expected_id": "t:1"},
    {"query": "nothing", "kind": "title_exact", "expected_title": "Not In The Catalog", "expected_year": 2000},
]


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_counts_each_answer_per_kind_as_fractions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = write_jsonl(tmp_path / "films.jsonl", CATALOG)
    queries = write_jsonl(tmp_path / "queries.jsonl", QUERIES)  # type: ignore[arg-type]
    assert main(["bench", "answers", "--queries", str(queries), "--catalog", str(catalog), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dropped_queries"] == 1
    overall = out["overall"]
    assert overall["n"] == 5
    assert overall["card_right"] == pytest.approx(2 / 5)
    assert overall["picker_has"] == pytest.approx(2 / 5)
    assert overall["picker_first"] == pytest.approx(1 / 5)  # the 2009 film leads the picker of namesakes
    assert overall["miss"] == pytest.approx(1 / 5)
    assert overall["card_wrong"] == 0 and overall["picker_missing"] == 0
    assert out["per_kind"]["sequel_number"]["card_right"] == 1.0
    assert out["per_kind"]["title_exact"]["n"] == 3


@pytest.mark.slow
def test_without_a_catalog_it_answers_on_a_fresh_install(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {"query": "miracle in cell no 7", "kind": "k", "expected_title": "Miracle in Cell No. 7", "expected_year": 2013}
    ]
    queries = write_jsonl(tmp_path / "queries.jsonl", rows)
    assert main(["bench", "answers", "--queries", str(queries), "--wrong"]) == 0
    text = capsys.readouterr().out
    assert "starter (fresh install)" in text
    assert "NOT RIGHT" not in text
