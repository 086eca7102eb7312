"""The `filmbot` command line as a user runs it: a real process on a temporary database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.sqlite_only(
    reason="the embedded default's first run: `filmbot` creates, migrates and seeds its own SQLite file "
    "(the module's other tests share it)"
)


def filmbot(db: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM__", "DISCORD__", "DATABASE_URL"))}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{db}"
    env["PYTHONIOENCODING"] = "utf-8"
    env["XDG_CACHE_HOME"] = str(db.parent / "cache")  # the search index snapshot stays with the test's database
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=db.parent,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database created, migrated and seeded with the starter catalog by the first command, as on first run."""
    db = tmp_path_factory.mktemp("cli") / "filmbot.sqlite3"
    first = filmbot(db, "film", "miracle in cell")
    assert first.returncode == 0, first.stderr
    FIRST_RUN.append(first.stderr)
    return db


FIRST_RUN: list[str] = []  # what the first run said on stderr


def test_the_first_run_says_what_it_is_doing_one_line_per_stage(seeded_db: Path) -> None:
    lines = FIRST_RUN[0].splitlines()
    assert lines[0].startswith("Setting up the database… done in "), lines
    assert any(line.startswith("Reading the starter catalog… done in ") for line in lines), lines
    loading = [line for line in lines if line.startswith("Creating the database and loading ")]
    assert len(loading) == 1 and " films… done in " in loading[0] and loading[0].endswith(" s"), lines
    index = [line for line in lines if line.startswith("Building the search index of ")]
    assert len(index) == 1 and " films… done in " in index[0] and index[0].endswith(" s"), lines
    assert len(lines) == 4, lines  # nothing else, and each stage is one finished line
    again = filmbot(seeded_db, "film", "miracle in cell")
    assert "Creating the database" not in again.stderr and again.stderr == ""


def test_first_run_prints_the_seed_film_card(seeded_db: Path) -> None:
    out = filmbot(seeded_db, "film", "miracle in cell").stdout
    assert "Miracle in Cell No. 7 (2013)" in out
    assert "7번방의 선물" in out
    assert "Comedy, Drama, Family · 2 h 7 min · South Korea" in out
    assert "Director: Lee Hwan Kyung" in out and "Ryu Seung-ryong (Lee Yong-gu)" in out
    assert "Trailer: https://www.youtube.com/watch?v=wTkeln0kc8I" in out
    assert "Yong-gu" in out


def test_starter_catalog_is_there_without_an_import(seeded_db: Path) -> None:
    out = filmbot(seeded_db, "film", "千と千尋の神隠し")
    assert out.returncode == 0 and "Spirited Away" in out.stdout


def test_help_lists_every_command(tmp_path: Path) -> None:
    out = filmbot(tmp_path / "x.sqlite3", "--help").stdout
    for command in ("film", "search", "random", "chat", "run", "import", "export", "db", "bench", "discord"):
        assert command in out


def test_run_without_tokens_says_what_to_set(tmp_path: Path) -> None:
    result = filmbot(tmp_path / "x.sqlite3", "run")
    assert result.returncode != 0
    assert "TELEGRAM__TOKEN" in result.stderr and "filmbot chat" in result.stderr


def test_chat_over_stdin(seeded_db: Path) -> None:
    result = filmbot(seeded_db, "chat", stdin="/film gift from room 7\n/help\n/quit\n")
    assert result.returncode == 0
    assert "matched: Gift From Room 7" in result.stdout and "/random" in result.stdout


def test_import_then_export_and_a_malformed_file_imports_nothing(seeded_db: Path, tmp_path: Path) -> None:
    good = tmp_path / "club.jsonl"
    good.write_text(json.dumps({"id": "club:1", "title": "Our Club Film", "year": 2024}) + "\n", encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({"id": "club:2", "title": "Half Imported", "year": 2024}) + "\n{not json\n",
        encoding="utf-8",
    )
    result = filmbot(seeded_db, "import", "--quiet", str(good))
    assert result.returncode == 0 and "added 1" in result.stdout
    again = filmbot(seeded_db, "import", "--quiet", str(good))
    assert "added 0" in again.stdout and "unchanged 1" in again.stdout
    failed = filmbot(seeded_db, "import", "--quiet", str(bad))
    assert failed.returncode == 1 and "line 2" in failed.stderr
    assert "Half Imported" not in filmbot(seeded_db, "search", "half imported").stdout
    log = filmbot(seeded_db, "chat", stdin="/film log\n/quit\n").stdout
    assert "import · club.jsonl" in log and "1 added" in log and "bad.jsonl" not in log
    exported = tmp_path / "out.jsonl"
    assert filmbot(seeded_db, "export", "-o", str(exported)).returncode == 0
    titles = {json.loads(line)["title"] for line in exported.read_text(encoding="utf-8").splitlines()}
    assert {"Our Club Film", "Miracle in Cell No. 7"} <= titles and "Half Imported" not in titles


def test_db_upgrade(tmp_path: Path) -> None:
    result = filmbot(tmp_path / "fresh.sqlite3", "db", "upgrade")
    assert result.returncode == 0, result.stderr


def test_a_reader_that_leaves_early_gets_no_traceback(seeded_db: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM__", "DISCORD__", "DATABASE_URL"))}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{seeded_db}"
    exporter = subprocess.Popen(
        [sys.executable, "-m", "bot", "export"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert exporter.stdout is not None and exporter.stderr is not None
    assert exporter.stdout.read(100)  # like `filmbot export | head -c 100`
    exporter.stdout.close()
    _, stderr = exporter.communicate(timeout=120)
    assert b"Traceback" not in stderr and b"BrokenPipe" not in stderr, stderr.decode()


def _number_of(listing: str, label: str) -> str:
    line = next(line for line in listing.splitlines() if label in line and "." in line)
    return line.split(".")[0].strip()


def test_chat_learns_a_pickers_answer_across_restarts(seeded_db: Path, tmp_path: Path) -> None:
    """Each chat is its own process: what it learned is written at exit and read at the next start."""
    import shutil

    db = tmp_path / "filmbot.sqlite3"
    shutil.copy(seeded_db, db)
    for _ in range(3):
        picker = filmbot(db, "chat", stdin="top gun\n/quit\n")
        assert "Several films match “top gun”" in picker.stdout, picker.stdout
        number = _number_of(picker.stdout.split("Several films match", 1)[1], "Top Gun (1986)")
        chosen = filmbot(db, "chat", stdin=f"top gun\n{number}\n/quit\n")
        assert chosen.returncode == 0 and "┌─ Top Gun (1986)" in chosen.stdout, chosen.stdout + chosen.stderr
    card = filmbot(db, "chat", stdin="top gun\n/quit\n").stdout
    assert "┌─ Top Gun (1986)" in card and "Several films match" not in card, card
    assert "directed by Tony Scott" in card and "Director: Tony Scott" in card
    assert "Synopsis: Wikipedia, CC BY-SA 4.0" in card


def test_film_by_id_json_short_and_lists_that_print_how_to_open_each(seeded_db: Path) -> None:
    listing = filmbot(seeded_db, "search", "miracle").stdout
    opener = next(line.strip() for line in listing.splitlines() if line.strip().startswith("filmbot film '#"))
    film_id = opener.split("'#")[1].rstrip("'")
    by_ref = filmbot(seeded_db, "film", f"#{film_id}")
    by_number = filmbot(seeded_db, "film", film_id)
    assert by_ref.returncode == 0 and by_ref.stdout == by_number.stdout
    assert by_ref.stdout.rstrip().endswith(f"#{film_id}")

    data = json.loads(filmbot(seeded_db, "film", "miracle in cell", "--json").stdout)
    exported = [json.loads(line) for line in filmbot(seeded_db, "export").stdout.splitlines()]
    record = next(r for r in exported if r["title"] == data["title"] and r.get("year") == data.get("year"))
    assert {k: v for k, v in data.items() if k in record} == record and isinstance(data["film_id"], int)

    found = json.loads(filmbot(seeded_db, "search", "miracle", "--json").stdout)
    assert found["type"] == "films" and found["items"][0]["open"].startswith("filmbot film '#")
    short = filmbot(seeded_db, "film", "miracle in cell", "--short").stdout
    full = filmbot(seeded_db, "film", "miracle in cell").stdout
    assert "Miracle in Cell No. 7 (2013)" in short and len(short.splitlines()) < len(full.splitlines())
