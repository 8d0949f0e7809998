"""Memory of a serving process with a big catalog indexed (issue 16 item 6: worker RSS ≤ 200 MB).

    python scripts/bench_rss.py INSTANCE [--queries 400] [--seed 42]

INSTANCE is an instance folder with data (e.g. `scripts/bench_import.py 100000 --keep DIR`).
Starts `hplearn run` and `gunicorn -c gunicorn.conf.py wsgi:app` with 2 workers on loopback
ports on that instance, sends each the same mix — distinct searches (with facets and filters),
browse pages with facets, resource pages, the home page — then reads every serving process's
VmRSS and PSS (/proc/PID/status and smaps_rollup; PSS counts pages shared after gunicorn's
preload fork once across the workers). Prints the figures in MB after each tenth of the mix.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_import import bench_env  # noqa: E402
from bench_search import make_queries  # noqa: E402
from bench_servers import free_port, get, search_path, wait_until_up  # noqa: E402

GRADES = range(1, 10)


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of one process in MB."""
    rss = pss = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            pss = int(line.split()[1]) / 1024
    return rss, pss


def children(pid: int) -> list[int]:
    """The direct children of pid (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def mix(queries: int, seed: int) -> list[str]:
    """The paths asked: searches, browse pages, resource pages and the home page, interleaved."""
    paths = []
    for number, (text, filters) in enumerate(make_queries(queries, seed)):
        paths.append(search_path(text, filters))
        paths.append(f"/browse?grade={GRADES[number % len(GRADES)]}&page={1 + number % 5}")
        paths.append(f"/resources/{1 + (number * 257) % 100_000}")
        if number % 10 == 0:
            paths.append("/")
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if not (args.instance / "hplearn.sqlite3").exists():
        parser.error(f"{args.instance} holds no SQLite database")
    env = {**bench_env(args.instance.resolve()), "HPLEARN_WORKERS": "2"}
    ports = {"hplearn run": free_port(), "gunicorn (2 workers)": free_port()}
    commands = {
        "hplearn run": [sys.executable, "-m", "hplearn", "run", "--port",
                        str(ports["hplearn run"])],
        "gunicorn (2 workers)": [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                 "-b", f"127.0.0.1:{ports['gunicorn (2 workers)']}", "wsgi:app"],
    }
    servers = {name: subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
               for name, command in commands.items()}
    paths = mix(args.queries, args.seed)
    try:
        for name, process in servers.items():
            wait_until_up(ports[name], process, name)
        print(f"{len(paths)} requests to each server on {args.instance}, load "
              f"{os.getloadavg()[0]:.2f}")
        statuses: dict[int, int] = {}
        for number, path in enumerate(paths, start=1):
            for name in servers:
                status = get(ports[name], path)[0]
                statuses[status] = statuses.get(status, 0) + 1
            if number % (len(paths) // 10) == 0 or number == len(paths):
                print(f"after {number:5} requests:", "  ".join(
                    f"{name}: " + ", ".join(
                        "RSS {:.0f} MB / PSS {:.0f} MB".format(*memory_mb(pid)) for pid in pids)
                    for name, pids in _serving(servers).items()))
        print("statuses:", statuses)
    finally:
        for process in servers.values():
            process.terminate()
        for process in servers.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


def _serving(servers) -> dict[str, list[int]]:
    serving = {}
    for name, process in servers.items():
        serving[name] = children(process.pid) if name.startswith("gunicorn") else [process.pid]
    return serving


if __name__ == "__main__":
    sys.exit(main())
