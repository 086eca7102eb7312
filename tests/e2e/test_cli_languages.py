"""One-shot `filmbot` commands speak the terminal's language, as `filmbot chat` does: `--lang` (before or after the
command), else LC_ALL / LC_MESSAGES / LANG. Cards, lists, misses, first-run stage lines, summaries and errors a
person reads are translated; `--json` stays English data. A real process on a small temporary catalog."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "data" / "seed-films.jsonl"  # the seed film's full record: a first run in a second


def filmbot(db: Path, *args: str, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM__", "DISCORD__", "DATABASE_URL"))}
    env.update(DATABASE_URL=f"sqlite+aiosqlite:///{db}", PYTHONIOENCODING="utf-8", LANG=lang or "C.UTF-8")
    env["STARTER_CATALOG_FILES"] = json.dumps([str(SEED)])
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=db.parent, env=env, capture_output=True, text=True, timeout=180
    )


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    db = tmp_path_factory.mktemp("cli-lang") / "filmbot.sqlite3"
    return db, filmbot(db, "film", "miracle in cell", lang="ko_KR.UTF-8")


def test_a_korean_terminal_gets_the_card_and_the_first_run_stages_in_korean(
    first_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _db, result = first_run
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("┌─ 7번방의 선물 (2013)\n│ Miracle in Cell No. 7\n"), out
    assert "코미디, 드라마, 가족 · 2시간 7분" in out
    assert "감독: Lee Hwan Kyung" in out and "예고편: https://www.youtube.com/watch?v=wTkeln0kc8I" in out
    lines = result.stderr.splitlines()
    assert lines[0].startswith("데이터베이스를 준비하는 중… 완료 (") and lines[0].endswith("초)"), lines
    assert any(line.startswith("데이터베이스를 만들고 영화 1편을 불러오는 중… 완료 (") for line in lines), lines


def test_lang_before_or_after_the_command_wins_over_the_locale(
    first_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    db, _ = first_run
    after = filmbot(db, "search", "miracle", "--lang", "ja", lang="ko_KR.UTF-8")
    assert after.returncode == 0, after.stderr
    assert after.stdout.startswith("“miracle”に一致する作品\n"), after.stdout
    before = filmbot(db, "--lang", "ja", "film", "zzqqxx", lang="ko_KR.UTF-8")
    assert before.stdout.startswith("“zzqqxx”という作品はありません。"), before.stdout
    english = filmbot(db, "film", "miracle in cell", "--short", "--lang", "en", lang="ja_JP.UTF-8")
    assert english.stdout.startswith("┌─ Miracle in Cell No. 7 (2013)\n│ 7번방의 선물\n"), english.stdout
    assert "Comedy, Drama, Family · 2 h 7 min" in english.stdout


def test_a_korean_list_names_films_by_their_korean_titles(
    first_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    db, _ = first_run
    listed = filmbot(db, "search", "miracle", lang="ko_KR.UTF-8")
    assert "  1. 7번방의 선물 (2013) · Miracle in Cell No. 7 #" in listed.stdout, listed.stdout


def test_json_stays_english_data_whatever_the_language(
    first_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    db, _ = first_run
    card = json.loads(filmbot(db, "film", "miracle in cell", "--json", lang="ko_KR.UTF-8").stdout)
    assert card["type"] == "film" and card["genres"] == ["Comedy", "Drama", "Family"]
    miss = filmbot(db, "film", "zzqqxx", "--json", "--lang", "ja")
    data = json.loads(miss.stdout)
    assert data["type"] in {"films", "problem"} and "zzqqxx" in json.dumps(data)
    assert not any("\u3040" <= ch <= "\u30ff" for ch in miss.stdout), miss.stdout  # no kana: English


def test_operator_summaries_and_errors_in_the_terminals_language(
    first_run: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    db, _ = first_run
    upgraded = filmbot(db, "db", "upgrade", lang="ja_JP.UTF-8")
    assert upgraded.stdout.startswith("データベースは最新です: "), upgraded.stdout
    exported = filmbot(db, "export", "-o", str(tmp_path / "films.jsonl"), lang="ko_KR.UTF-8")
    assert exported.stderr.strip() == f"영화 1편을 {tmp_path / 'films.jsonl'}에 내보냈어요", exported.stderr
    imported = filmbot(db, "import", str(tmp_path / "films.jsonl"), "--quiet", lang="ko_KR.UTF-8")
    assert imported.stdout.strip() == "추가 0, 수정 0, 변경 없음 1, 건너뜀 0", imported.stdout + imported.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "A"}\n{"title": \n', encoding="utf-8")
    failed = filmbot(db, "import", str(bad), lang="ja_JP.UTF-8")
    assert failed.returncode == 1
    assert failed.stderr.startswith("何も取り込みませんでした: bad.jsonl 2 行目: 不正な JSON: "), failed.stderr
    refused = filmbot(db, "--database-url", "mysql://u:secret@h/db", "film", "x", lang="ko_KR.UTF-8")
    assert "SQLite와 PostgreSQL만 쓸 수 있어요" in refused.stderr and "secret" not in refused.stderr
    tokens = filmbot(db, "run", lang="ja_JP.UTF-8")
    assert tokens.returncode == 2 and tokens.stderr.startswith("ボットのトークンが設定されていないため")
