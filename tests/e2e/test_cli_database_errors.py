"""Database failures through the real `filmbot` CLI: one line, exit code 1, no traceback, no password."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SECRET = "s3cr3t-pw"


def filmbot(url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM__", "DISCORD__", "DATABASE_URL"))}
    env |= {"DATABASE_URL": url, "PYTHONIOENCODING": "utf-8", "STARTER_CATALOG": "false"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert SECRET not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


def films_file(path: Path, n: int = 50) -> Path:
    path.write_text("".join(json.dumps({"title": f"Film {i}", "year": 1950 + i % 70}) + "\n" for i in range(n)))
    return path


def test_postgresql_url_without_asyncpg_says_which_form_to_use(tmp_path: Path) -> None:
    line = one_line_error(filmbot(f"postgresql://club:{SECRET}@127.0.0.1:5432/films", "film", "x", cwd=tmp_path))
    assert "postgresql+asyncpg://" in line


def test_sqlite_url_without_aiosqlite_says_which_form_to_use(tmp_path: Path) -> None:
    line = one_line_error(filmbot(f"sqlite:///{tmp_path / 'f.sqlite3'}", "film", "x", cwd=tmp_path))
    assert "sqlite+aiosqlite://" in line


def test_wrong_postgresql_port_is_one_line(tmp_path: Path) -> None:
    line = one_line_error(filmbot(f"postgresql+asyncpg://club:{SECRET}@127.0.0.1:1/films", "film", "x", cwd=tmp_path))
    assert "Cannot connect" in line and "127.0.0.1:1" in line


@pytest.mark.sqlite_only(reason="a read-only SQLite file")
def test_read_only_database_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "club.sqlite3"
    assert filmbot(f"sqlite+aiosqlite:///{db}", "db", "upgrade", cwd=tmp_path).returncode == 0
    # Root ignores file modes, so open the file read-only the way SQLite itself allows.
    url = f"sqlite+aiosqlite:///file:{db}?mode=ro&uri=true"
    line = one_line_error(filmbot(url, "import", "--quiet", str(films_file(tmp_path / "f.jsonl")), cwd=tmp_path))
    assert "read-only" in line


@pytest.mark.sqlite_only(reason="a SQLite file on a full disk")
def test_full_disk_is_one_line(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    if (
        shutil.which("mount") is None
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(disk)], capture_output=True
        ).returncode
    ):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        db = disk / "club.sqlite3"
        assert filmbot(f"sqlite+aiosqlite:///{db}", "db", "upgrade", cwd=tmp_path).returncode == 0
        big = tmp_path / "big.jsonl"
        big.write_text(
            "".join(json.dumps({"title": f"Film {i}", "year": 1950, "synopsis": "x" * 2000}) + "\n" for i in range(400))
        )
        line = one_line_error(filmbot(f"sqlite+aiosqlite:///{db}", "import", "--quiet", str(big), cwd=tmp_path))
        assert "full" in line
    finally:
        subprocess.run(["umount", str(disk)], check=False)


@pytest.mark.sqlite_only(reason="SQLite's single writer")
def test_two_sqlite_imports_at_once_both_finish_without_duplicates(tmp_path: Path) -> None:
    db = tmp_path / "club.sqlite3"
    url = f"sqlite+aiosqlite:///{db}"
    assert filmbot(url, "db", "upgrade", cwd=tmp_path).returncode == 0
    path = films_file(tmp_path / "f.jsonl", n=3000)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM__", "DISCORD__", "DATABASE_URL"))}
    env |= {"DATABASE_URL": url, "STARTER_CATALOG": "false"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "import", "--quiet", str(path)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert "Traceback" not in err
        assert p.returncode == 0 or "busy" in err, err
    shown = filmbot(url, "export", cwd=tmp_path)
    assert len(shown.stdout.splitlines()) == 3000
