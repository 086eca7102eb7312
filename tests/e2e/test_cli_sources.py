"""`filmbot import --format imdb` and `filmbot enrich` as a user runs them: real processes, temporary
database, the fake TMDB on loopback for enrich."""

from __future__ import annotations

import asyncio
import gzip
import os
import subprocess
import sys
from pathlib import Path

from tests.fakes.sources import FakeTmdb, tmdb_movie
from tests.store.test_imdb_import import make_set
from tests.support.process import store_url


def filmbot(db: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM__", "DISCORD__", "TMDB__", "WIKIDATA__"))
    }
    base.update(DATABASE_URL=store_url(db), PYTHONIOENCODING="utf-8", **env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=db.parent, env=base, capture_output=True, text=True, timeout=180
    )


def test_imdb_import_and_its_refusals(tmp_path: Path) -> None:
    db = tmp_path / "filmbot.sqlite3"
    make_set(tmp_path / "imdb")
    env = {"STARTER_CATALOG": "false"}
    first = filmbot(db, "import", "--format", "imdb", str(tmp_path / "imdb"), **env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "added 2, updated 0, unchanged 0, skipped 0"
    assert "█" not in first.stderr  # no progress bar off a terminal
    again = filmbot(db, "import", "--quiet", "--format", "imdb", str(tmp_path / "imdb"), **env)
    assert again.stdout.strip() == "added 0, updated 0, unchanged 2, skipped 0"
    card = filmbot(db, "film", "기생충", **env)
    assert card.returncode == 0 and "Parasite (2019)" in card.stdout.splitlines()[0], card.stdout
    bad = tmp_path / "bad"
    make_set(bad)
    ratings = bad / "title.ratings.tsv.gz"
    ratings.write_bytes(gzip.compress(gzip.decompress(ratings.read_bytes()).replace(b"8.5", b"\xff8.5")))
    failed = filmbot(db, "import", "--format", "imdb", str(bad), **env)
    assert failed.returncode == 1
    assert failed.stderr.startswith("Nothing was imported: title.ratings.tsv.gz line 2: is not UTF-8 text")
    wrong = filmbot(db, "import", "--format", "imdb", str(tmp_path / "imdb" / "title.basics.tsv.gz"), **env)
    assert wrong.returncode == 2 and "folder" in wrong.stderr


def test_enrich_from_the_fake_tmdb_with_a_summary(tmp_path: Path) -> None:
    db = tmp_path / "filmbot.sqlite3"
    make_set(tmp_path / "imdb")
    env = {"STARTER_CATALOG": "false"}
    assert filmbot(db, "import", "--format", "imdb", str(tmp_path / "imdb"), **env).returncode == 0

    async def scenario() -> tuple[str, str, int, list[str]]:
        server = FakeTmdb(api_key="secret-key-123")
        server.add(tmdb_movie(496243, "Parasite", "기생충", "2019-05-30", imdb="tt6751668", trailer="5xH0HfJHsaY"))
        await server.start()
        try:
            run = await asyncio.to_thread(
                filmbot, db, "enrich", "--fields", "trailer,poster", "--limit", "5",
                TMDB__API_KEY="secret-key-123", TMDB__BASE_URL=server.url, LOG_LEVEL="DEBUG", **env,
            )  # fmt: skip
        finally:
            await server.stop()
        return run.stdout, run.stderr, run.returncode, server.violations

    out, err, code, violations = asyncio.run(scenario())
    assert code == 0, err
    assert violations == []
    assert "TMDB: 2 films examined — 1 matched, 1 enriched, 0 ambiguous, 1 not found" in out
    assert "secret-key-123" not in out + err
    card = filmbot(db, "film", "parasite", **env)
    assert "5xH0HfJHsaY" in card.stdout
    missing = filmbot(db, "enrich", "--source", "wikidata", **env)
    assert missing.returncode == 2 and "WIKIDATA__CONTACT" in missing.stderr
