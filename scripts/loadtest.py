"""Load test: an evening's mix of students and teachers against gunicorn, on loopback only.

    python scripts/loadtest.py --workers 1,2,4 --users 4,8,16,32 --duration 20 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/hp_prod_load \
        --redis-url redis://127.0.0.1:6379/9 --search-backend postgres

For each gunicorn worker count it prepares a site (demo content, a school with students and
teachers), starts `gunicorn -c gunicorn.conf.py wsgi:app` on a free loopback port, and runs each
number of simulated users, every user sending its next request as soon as the last one answered.
The mix per request: 70 % browsing (home, browse, topic and resource pages), 20 % search,
8 % Q&A reads, 2 % asks and answers (a student asks; a teacher claims and answers).
Half of the users browse signed in as students (their pages are never cached), one in ten users
is a teacher. Prints a Markdown table per worker count and the best throughput with p95 ≤ 200 ms.
Bounded: --duration seconds per step, --max-requests per step.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "loadtest-pass-42"
STUDENTS = 40
TEACHERS = 6
P95_TARGET_MS = 200
SEARCHES = ["古诗", "分数", "数学", "心理健康", "垃圾分类", "英语 七年级", "勾股定理", "rengong",
            "爱国主义", "物理 八年级", "作文", "生态文明", "历史", "化学实验", "shuxue"]


@dataclass
class Result:
    """One request's category, status and time."""

    category: str
    status: int
    elapsed_ms: float
    path: str = ""


@dataclass
class Site:
    """What the users need to know about the site under test."""

    url: str
    resource_ids: list[int]
    topic_slugs: list[str]


class User:
    """One simulated student or teacher with a keep-alive connection and a session cookie."""

    def __init__(self, site: Site, username: str | None, rng: random.Random):
        self.site = site
        self.username = username
        self.rng = rng
        parts = urlsplit(site.url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.cookie = ""
        self.csrf_token = ""
        self.my_questions: list[int] = []

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        """Send one request; keep the session cookie."""
        headers = {"Connection": "keep-alive"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if method != "GET" and self.csrf_token:
            headers["X-CSRFToken"] = self.csrf_token
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                payload = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            if "session" in cookie:
                self.cookie = f"session={cookie['session'].value}"
        return response.status, payload

    def sign_in(self) -> None:
        """Sign in through the API (students and teachers)."""
        status, payload = self.request("POST", "/api/v1/auth/login",
                                       {"username": self.username, "password": PASSWORD})
        if status != 200:
            raise SystemExit(f"cannot sign in {self.username}: {status} {payload[:200]!r}")
        self.csrf_token = json.loads(payload)["csrf_token"]

    def next_action(self) -> tuple[str, str, str, dict | None]:
        """The category, method, path and body of this user's next request."""
        roll = self.rng.random()
        site = self.site
        if roll < 0.70:
            choice = self.rng.random()
            if choice < 0.15:
                return "browse", "GET", "/", None
            if choice < 0.40:
                grade = self.rng.randint(1, 9)
                page = self.rng.randint(1, 3)
                return "browse", "GET", f"/browse?grade={grade}&page={page}", None
            if choice < 0.55:
                return "browse", "GET", f"/topics/{self.rng.choice(site.topic_slugs)}", None
            return "browse", "GET", f"/resources/{self.rng.choice(site.resource_ids)}", None
        if roll < 0.90:
            query = quote(self.rng.choice(SEARCHES))
            if self.rng.random() < 0.5:
                return "search", "GET", f"/search?q={query}", None
            return "search", "GET", f"/api/v1/search?q={query}", None
        if roll < 0.98:
            return self.qa_read_action()
        return self.write_action()

    def qa_read_action(self):
        """Students look at their questions (page or API); teachers at their queue."""
        if self.username is None:  # the board needs a sign-in: a visitor browses instead
            return "browse", "GET", f"/resources/{self.rng.choice(self.site.resource_ids)}", None
        if self.username.startswith("teacher"):
            return "qa_read", "GET", "/api/v1/teacher/queue", None
        choice = self.rng.random()
        if choice < 0.3:
            return "qa_read", "GET", "/qa/", None
        if self.my_questions and choice < 0.7:
            return "qa_read", "GET", f"/api/v1/questions/{self.rng.choice(self.my_questions)}", None
        return "qa_read", "GET", "/api/v1/questions?mine=1", None

    def write_action(self):
        """A student asks; a teacher claims the most urgent question (then answers it)."""
        if self.username and self.username.startswith("teacher"):
            return "qa_write", "TEACHER", "", None
        if self.username is None:  # visitors neither ask nor answer: they browse
            return "browse", "GET", f"/resources/{self.rng.choice(self.site.resource_ids)}", None
        number = self.rng.randint(1, 10**6)
        return "qa_write", "POST", "/api/v1/questions", {
            "title": f"分数除法怎么算？第{number}题",
            "body": "老师好，这道题我算了两遍结果不一样：3/4 ÷ 1/2 等于多少？请讲讲步骤。",
            "subject": "数学", "grade": 7, "anonymous": self.rng.random() < 0.3,
            "private": False,
        }

    def teacher_turn(self) -> list[Result]:
        """Claim the first queued question and answer it: two or three requests."""
        results = []
        started = time.perf_counter()
        status, payload = self.request("GET", "/api/v1/teacher/queue")
        results.append(Result("qa_write", status, (time.perf_counter() - started) * 1000))
        queue = json.loads(payload).get("results", []) if status == 200 else []
        if not queue:
            return results
        question_id = queue[0]["id"]
        started = time.perf_counter()
        status, _ = self.request("POST", f"/api/v1/questions/{question_id}/claim")
        results.append(Result("qa_write", status, (time.perf_counter() - started) * 1000))
        if status != 200:
            return results
        started = time.perf_counter()
        status, _ = self.request("POST", f"/api/v1/questions/{question_id}/answer",
                                 {"body": "先把除法变成乘以倒数：3/4 × 2/1 = 3/2。"})
        results.append(Result("qa_write", status, (time.perf_counter() - started) * 1000))
        return results


EXPECTED = {"qa_write": (200, 201, 409)}  # 409: another teacher claimed it first


def _ok(result: Result) -> bool:
    return result.status in EXPECTED.get(result.category, (200,))


def run_step(site: Site, users: int, duration: float, max_requests: int, seed: int,
             usernames: list[str | None]) -> tuple[list[Result], float]:
    """Run `users` closed-loop users for `duration` seconds; return the results and seconds."""
    results: list[Result] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + duration
    counter = iter(range(max_requests))

    def work(index: int) -> None:
        user = User(site, usernames[index % len(usernames)], random.Random(seed + index))
        if user.username:
            user.sign_in()
        mine: list[Result] = []
        while time.monotonic() < stop_at and next(counter, None) is not None:
            category, method, path, body = user.next_action()
            if method == "TEACHER":
                mine.extend(user.teacher_turn())
                continue
            started = time.perf_counter()
            try:
                status, payload = user.request(method, path, body)
            except (OSError, http.client.HTTPException):
                status, payload = 599, b""
            mine.append(Result(category, status, (time.perf_counter() - started) * 1000, path))
            if category == "qa_write" and status == 201:
                user.my_questions.append(json.loads(payload)["id"])
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(users)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.monotonic() - started


def percentile(values: list[float], fraction: float) -> float:
    """The fraction-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def summarize(results: list[Result], seconds: float) -> dict:
    """Throughput, percentiles and errors of one step."""
    times = [r.elapsed_ms for r in results]
    errors = [r for r in results if not _ok(r)]
    by_category = {}
    for category in ("browse", "search", "qa_read", "qa_write"):
        mine = [r.elapsed_ms for r in results if r.category == category]
        if mine:
            by_category[category] = {"count": len(mine), "p95_ms": round(percentile(mine, .95), 1)}
    return {
        "requests": len(results),
        "rps": round(len(results) / seconds, 1),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "errors": len(errors),
        "error_statuses": sorted({r.status for r in errors}),
        "error_examples": sorted({f"{r.status} {r.path}" for r in errors})[:8],
        "by_category": by_category,
    }


def _loopback(url: str) -> str:
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to load-test {host}: loopback only")
    return url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(args) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HPLEARN_")}
    env["PYTHONPATH"] = str(ROOT)
    env["HPLEARN_INSTANCE"] = str(Path(args.instance).resolve())
    env["HPLEARN_SECRET_KEY"] = "loadtest-secret"
    env["HPLEARN_ACCESS_LOG"] = "/dev/null"
    if args.database_url:
        env["HPLEARN_DATABASE_URL"] = args.database_url
    if args.redis_url:
        env["HPLEARN_REDIS_URL"] = args.redis_url
    if args.search_backend:
        env["HPLEARN_SEARCH_BACKEND"] = args.search_backend
    return env


def _hplearn(env: dict, *arguments: str) -> None:
    subprocess.run([sys.executable, "-m", "hplearn", *arguments], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def prepare_site(env: dict, instance: Path) -> None:
    """Migrations and demo content (idempotent); one school, its students and teachers (once)."""
    _hplearn(env, "init", "--demo")
    marker = instance / "loadtest-ready"
    if marker.exists():
        return
    _hplearn(env, "schools", "create", "lt001", "和平区压力测试学校", "--stage", "九年一贯")
    code = (
        "from hplearn.app import create_app\n"
        "from hplearn.accounts import services\n"
        "from hplearn.accounts.models import School\n"
        "from hplearn.extensions import db\n"
        "from sqlalchemy import select\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    school = db.session.scalar(select(School).where(School.code == 'lt001'))\n"
        f"    for n in range({STUDENTS}):\n"
        f"        services.create_user(f'student{{n}}', 'student', {PASSWORD!r}, school=school,"
        " grade=7)\n"
        f"    for n in range({TEACHERS}):\n"
        f"        services.create_user(f'teacher{{n}}', 'teacher', {PASSWORD!r}, school=school,"
        " subjects=['数学'], grades=[7, 8, 9])\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)
    marker.write_text("ready\n")


def site_facts(url: str) -> Site:
    """Resource ids and topic slugs to visit, read through the API."""
    connection = http.client.HTTPConnection(urlsplit(url).hostname, urlsplit(url).port,
                                            timeout=30)
    ids = []
    for page in (1, 2, 3):
        connection.request("GET", f"/api/v1/resources?per_page=50&page={page}")
        ids += [r["id"] for r in json.loads(connection.getresponse().read())["results"]]
    connection.request("GET", "/api/v1/resources?per_page=50&sort=title")
    topics = {r["topic"] for r in json.loads(connection.getresponse().read())["results"]}
    connection.close()
    return Site(url=url, resource_ids=ids, topic_slugs=sorted(t for t in topics if t) or ["x"])


class Gunicorn:
    """gunicorn with the repository's config on a loopback port."""

    def __init__(self, env: dict, workers: int):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "HPLEARN_BIND": f"127.0.0.1:{self.port}",
                    "HPLEARN_WORKERS": str(workers)}

    def __enter__(self) -> Gunicorn:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
            env=self.env, cwd=ROOT, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/")
                if connection.getresponse().status == 200:
                    return self
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def _table(workers: int, rows: list[tuple[int, dict]]) -> str:
    lines = [f"\nworkers = {workers}\n",
             "| users | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for users, s in rows:
        lines.append(f"| {users} | {s['requests']} | {s['rps']} | {s['p50_ms']} | "
                     f"{s['p95_ms']} | {s['p99_ms']} | {s['errors']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the load test; print tables and a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", default="/tmp/hplearn-loadtest")
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--search-backend", choices=("whoosh", "postgres"))
    parser.add_argument("--workers", default="2", help="comma-separated worker counts")
    parser.add_argument("--users", default="4,8,16,32", help="comma-separated user counts")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per step (≤ 120)")
    parser.add_argument("--max-requests", type=int, default=50000, help="cap per step")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 120:
        parser.error("--duration must be between 1 and 120 seconds")
    env = _environment(args)
    instance = Path(env["HPLEARN_INSTANCE"])
    instance.mkdir(parents=True, exist_ok=True)
    prepare_site(env, instance)
    usernames = [f"student{n}" if n % 2 == 0 else None for n in range(STUDENTS)]
    for n in range(0, len(usernames), 10):
        usernames[n] = f"teacher{(n // 10) % TEACHERS}"
    summary = {"load_average_before": os.getloadavg(), "runs": {}}
    for workers in [int(w) for w in args.workers.split(",")]:
        rows = []
        with Gunicorn(env, workers) as server:
            site = site_facts(_loopback(server.url))
            for users in [int(u) for u in args.users.split(",")]:
                results, seconds = run_step(site, users, args.duration, args.max_requests,
                                            args.seed, usernames)
                rows.append((users, summarize(results, seconds)))
                print(f"workers={workers} users={users}: {json.dumps(rows[-1][1])}",
                      file=sys.stderr, flush=True)
        within = [s["rps"] for _, s in rows if s["p95_ms"] <= P95_TARGET_MS and not s["errors"]]
        summary["runs"][workers] = {"steps": rows, "best_rps_p95_within_target": max(within,
                                                                                     default=0)}
        print(_table(workers, rows))
        print(f"best req/s with p95 ≤ {P95_TARGET_MS} ms and no errors: {max(within, default=0)}")
    summary["load_average_after"] = os.getloadavg()
    print(f"\nload average before {summary['load_average_before']}, "
          f"after {summary['load_average_after']}")
    if args.json:
        Path(args.json).write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
