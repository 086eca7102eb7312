"""How long a one-shot `filmbot` command takes, start to exit, over repeated runs (figures, not pass/fail).

    python -m bench.startup_bench                       # 10 runs of `filmbot film miracle` + one warm-up
    python -m bench.startup_bench --runs 20 -- search cell 7
    python -m bench.startup_bench --imports 15          # also: the 15 slowest imports of one run (-X importtime)

Each run is a new process (`python -m bot …`) on the configured database (DATABASE_URL, else the user's
SQLite file), so it includes the interpreter's start, every import, opening the database and loading the search
index. Wall time is what a person waits; CPU time (user + system of the child) is less distorted by a busy
machine, so both are printed, with the load average before and after: on a shared machine quote them together.
The warm-up run (not counted) is the one that may build a database or a search index snapshot, and that
writes the bytecode cache (PYTHONDONTWRITEBYTECODE is dropped for the runs unless --keep-dontwritebytecode).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence

from bench.stats import spread


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def one_run(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the child, exit status) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode(errors="replace")[-2000:])
    return wall, cpu, done.returncode


REFERENCE = "sum(range(10**7))"  # a fixed pure-Python workload: about 0.15 s of CPU on a quiet 2020s server core


def reference_cpu(runs: int = 3) -> float:
    """The least CPU time of REFERENCE over a few runs: how slow this machine is right now. Divide a figure by
    (this / the quiet value) to estimate it on a quiet machine."""
    best = float("inf")
    for _ in range(runs):
        _, cpu, _ = one_run([sys.executable, "-c", REFERENCE], dict(os.environ))
        best = min(best, cpu)
    return best


def slowest_imports(command: list[str], env: dict[str, str], top: int) -> list[tuple[str, float]]:
    """The `top` top-level imports with the largest cumulative time (seconds) in one run."""
    done = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    rows: list[tuple[str, float]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|", 2)
        if not name.startswith(" ") or name.startswith("  "):  # top level only: " name"
            continue
        rows.append((name.strip(), int(cumulative) / 1e6))
    return sorted(rows, key=lambda row: -row[1])[:top]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs (default: 10)")
    parser.add_argument("--no-warmup", action="store_true", help="count the first run too")
    parser.add_argument("--imports", type=int, default=0, metavar="N", help="also list the N slowest imports")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--keep-dontwritebytecode",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE if set (every run then compiles filmbot's modules again, which an "
        "installed filmbot never does: its bytecode is cached)",
    )
    parser.add_argument("args", nargs="*", help="the filmbot command (default: film miracle)")
    options = parser.parse_args(argv)
    command = [sys.executable, "-m", "bot", *(options.args or ["film", "miracle"])]
    env = dict(os.environ)
    if not options.keep_dontwritebytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # the warm-up run writes the bytecode cache, as a user's first does
    load_before = load_average()
    reference = reference_cpu()
    if not options.no_warmup:
        one_run(command, env)
    walls: list[float] = []
    cpus: list[float] = []
    failures = 0
    for _ in range(max(options.runs, 1)):
        wall, cpu, status = one_run(command, env)
        walls.append(wall)
        cpus.append(cpu)
        failures += status != 0
    result = {
        "command": "filmbot " + " ".join(command[3:]),
        "runs": len(walls),
        "failed": failures,
        "wall_s": spread(walls),
        "cpu_s": spread(cpus),
        "load_before": load_before,
        "load_after": load_average(),
        "reference_cpu_s": round(reference, 3),
    }
    imports = slowest_imports(command, env, options.imports) if options.imports else []
    if options.json:
        print(json.dumps(result | {"imports": imports}, indent=2))
        return 1 if failures else 0
    print(f"{result['command']}: {len(walls)} runs ({failures} failed)")
    for label, key in (("wall", "wall_s"), ("cpu ", "cpu_s")):
        s = result[key]
        assert isinstance(s, dict)
        print(f"  {label}  min {s['min']:.3f} s   median {s['median']:.3f} s   max {s['max']:.3f} s")
    print(f"  load average before: {load_before}   after: {result['load_after']}")
    print(f"  reference `{REFERENCE}`: {reference:.3f} s of CPU (a quiet machine: ~0.15 s)")
    if imports:
        print("  slowest imports (one run, cumulative):")
        for name, seconds in imports:
            print(f"    {seconds * 1000:7.1f} ms  {name}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
