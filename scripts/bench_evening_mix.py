"""The evening mix with wrk: req/s, p95 and server CPU per request by page kind (issue 16 item 4).

    python scripts/bench_evening_mix.py [--resources 12500] [--site DIR] [--keep]
        [--redis-url redis://127.0.0.1:6379/N] [--duration 10] [--connections 16]

Builds a site the way production runs it: a PostgreSQL database this script CREATES with a random
name on 127.0.0.1:5432 (trust auth, user postgres; dropped at the end unless --keep), Redis on a
port this script starts (or the Redis number given with --redis-url, which is never flushed),
the search backend `postgres`, `hplearn init --demo` and N generated resources
(scripts/bench_search.py's generator, seed 42) imported with `hplearn import`. --site DIR reuses
a site an earlier run kept (its instance folder and the database it recorded there).

Then `gunicorn -c gunicorn.conf.py wsgi:app` with 2 workers (the README's production settings),
signs in the demo's 18 初中 students and runs wrk (a Lua script beside this file, their cookies
in turn) on each page kind and on the weighted mix, reading the CPU time of the gunicorn
processes (workers and those already replaced, from /proc) before and after each step. Last,
a one-route Flask app on the same gunicorn settings: the ceiling. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import generate, make_queries  # noqa: E402

PG = ("-h", "127.0.0.1", "-p", "5432", "-U", "postgres")
STUDENT, PASSWORD = "demozx_s801", "demo2025pass"
# The demo's 初中 students (grades 7 to 9, six each): the cookies wrk takes in turn.
STUDENTS = [STUDENT, *(f"demozx_s{grade}{n:02d}" for grade in (7, 8, 9) for n in range(1, 7)
                       if (grade, n) != (8, 1))]
SITE_FILE = "bench-evening-mix.json"
COMMON = ["古诗", "分数", "数学", "心理健康", "垃圾分类", "英语 七年级", "勾股定理", "rengong",
          "爱国主义", "物理 八年级", "作文", "生态文明", "历史", "化学实验", "shuxue"]
# Weights of the mix (per 100 requests): an evening of students on the site.
MIX = {"home": 10, "browse": 18, "resource": 28, "topic": 10, "search": 18, "qa_list": 6,
       "question": 6, "afterschool": 4}
IMPORTED = ("external_id", "source", "kind", "title", "summary", "body", "stage", "grade",
            "subject", "edition", "volume", "tags")
TICKS = os.sysconf("SC_CLK_TCK")
CEILING_APP = '''"""One route, nothing else: the ceiling of gunicorn + Flask on this machine."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "ok"
'''
# gunicorn.conf.py without its hplearn hooks (they import hplearn): the same settings otherwise.
CEILING_CONF = '''exec(compile(open({conf!r}).read(), {conf!r}, "exec"))
del pre_fork, post_fork
'''


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(["psql", *PG, "-d", database, "-Atqc", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


class Redis:
    """redis-server on a free loopback port, no persistence, in a scratch folder."""

    def __enter__(self) -> Redis:
        self.folder = tempfile.mkdtemp(prefix="bench-redis-")
        self.port = _free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.folder], stdout=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


def environment(instance: Path, database: str, redis_url: str, code: Path = ROOT) -> dict:
    """The production settings of every command and of gunicorn (code: the checkout served)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HPLEARN_")}
    env.update({
        "PYTHONPATH": str(code), "HPLEARN_INSTANCE": str(instance),
        "HPLEARN_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}",
        "HPLEARN_REDIS_URL": redis_url, "HPLEARN_SEARCH_BACKEND": "postgres",
        "HPLEARN_SECRET_KEY": "bench-evening-mix", "HPLEARN_ACCESS_LOG": "/dev/null",
        "HPLEARN_RUN_JOBS_IN_PROCESS": "false", "HPLEARN_WORKERS": "2",
    })
    return env


def hplearn(env: dict, *arguments: str) -> None:
    subprocess.run([sys.executable, "-m", "hplearn", *arguments], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def build_site(instance: Path, resources: int, redis_url: str) -> dict:
    """A new database and instance folder: the demo plus `resources` imported resources."""
    database = f"hp_bench_mix_{secrets.token_hex(4)}"
    _psql(f'CREATE DATABASE "{database}"')
    site = {"database": database, "resources": resources}
    instance.mkdir(parents=True, exist_ok=True)
    (instance / SITE_FILE).write_text(json.dumps(site))
    env = environment(instance, database, redis_url)
    started = time.monotonic()
    hplearn(env, "init", "--demo")
    if resources:
        rows = instance / "bench-resources.jsonl"
        with rows.open("w", encoding="utf-8") as out:
            for row in generate(resources, 42):
                out.write(json.dumps({k: row[k] for k in IMPORTED}, ensure_ascii=False) + "\n")
        hplearn(env, "import", str(rows))
    print(f"site built in {time.monotonic() - started:.0f} s: {database}, {instance}",
          file=sys.stderr)
    return site


def _cpu_of(pid: int, children: bool = False) -> float:
    """CPU seconds of pid (and of its reaped children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in
                Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Gunicorn:
    """gunicorn -c CONF APP on a free loopback port (HPLEARN_* settings from env)."""

    def __init__(self, env: dict, app: str, conf: Path, cwd: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "HPLEARN_BIND": f"127.0.0.1:{self.port}"}
        self.app, self.conf, self.cwd = app, conf, cwd

    def __enter__(self) -> Gunicorn:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(self.conf), self.app],
            env=self.env, cwd=self.cwd, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if get(self.url, "/")[0] == 200 and len(_children(self.process.pid)) >= 2:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit("gunicorn did not start")

    def cpu(self) -> float:
        """CPU seconds of the master, its workers and the workers it already replaced."""
        master = self.process.pid
        return _cpu_of(master, children=True) + sum(_cpu_of(p) for p in _children(master))

    def __exit__(self, *exc) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def get(url: str, path: str, cookie: str = "", method: str = "GET", body: dict | None = None,
        headers: dict | None = None) -> tuple[int, bytes, http.client.HTTPResponse]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    sent = dict(headers or {})
    if cookie:
        sent["Cookie"] = cookie
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    connection.request(method, path, body=data, headers=sent)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, payload, response


def sign_in(url: str, username: str = STUDENT) -> tuple[str, str]:
    """A demo student's session cookie and CSRF token."""
    status, payload, response = get(url, "/api/v1/auth/login", method="POST",
                                     body={"username": username, "password": PASSWORD})
    if status != 200:
        raise SystemExit(f"cannot sign in {username}: {status} {payload[:200]!r}")
    cookie = ""
    for header in response.headers.get_all("Set-Cookie") or []:
        if header.startswith("session="):
            cookie = header.split(";", 1)[0]
    return cookie, json.loads(payload)["csrf_token"]


def page_kinds(url: str, cookie: str, csrf: str) -> dict[str, list[str]]:
    """The paths of each page kind, read from the site through its API and pages."""
    def api(path: str) -> dict:
        status, payload, _ = get(url, path, cookie)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}")
        return json.loads(payload)

    ids, topics = [], set()
    for page in range(1, 5):
        found = api(f"/api/v1/resources?per_page=50&page={page}&sort=popular")["results"]
        ids += [r["id"] for r in found]
        topics |= {r["topic"] for r in found if r.get("topic")}
    for page in range(1, 5):
        ids += [r["id"] for r in api(f"/api/v1/resources?per_page=50&page={page}")["results"]]
    status, payload, _ = get(url, "/api/v1/questions", cookie, method="POST", headers={
        "X-CSRFToken": csrf}, body={
        "title": "分数除法怎么算？", "subject": "数学", "grade": 8, "anonymous": False,
        "body": "老师好，这道题我算了两遍结果不一样：3/4 ÷ 1/2 等于多少？请讲讲步骤。",
        "private": False})
    if status != 201:
        raise SystemExit(f"cannot ask a question: {status} {payload[:300]!r}")
    question = json.loads(payload)["id"]
    rng = random.Random(7)
    distinct = [text for text, filters in make_queries(3000, 42) if not filters]
    searches = []
    for n in range(400):  # half the 15 common queries again and again, half distinct ones
        text = rng.choice(COMMON) if n % 2 == 0 else distinct[n // 2 % len(distinct)]
        searches.append(f"/search?q={quote(text)}")
    return {
        "home": ["/"],
        "browse": [f"/browse?grade={grade}&page={page}" for grade in range(1, 10)
                   for page in (1, 2, 3)],
        "resource": [f"/resources/{i}" for i in dict.fromkeys(ids)],
        "topic": [f"/topics/{slug}" for slug in sorted(topics)] or ["/"],
        "search": searches,
        "qa_list": ["/qa/"],
        "question": [f"/qa/{question}"],
        "afterschool": ["/schools/demo-zx/afterschool"],
    }


def check(url: str, cookie: str, kinds: dict[str, list[str]]) -> None:
    """Every path answers 200 to the student (wrk would count redirects as success)."""
    for kind, paths in kinds.items():
        for path in paths[:5]:
            status, payload, _ = get(url, path, cookie)
            if status != 200:
                raise SystemExit(f"{kind} {path}: HTTP {status} {payload[:200]!r}")


def write_paths(folder: Path, name: str, weighted: list[tuple[int, str]]) -> Path:
    path = folder / f"{name}.paths"
    path.write_text("".join(f"{w}\t{p}\n" for w, p in weighted), encoding="utf-8")
    return path


def mix_lines(kinds: dict[str, list[str]], scale: int = 40) -> list[tuple[int, str]]:
    """Weighted lines of the mix: MIX[kind] * scale requests of each kind in every cycle,
    spread evenly over the kind's paths."""
    lines = []
    for kind, paths in kinds.items():
        total = MIX[kind] * scale
        for i, path in enumerate(paths):
            weight = total // len(paths) + (1 if i < total % len(paths) else 0)
            if weight:
                lines.append((weight, path))
    return lines


def run_wrk(url: str, paths: Path, cookies: list[str], args, cpu) -> dict:
    """One wrk step; its summary and the server CPU ms per request."""
    env = {**os.environ, "BENCH_PATHS": str(paths), "BENCH_COOKIES": "|".join(cookies)}
    before = cpu()
    wrk = subprocess.run(
        ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
         "--timeout", "10s", "-s", str(Path(__file__).with_suffix(".lua")), url],
        env=env, capture_output=True, text=True, check=True)
    spent = cpu() - before
    line = next(x for x in wrk.stdout.splitlines() if x.startswith("BENCH_RESULT "))
    result = json.loads(line.removeprefix("BENCH_RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    result["cpu_ms"] = 1000 * spent / max(1, result["requests"])
    return result


def _row(name: str, r: dict) -> str:
    errors = r["status_errors"] + r["socket_errors"]
    return (f"| {name} | {r['requests']:,} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | "
            f"{r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['cpu_ms']:.2f} | {errors} |")


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the site, run every step, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=12500)
    parser.add_argument("--site", help="instance folder to reuse (or to keep, with --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the database and folder")
    parser.add_argument("--redis-url", help="a Redis number to use (never flushed)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk step")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--kinds", default=",".join([*MIX, "mix"]),
                        help="comma-separated steps (page kinds and 'mix')")
    parser.add_argument("--no-ceiling", action="store_true")
    parser.add_argument("--code", default=str(ROOT),
                        help="the checkout gunicorn serves (another branch for 'before' figures;"
                             " the site is built with this one)")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    code = Path(args.code).resolve()
    instance = Path(args.site or tempfile.mkdtemp(prefix="bench-mix-")).resolve()
    reuse = (instance / SITE_FILE).exists()
    keep = args.keep or reuse
    load_before = os.getloadavg()
    results: dict[str, dict] = {}
    with Redis() if not args.redis_url else _Given(args.redis_url) as redis:
        site = (json.loads((instance / SITE_FILE).read_text()) if reuse
                else build_site(instance, args.resources, redis.url))
        try:
            env = environment(instance, site["database"], redis.url, code)
            scratch = Path(tempfile.mkdtemp(prefix="bench-mix-paths-"))
            with Gunicorn(env, "wsgi:app", code / "gunicorn.conf.py", code) as server:
                cookie, csrf = sign_in(server.url)
                cookies = [cookie, *(sign_in(server.url, name)[0] for name in STUDENTS[1:])]
                kinds = page_kinds(server.url, cookie, csrf)
                check(server.url, cookie, kinds)
                files = {kind: write_paths(scratch, kind, [(1, p) for p in paths])
                         for kind, paths in kinds.items()}
                files["mix"] = write_paths(scratch, "mix", mix_lines(kinds))
                warm = {**vars(args), "duration": 2}
                run_wrk(server.url, files["mix"], cookies, argparse.Namespace(**warm), server.cpu)
                for kind in args.kinds.split(","):
                    results[kind] = run_wrk(server.url, files[kind], cookies, args, server.cpu)
                    print(f"{kind}: {json.dumps(results[kind])}", file=sys.stderr, flush=True)
            if not args.no_ceiling:
                (scratch / "ceiling_app.py").write_text(CEILING_APP)
                conf = scratch / "ceiling.conf.py"
                conf.write_text(CEILING_CONF.format(conf=str(code / "gunicorn.conf.py")))
                with Gunicorn(env, "ceiling_app:app", conf, scratch) as ceiling:
                    path = write_paths(scratch, "ceiling", [(1, "/")])
                    results["ceiling"] = run_wrk(ceiling.url, path, [], args, ceiling.cpu)
            shutil.rmtree(scratch, ignore_errors=True)
        finally:
            if not keep:
                subprocess.run(["dropdb", *PG, "--if-exists", "--force", site["database"]],
                               check=False)
                shutil.rmtree(instance, ignore_errors=True)
    load_after = os.getloadavg()
    print(f"\ncode: {code} ({_commit(code)})")
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, 2 gunicorn workers "
          f"(sync), PostgreSQL + Redis, {len(STUDENTS)} demo students signed in; "
          f"{site['resources']:,} generated resources + the demo")
    print("\n| step | requests | req/s | p50 ms | p95 ms | p99 ms | CPU ms/req | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(_row(name, r))
    if "mix" in results and "ceiling" in results:
        ratio = results["mix"]["rps"] / results["ceiling"]["rps"]
        print(f"\nmix / ceiling: {ratio:.2f}")
    print(f"load average before {load_before}, after {load_after}")
    if keep:
        print(f"site kept: --site {instance} (database {site['database']})")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"results": results, "load_before": load_before, "load_after": load_after,
             "site": site}, indent=1))
    return 0


def _commit(code: Path) -> str:
    done = subprocess.run(["git", "-C", str(code), "log", "-1", "--format=%h %s"],
                          capture_output=True, text=True, check=False)
    dirty = subprocess.run(["git", "-C", str(code), "status", "--porcelain", "--", "hplearn"],
                           capture_output=True, text=True, check=False).stdout.strip()
    return done.stdout.strip()[:60] + (" + uncommitted changes" if dirty else "")


class _Given:
    """A Redis number given on the command line: used as is, never flushed."""

    def __init__(self, url: str):
        self.url = url

    def __enter__(self) -> _Given:
        return self

    def __exit__(self, *exc) -> None:
        return None


if __name__ == "__main__":
    sys.exit(main())
