"""Benchmark `hplearn import` of N generated resources the way an operator runs it.

    python scripts/bench_import.py N [--seed 42] [--queries 240] [--keep DIR]

In a fresh instance folder (SQLite + Whoosh, the embedded default): `hplearn init --demo`, then
N Chinese resources (scripts/bench_search.py's generator, seed 42) written to a JSON Lines file
and imported with `hplearn import FILE`, timed (wall and CPU of the command and its children).
Then the search service is timed on the index the import left, `hplearn reindex` is timed, and
the search service is timed again on the rebuilt index: the same distinct queries, each asked
first in a fresh process after a warm-up on other queries, result cache off. Last, the same file
is imported again (every row unchanged). --keep DIR keeps the instance folder and
--import-only stops after the import (for scripts/bench_servers.py on an imported site).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_search import generate, make_queries, percentile  # noqa: E402

IMPORTED = ("source", "external_id", "kind", "title", "summary", "body", "stage", "grade",
            "subject", "edition", "volume", "tags")


def bench_env(instance: Path) -> dict:
    """The environment of every command: this instance, no Redis, result cache off, no jobs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HPLEARN_")}
    env.update({"HPLEARN_INSTANCE": str(instance), "HPLEARN_SECRET_KEY": "bench",
                "HPLEARN_CACHE_MAX_LOCAL_ENTRIES": "1", "PYTHONPATH": str(ROOT),
                # Servers are measured serving pages: no periodic jobs (the link check) beside.
                "HPLEARN_RUN_JOBS_IN_PROCESS": "false"})
    return env


def write_rows(path: Path, n: int, seed: int) -> None:
    """N generated resources as JSON Lines in hplearn import's columns."""
    with path.open("w", encoding="utf-8") as out:
        for row in generate(n, seed):
            out.write(json.dumps({k: row[k] for k in IMPORTED}, ensure_ascii=False) + "\n")


# `python -m hplearn`, reporting on stderr the CPU of the command's own process (its children,
# the Whoosh writer processes, are the rest of the figure).
OWN_CPU = """import atexit, resource, runpy, sys
def report():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"own CPU {usage.ru_utime + usage.ru_stime:.1f}", file=sys.stderr)
atexit.register(report)
runpy.run_module("hplearn", run_name="__main__", alter_sys=True)
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def hplearn(env: dict, *args: str) -> tuple[float, float, str]:
    """Run `hplearn ARGS`; return wall seconds, CPU seconds (with its children) and stdout
    (its last line, and the CPU of the command's own process)."""
    cpu, started = _children_cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "-c", OWN_CPU, *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"hplearn {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    own = [line for line in done.stderr.splitlines() if line.startswith("own CPU ")][-1:]
    last = done.stdout.strip().splitlines()[-1]
    return wall, _children_cpu() - cpu, f"{last}   ({own[0]} s)" if own else last


def measure_search(queries: int, seed: int) -> dict:
    """In this process: the resource index's shape and the search service's times."""
    from hplearn.app import create_app
    from hplearn.pagination import PageRequest
    from hplearn.search import engine, services

    app = create_app()
    with app.app_context():
        searcher = engine.backend().searcher("resource")
        segments = len(searcher.reader().segments()) if hasattr(searcher.reader(), "segments") \
            else len(list(searcher.leaf_searchers()))
        docs, deleted = searcher.doc_count(), searcher.doc_count_all() - searcher.doc_count()

        def ask(text, filters):
            started = time.perf_counter()
            services.query(text, doc_type="resource", filters=filters,
                           page=PageRequest(page=1, per_page=20))
            return (time.perf_counter() - started) * 1000

        for text, filters in make_queries(queries, seed + 1):  # warm-up on other queries
            ask(text, filters)
        times = [ask(text, filters) for text, filters in make_queries(queries, seed)]
    return {"segments": segments, "docs": docs, "deleted": deleted,
            "p50": statistics.median(times), "p95": percentile(times, 0.95)}


def search_figures(env: dict, queries: int, seed: int) -> dict:
    """measure_search in a fresh process (so no cache of an earlier pass helps)."""
    done = subprocess.run(
        [sys.executable, __file__, "0", "--measure-search", "--queries", str(queries),
         "--seed", str(seed)],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def show_search(label: str, figures: dict) -> None:
    print(f"search after {label:8}  p50 {figures['p50']:6.2f} ms  p95 {figures['p95']:6.2f} ms"
          f"   resource index: {figures['segments']} segments, {figures['docs']} documents,"
          f" {figures['deleted']} deleted")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of resources to import")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--keep", type=Path, help="keep the instance folder here (must not exist)")
    parser.add_argument("--import-only", action="store_true",
                        help="stop after the import (no search timing, reindex or re-import)")
    parser.add_argument("--measure-search", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_search:
        print(json.dumps(measure_search(args.queries, args.seed)))
        return 0
    if args.n < 1:
        parser.error("N must be positive")
    if args.keep and args.keep.exists():
        parser.error(f"{args.keep} exists")

    workdir = Path(tempfile.mkdtemp(prefix="hplearn-bench-import-"))
    instance = args.keep.resolve() if args.keep else workdir / "instance"
    env = bench_env(instance)
    rows = workdir / "rows.jsonl"
    try:
        write_rows(rows, args.n, args.seed)
        load = os.getloadavg()
        print(f"{args.n} rows ({rows.stat().st_size / 1e6:.0f} MB JSON Lines), {os.cpu_count()} "
              f"cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        wall, _, last = hplearn(env, "init", "--demo")
        print(f"hplearn init --demo        {wall:6.1f} s   {last}")
        wall, cpu, last = hplearn(env, "import", str(rows))
        print(f"hplearn import             {wall:6.1f} s   (CPU {cpu:.1f} s)   {last}")
        if args.import_only:
            return 0
        show_search("import", search_figures(env, args.queries, args.seed))
        wall, cpu, last = hplearn(env, "reindex")
        print(f"hplearn reindex            {wall:6.1f} s   (CPU {cpu:.1f} s)   {last}")
        show_search("reindex", search_figures(env, args.queries, args.seed))
        wall, cpu, last = hplearn(env, "import", str(rows))
        print(f"hplearn import (again)     {wall:6.1f} s   (CPU {cpu:.1f} s)   {last}")
        load = os.getloadavg()
        print(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
