"""Benchmark: `hplearn stats rollup` bringing view counts and the search index up to date.

Builds a catalog of --resources published resources (indexed with the chosen search backend),
--history-days of stat_resource_daily rows (as earlier rollups left them) and one day of raw
view events touching --changed distinct resources, then times `hplearn stats rollup --day`
through the CLI: the day's rollup, the view count sync (one comparison query, batched UPDATEs)
and the reindex of just the changed resources (one index write per 500). A second run shows
the cost when nothing changed.

    python scripts/bench_view_counts.py                      # SQLite + Whoosh in a temp folder
    HPLEARN_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/hp_views \\
        python scripts/bench_view_counts.py --reset --backend postgres

--reset is required with HPLEARN_BENCH_DATABASE_URL: every table of that database is dropped.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from hplearn.app import create_app
from hplearn.catalog.models import Resource
from hplearn.extensions import db
from hplearn.search.rebuild import rebuild_index
from hplearn.stats.models import ResourceDaily, StatEvent
from hplearn.timeutil import LOCAL_TZ

SUBJECTS = ("语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "道德与法治")
WORDS = ("勾股定理", "古诗", "分数", "光合作用", "电路", "化学方程式", "长城", "作文", "函数")
INSERT_BATCH = 10_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reset", action="store_true", help="drop and recreate all tables")
    parser.add_argument("--backend", choices=("whoosh", "postgres"), default="whoosh")
    parser.add_argument("--resources", type=int, default=20_000)
    parser.add_argument("--changed", type=int, default=5_000, help="resources viewed that day")
    parser.add_argument("--history-days", type=int, default=180)
    parser.add_argument("--daily-resources", type=int, default=1_500,
                        help="resources with views on each day of the history")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def insert_rows(table, rows) -> None:
    for start in range(0, len(rows), INSERT_BATCH):
        db.session.execute(insert(table), rows[start:start + INSERT_BATCH])
    db.session.commit()


def build_catalog(count: int, rng: random.Random) -> None:
    now = datetime.now(UTC)
    insert_rows(Resource.__table__, [
        {"source": "bench", "external_id": f"r{n}", "kind": "article", "stage": "初中",
         "grade": 7 + n % 3, "subject": SUBJECTS[n % len(SUBJECTS)], "tags": [],
         "title": f"{rng.choice(WORDS)}第{n}课", "status": "published", "view_count": 0,
         "summary": "".join(rng.choice(WORDS) for _ in range(12)), "body": "", "content_hash": "",
         "caption_ids": [], "is_demo": False, "created_at": now, "updated_at": now,
         "published_at": now}
        for n in range(count)
    ])


def build_history(day, args, rng: random.Random) -> None:
    rows = []
    for back in range(1, args.history_days + 1):
        for resource_id in rng.sample(range(1, args.resources + 1), args.daily_resources):
            rows.append({"day": day - timedelta(days=back), "school_id": 1 + resource_id % 60,
                         "resource_id": resource_id, "views": rng.randrange(1, 9),
                         "watch_seconds": 0, "people_sample": ""})
    insert_rows(ResourceDaily.__table__, rows)


def build_day_views(day, args, rng: random.Random) -> int:
    moment = datetime(day.year, day.month, day.day, 19, tzinfo=LOCAL_TZ).astimezone(UTC)
    rows = []
    for resource_id in rng.sample(range(1, args.resources + 1), args.changed):
        for viewer in rng.sample(range(10_000), rng.randrange(1, 4)):
            person = f"{viewer:016x}"
            rows.append({
                "day": day, "occurred_at": moment, "kind": "view", "school_id": 1 + viewer % 60,
                "student_id": viewer, "person": person, "resource_id": resource_id,
                "stage": "初中", "grade": 7, "subject": "数学", "resource_kind": "article",
                "dedupe_key": hashlib.sha1(f"{day}|{resource_id}|{person}".encode()).hexdigest(),
            })
    insert_rows(StatEvent.__table__, rows)
    return len(rows)


def timed_rollup(runner, day) -> tuple[float, str]:
    started = time.perf_counter()
    result = runner.invoke(args=["stats", "rollup", "--day", day.isoformat()])
    elapsed = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"rollup failed: {result.output}")
    return elapsed, result.output


def main() -> int:
    args = parse_args()
    url = os.environ.get("HPLEARN_BENCH_DATABASE_URL")
    if url and not args.reset:
        print("with HPLEARN_BENCH_DATABASE_URL pass --reset (all tables are dropped)",
              file=sys.stderr)
        return 2
    instance = tempfile.mkdtemp(prefix="bench-views-")
    url = url or f"sqlite:///{instance}/bench.sqlite3"
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance, "SECRET_KEY": "bench",
                      "SEARCH_BACKEND": args.backend, "LOG_LEVEL": "WARNING",
                      "RATELIMIT_ENABLED": False})
    rng = random.Random(args.seed)
    day = datetime.now(LOCAL_TZ).date() - timedelta(days=1)
    with app.app_context():
        db.drop_all()
        db.create_all()
        build_catalog(args.resources, rng)
        started = time.perf_counter()
        rebuild_index()
        print(f"{args.resources:,} resources indexed ({args.backend}) in "
              f"{time.perf_counter() - started:.1f} s")
        build_history(day, args, rng)
        runner = app.test_cli_runner()
        elapsed, _ = timed_rollup(runner, day - timedelta(days=1))
        print(f"history: {args.history_days} days x {args.daily_resources:,} resources; "
              f"first sync {elapsed:.1f} s")
        events = build_day_views(day, args, rng)
        db.session.remove()
        elapsed, output = timed_rollup(runner, day)
        changed = re.search(r"view counts: (\d+) resources changed, reindexed in ([\d.]+)s", output)
        print(f"rollup of one day ({events:,} views of {args.changed:,} resources): "
              f"{elapsed:.2f} s total, of which view count sync + reindex of {changed[1]} resources "
              f"{changed[2]} s")
        elapsed, output = timed_rollup(runner, day)
        changed = re.search(r"view counts: (\d+) resources changed", output)
        print(f"re-run: {elapsed:.2f} s ({changed[1]} resources changed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
