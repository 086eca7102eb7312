"""IMDb import at scale: films/s and peak RSS of a real `filmbot import --format imdb` on a synthetic set.

    python -m bench.imdb_import --titles 1000000 [--dir /tmp/imdb-1m] [--database-url URL] [--reimport]

The set (IMDb's format, gzipped, ~85% movies) is generated once into --dir and reused. Each import runs
as a child process, so its peak RSS is the child's own (getrusage RUSAGE_CHILDREN, measured per run in a
fresh helper process). Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.imdb_data import synthetic

CHILD = """
import resource, subprocess, sys, json, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"rc": r.returncode, "out": r.stdout.strip(), "err": r.stderr.strip()[-500:],
                  "seconds": time.perf_counter() - t,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def run_import(directory: Path, url: str) -> dict[str, object]:
    cmd = [sys.executable, "-m", "bot", "--database-url", url, "import", "--quiet", "--format", "imdb", str(directory)]
    env = {**os.environ, "STARTER_CATALOG": "false"}
    out = subprocess.run([sys.executable, "-c", CHILD, *cmd], capture_output=True, text=True, env=env, check=True)
    result: dict[str, object] = json.loads(out.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--titles", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, help="where the synthetic set is kept (default: a temp dir)")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp dir")
    parser.add_argument("--reimport", action="store_true", help="import a second time (idempotence cost)")
    args = parser.parse_args(argv)
    directory = args.dir or Path(tempfile.gettempdir()) / f"filmbot-imdb-{args.titles}"
    marker = directory / "complete"
    if not marker.exists():
        t = time.perf_counter()
        synthetic(directory, args.titles)
        marker.write_text(str(args.titles))
        print(f"generated {args.titles} titles in {directory} in {time.perf_counter() - t:.1f} s")
    size = sum(p.stat().st_size for p in directory.glob("*.tsv.gz"))
    print(f"dataset: {size / 1e6:.0f} MB gzipped")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        runs = ["first import"] + (["re-import"] if args.reimport else [])
        for label in runs:
            r = run_import(directory, url)
            if r["rc"] != 0:
                print(f"{label} failed: {r['err']}")
                return 1
            added = int(str(r["out"]).split(",")[0].split()[-1])
            movies = sum(int(x.split()[-1]) for x in str(r["out"]).split(",")[:3])
            seconds = float(str(r["seconds"]))
            print(
                f"{label}: {r['out']} | {seconds:.1f} s | {movies / seconds:,.0f} films/s "
                f"| peak RSS {float(str(r['peak_rss_mb'])):.0f} MB | added {added}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
