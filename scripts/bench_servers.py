"""Benchmark /api/v1/search served by `hplearn run`, `gunicorn -w 1 wsgi:app` and an FTS5 baseline.

    python scripts/bench_servers.py INSTANCE [--queries 240] [--seed 42] [--no-fts5]

INSTANCE is an instance folder with data (e.g. made by `scripts/bench_import.py N --keep DIR`).
Both servers are started on loopback ports on the same instance (SQLite + Whoosh), with the
result cache off (HPLEARN_CACHE_MAX_LOCAL_ENTRIES=1); both are warmed on other queries (seed + 1),
then every measured query is asked once of each server, alternating which goes first, over a new
connection each time. Prints p50/p95/p99 of each and the ratio of their p95. Stops the servers.

The FTS5 baseline (issue 16 item 3) is scripts/fts5_baseline_app.py: the instance's published
resources indexed by SQLite FTS5 over jieba tokens (built before the servers start, not timed
against them), served by the same `gunicorn -w 1` on its own port and asked the same queries in
the same rotation, so every server sees the same machine load.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_import import bench_env  # noqa: E402
from bench_search import make_queries, percentile  # noqa: E402

START_TIMEOUT = 120
FTS5 = "FTS5 baseline"
REQUEST_TIMEOUT = 60


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str) -> tuple[int, float]:
    """GET path from 127.0.0.1:port on a new connection; (status, milliseconds)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    return response.status, (time.perf_counter() - started) * 1000


def wait_until_up(port: int, process: subprocess.Popen, name: str) -> None:
    """Wait until the server answers / (or fail if it exits or takes too long)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with {process.returncode}")
        try:
            if get(port, "/")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{name} did not answer within {START_TIMEOUT} s")


def search_path(text: str, filters: dict) -> str:
    """The API request for one query."""
    return "/api/v1/search?" + urlencode({"q": text, **filters})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-fts5", action="store_true", help="leave out the FTS5 baseline")
    args = parser.parse_args()
    if not (args.instance / "hplearn.sqlite3").exists():
        parser.error(f"{args.instance} holds no SQLite database")

    env = bench_env(args.instance.resolve())
    ports = {"hplearn run": free_port(), "gunicorn -w 1": free_port()}
    commands = {
        "hplearn run": [sys.executable, "-m", "hplearn", "run", "--port",
                        str(ports["hplearn run"])],
        "gunicorn -w 1": [sys.executable, "-m", "gunicorn", "-w", "1", "-b",
                          f"127.0.0.1:{ports['gunicorn -w 1']}", "--timeout", "120",
                          "wsgi:app"],
    }
    scratch = tempfile.TemporaryDirectory(prefix="bench-fts5-")
    if not args.no_fts5:
        fts5_file = Path(scratch.name) / "fts5.sqlite3"
        built = subprocess.run([sys.executable, str(ROOT / "scripts" / "fts5_baseline_app.py"),
                                "build", str(args.instance), str(fts5_file)],
                               env=env, check=True, capture_output=True, text=True)
        print(f"FTS5 baseline built: {built.stdout.strip()}")
        ports[FTS5] = free_port()
        # Not hplearn's gunicorn.conf.py (its hooks need hplearn's app); its access log likewise.
        commands[FTS5] = [sys.executable, "-m", "gunicorn", "-c", "/dev/null",
                          "--access-logfile", "-", "-w", "1", "-b",
                          f"127.0.0.1:{ports[FTS5]}", "--timeout", "120", "--chdir",
                          str(ROOT / "scripts"), "fts5_baseline_app:app"]
        env = {**env, "HPLEARN_BENCH_FTS5": str(fts5_file)}
    logs = {name: open(Path(scratch.name) / f"server{number}.log", "w")  # noqa: SIM115
            for number, name in enumerate(commands)}
    servers = {name: subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                      stderr=logs[name])
               for name, command in commands.items()}
    times: dict[str, list[float]] = {name: [] for name in servers}
    try:
        for name, process in servers.items():
            try:
                wait_until_up(ports[name], process, name)
            except SystemExit:
                print(Path(logs[name].name).read_text()[-3000:], file=sys.stderr)
                raise
        load = os.getloadavg()
        print(f"{args.queries} distinct queries on {args.instance}, {os.cpu_count()} cores, "
              f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        for text, filters in make_queries(args.queries, args.seed + 1):  # warm-up
            for name in servers:
                get(ports[name], search_path(text, filters))
        for number, (text, filters) in enumerate(make_queries(args.queries, args.seed)):
            # Rotate who goes first, so none is always asked right after another's work.
            order = list(servers)[number % len(servers):] + list(servers)[:number % len(servers)]
            for name in order:
                status, elapsed = get(ports[name], search_path(text, filters))
                if status != 200:
                    raise SystemExit(f"{name}: {search_path(text, filters)} answered {status}")
                times[name].append(elapsed)
    finally:
        for process in servers.values():
            process.terminate()
        for process in servers.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        scratch.cleanup()
    print("result cache off; each query asked once of each server (first ask)")
    for name, values in times.items():
        print(f"{name:14} p50 {statistics.median(values):7.1f} ms  p95 {percentile(values, 0.95):7.1f}"
              f" ms  p99 {percentile(values, 0.99):7.1f} ms")
    ratio = percentile(times["hplearn run"], 0.95) / percentile(times["gunicorn -w 1"], 0.95)
    print(f"p95 hplearn run / gunicorn: {ratio:.2f}")
    if FTS5 in times:
        baseline = percentile(times[FTS5], 0.95)
        for name in ("hplearn run", "gunicorn -w 1"):
            print(f"p95 {name} / FTS5 baseline: {percentile(times[name], 0.95) / baseline:.2f}")
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
