"""Benchmark the 待答 and 求助提醒 badges: the COUNT queries the navigation runs on every page.

Fills a throw-away database like scripts/bench_qa.py (schools, teachers, students, questions in
realistic states; --database-url for PostgreSQL, whose tables there are dropped and recreated),
then times services.queue_count and moderation.open_alert_count for one maths teacher, and the
home page for that teacher through the Flask test client (p50/p95/max in ms).

    python scripts/bench_qa_counts.py [--questions 100000] [--requests 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_qa import build_app, measure, percentile, populate, signed_in_client
from sqlalchemy import select

from hplearn.accounts.models import User
from hplearn.extensions import db
from hplearn.qa import moderation, services


def timed(call, requests: int) -> list[float]:
    call()
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def report(name: str, timings: list[float]) -> None:
    print(f"{name:32} p50 {percentile(timings, .5):6.2f}  p95 {percentile(timings, .95):6.2f}  "
          f"max {max(timings):6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder), args.database_url)
        ids = populate(app, args.questions, claimers=0)
        with app.app_context():
            teacher = db.session.scalar(select(User).where(User.username == ids["teacher"]))
            teacher.is_counsellor = True  # so the alert count runs its query too
            db.session.commit()
            print(f"{args.questions} questions; the teacher may claim {services.queue_count(teacher)}")
            report("queue_count", timed(lambda: services.queue_count(teacher), args.requests))
            report("open_alert_count", timed(lambda: moderation.open_alert_count(teacher),
                                             args.requests))
        client = signed_in_client(app, ids["teacher"])
        report("GET / (teacher, both badges)", measure(client, "/", args.requests))
        report("GET /qa/queue (teacher)", measure(client, "/qa/queue", args.requests))


if __name__ == "__main__":
    main()
