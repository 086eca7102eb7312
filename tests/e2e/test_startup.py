"""A one-shot `filmbot film …` as a user runs it: it loads no platform library and no index builder, reuses the
search index snapshot while the catalog is unchanged, and rebuilds it after another process changed it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.sqlite_only(
    reason="a one-shot command on the embedded default: no PostgreSQL dialect imported, "
    "the index snapshot of a SQLite file"
)

FILMS = 1200  # over the snapshot's and the stage line's threshold (bot.films.snapshot.MIN_FILMS)

# What a one-shot command on a database at the head revision, with a snapshot, must not import.
NOT_NEEDED = (
    "discord",
    "telegram",
    "aiohttp",
    "adapters.discord",
    "adapters.telegram",
    "alembic",
    "httpx",
    "cutlet",
    "fugashi",
    "pypinyin",
    "hangul_romanize",
    "tqdm",
    "sqlalchemy.dialects.postgresql",
    "bot.films.importers.reader",
    "bot.films.importers.export",
    "bot.films.importers.apply",
)


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM__", "DISCORD__", "DATABASE_URL"))}
    env |= {
        "DATABASE_URL": f"sqlite+aiosqlite:///{home / 'filmbot.sqlite3'}",
        "STARTER_CATALOG": "false",
        "XDG_CACHE_HOME": str(home / "cache"),
        "PYTHONIOENCODING": "utf-8",
    }
    return env


def filmbot(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=home,
        env=environment(home),
        capture_output=True,
        text=True,
        timeout=300,
    )


def write_films(path: Path, films: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(f) for f in films) + "\n", encoding="utf-8")
    return path


def snapshot_header(home: Path) -> dict[str, object]:
    (path,) = (home / "cache" / "filmbot" / "search-index").glob("*.index")
    data = path.read_bytes()
    header: dict[str, object] = json.loads(data.split(b"\n", 2)[1])
    return header


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of FILMS films (with native titles) imported by `filmbot import`, as a club would."""
    home = tmp_path_factory.mktemp("startup")
    films: list[dict[str, object]] = [
        {"id": f"club:{i}", "title": f"Lantern Harbour {i}", "year": 1930 + i % 90, "votes": i} for i in range(FILMS)
    ]
    films.append({"id": "club:parasite", "title": "Parasite", "year": 2019, "original_title": "기생충"})
    films.append({"id": "club:sen", "title": "Spirited Away", "year": 2001, "original_title": "千と千尋の神隠し"})
    loaded = filmbot(home, "import", "--quiet", str(write_films(home / "club.jsonl", films)))
    assert loaded.returncode == 0, loaded.stderr
    return home


def test_the_first_one_shot_builds_the_index_says_so_and_the_next_ones_load_it(home: Path) -> None:
    first = filmbot(home, "film", "gisaengchung")
    assert first.returncode == 0 and "Parasite (2019)" in first.stdout, first.stderr
    assert f"Building the search index of {FILMS + 2:,} films… done in " in first.stderr
    built = snapshot_header(home)
    again = filmbot(home, "film", "sen to chihiro")  # a romanized key, from the snapshot
    assert again.returncode == 0 and "Spirited Away (2001)" in again.stdout
    assert again.stderr == ""  # nothing built, nothing to say
    assert snapshot_header(home) == built


def test_a_one_shot_imports_no_platform_library_and_no_index_builder(home: Path, tmp_path: Path) -> None:
    assert filmbot(home, "film", "lantern harbour 7").returncode == 0  # the snapshot is there
    modules = tmp_path / "modules.json"
    script = (
        "import json, sys\n"
        "from bot.cli import main\n"
        "status = main(['film', 'lantern harbour 7'])\n"
        f"open({str(modules)!r}, 'w').write(json.dumps(sorted(sys.modules)))\n"
        "sys.exit(status)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=home, env=environment(home), capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0 and "Lantern Harbour 7" in run.stdout, run.stderr
    loaded = json.loads(modules.read_text())
    assert "bot.films.snapshot" in loaded and "sqlalchemy" in loaded  # it did run the real path
    unwanted = [m for m in loaded if m in NOT_NEEDED or m.startswith(tuple(f"{n}." for n in NOT_NEEDED))]
    assert unwanted == []


def test_a_change_by_another_process_is_in_the_next_one_shot(home: Path) -> None:
    assert filmbot(home, "film", "lantern harbour 3").returncode == 0
    before = snapshot_header(home)
    extra = write_films(home / "extra.jsonl", [{"id": "club:q", "title": "Quillfeather Junction", "year": 1987}])
    added = filmbot(home, "import", "--quiet", str(extra))
    assert added.returncode == 0 and "added 1" in added.stdout, added.stderr
    after = filmbot(home, "film", "quillfeather junction")
    assert after.returncode == 0 and "Quillfeather Junction (1987)" in after.stdout
    assert "Building the search index of" in after.stderr  # the snapshot was stale: rebuilt
    rebuilt = snapshot_header(home)
    assert int(str(rebuilt["version"])) > int(str(before["version"])) and rebuilt["films"] == FILMS + 3
    again = filmbot(home, "film", "quillfeather junction")
    assert "Quillfeather Junction (1987)" in again.stdout and again.stderr == ""
