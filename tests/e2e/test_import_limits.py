"""`filmbot import` against hostile files, as a real process: a gzip bomb under a 1 GiB address-space limit,
a config file and /etc/passwd that are not film pages, JSON nested too deeply. Each is refused with one
clear line, exit code 1, no traceback, and nothing is imported."""

from __future__ import annotations

import asyncio
import gzip
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.process import query_rows, store_url

MEMORY_LIMIT = 1 << 30  # RLIMIT_AS: the whole address space of the import process


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def filmbot(db: Path, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM__", "DISCORD__", "DATABASE_URL"))}
    env |= {"DATABASE_URL": store_url(db), "PYTHONIOENCODING": "utf-8", "STARTER_CATALOG": "false"}
    env |= extra_env or {}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=db.parent, env=env, capture_output=True, text=True, timeout=300, preexec_fn=_limit_memory,
    )  # fmt: skip


def gzip_bomb(path: Path, record: bytes, decompressed: int) -> Path:
    """`record` repeated to `decompressed` bytes: one gzip member of 1 MB repeated (a valid multi-member
    gzip file, as `gzip` and `cat a.gz b.gz` make), so a 1 GB bomb is ~1-3 MB on disk and quick to build."""
    block = record * (max(1, (1 << 20) // len(record)))
    member = gzip.compress(block, compresslevel=9, mtime=0)
    with path.open("wb") as out:
        for _ in range(decompressed // len(block)):
            out.write(member)
    return path


def count_films(db: Path) -> int:
    ((count,),) = asyncio.run(query_rows({"DATABASE_URL": store_url(db)}, "SELECT count(*) FROM films"))
    return int(count)


def assert_refused(out: subprocess.CompletedProcess[str], reason: str) -> None:
    assert out.returncode == 1, (out.returncode, out.stderr[-2000:])
    assert "Traceback" not in out.stderr and "MemoryError" not in out.stderr, out.stderr[-2000:]
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Nothing was imported:") and reason in lines[0], out.stderr


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "filmbot.sqlite3"
    assert filmbot(path, "db", "upgrade").returncode == 0
    return path


def test_a_gzip_bomb_is_refused_by_its_ratio_within_a_memory_limit(db: Path, tmp_path: Path) -> None:
    bomb = gzip_bomb(tmp_path / "films.jsonl.gz", b'{"title": "a"}\n', 1 << 30)
    assert bomb.stat().st_size < 3 << 20
    assert_refused(filmbot(db, "import", "--quiet", str(bomb)), "compression bomb")
    assert count_films(db) == 0


def test_a_bomb_past_the_ratio_check_stops_at_the_record_cap_within_a_memory_limit(db: Path, tmp_path: Path) -> None:
    # With the ratio check switched off, what bounds memory is the record cap: parsed films are all that is kept.
    bomb = gzip_bomb(tmp_path / "films.jsonl.gz", b'{"title": "a film"}\n', 1 << 30)
    out = filmbot(db, "import", "--quiet", str(bomb), extra_env={"IMPORT__MAX_RATIO": "1000000"})
    assert_refused(out, "more than 250,000 films in one import (IMPORT__MAX_RECORDS)")


def test_the_decompressed_size_cap_applies_while_inflating(db: Path, tmp_path: Path) -> None:
    bomb = gzip_bomb(tmp_path / "films.json.gz", b" " * 1024, 64 << 20)
    out = filmbot(db, "import", "--quiet", str(bomb),
                  extra_env={"IMPORT__MAX_RATIO": "1000000", "IMPORT__MAX_BYTES": str(32 << 20)})  # fmt: skip
    assert_refused(out, "larger than 32 MB once decompressed (IMPORT__MAX_BYTES)")


def test_a_config_file_and_etc_passwd_are_not_films(db: Path, tmp_path: Path) -> None:
    env_file = tmp_path / "prod.env"
    env_file.write_text(
        "TELEGRAM__TOKEN=123456789:AAHfakefakefakefakefakefakefakefake1\n"
        "DATABASE_URL=postgresql+asyncpg://club:hunter2@db/club\n",
        encoding="utf-8",
    )
    assert_refused(filmbot(db, "import", "--quiet", str(env_file)), "does not look like a film page")
    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n")
    assert_refused(filmbot(db, "import", "--quiet", str(passwd)), "does not look like a film page")
    assert count_films(db) == 0


def test_deeply_nested_json_is_one_clear_line(db: Path, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('[{"title": "ok"},\n' + "[" * 100_000 + "]" * 100_000 + "]")
    assert_refused(filmbot(db, "import", "--quiet", str(deep)), "deep.json line 2: the JSON is nested too deeply")
    deep_lines = tmp_path / "deep.jsonl"
    deep_lines.write_text('{"title": "ok"}\n{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    assert_refused(filmbot(db, "import", "--quiet", str(deep_lines)), "deep.jsonl line 2: the JSON is nested")
