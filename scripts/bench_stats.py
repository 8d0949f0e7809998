"""Benchmark of usage statistics (issue 6): rollup of one busy day and the dashboards.

Builds a district of 60 schools with a year of activity totalling about 10 million events:

* the measured day: 100,000 raw events (views, watch time, searches, sign-ins, Q&A) and the six
  days before it (for 7-day active students), written to stat_events with COPY;
* the 358 days before those: daily rollup rows generated directly (as `hplearn stats rollup` would
  have left them), sized so that the events they stand for bring the year to 10 million; then
  the six raw days are rolled up and every month's monthly rows merged from the daily rows.

Then it times `rollup.build_day()` for the measured day (first build and an idempotent re-run)
and the school and district dashboards, CSV and API through the app (test client, signed-in
admins), for a 30-day range and a full-year range.

    python scripts/bench_stats.py [--server postgresql+psycopg://postgres@127.0.0.1:5432] [--keep]

creates a throw-away database with a unique name (hp_bench_stats_<hex>) on that server and drops
it at the end (--keep leaves it and prints its URL). The district API is timed cold (report
cache off) and cached. Or, to reuse a database of your own whose tables it drops and recreates:

    HPLEARN_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/hp_stats \\
        python scripts/bench_stats.py --reset
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text

from hplearn.app import create_app
from hplearn.extensions import db
from hplearn.stats import report_cache, rollup
from hplearn.stats.models import (
    QuestionDaily,
    ResourceDaily,
    SchoolDaily,
    SearchDaily,
    StatEvent,
    SubjectDaily,
    UsageDaily,
)
from hplearn.timeutil import LOCAL_TZ
from hplearn.vocab import SUBJECTS

SUBJECT_POOL = SUBJECTS[:14]
KINDS = ("video", "document", "article", "link", "textbook")
WORDS = ["勾股定理", "古诗", "分数", "英语语法", "光合作用", "电路", "化学方程式", "长城", "作文",
         "心理健康", "垃圾分类", "函数", "一元二次方程", "地球", "细胞", "牛顿定律", "诗经", "成语"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reset", action="store_true", help="drop and recreate all tables")
    parser.add_argument("--schools", type=int, default=60)
    parser.add_argument("--students", type=int, default=800, help="students per school")
    parser.add_argument("--resources", type=int, default=3000)
    parser.add_argument("--events", type=int, default=10_000_000, help="events in the year")
    parser.add_argument("--day-events", type=int, default=100_000, help="events of the measured day")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432",
                        help="where the throw-away database is created")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away database")
    return parser.parse_args()


class Writer:
    """COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self):
        self.postgres = db.engine.dialect.name == "postgresql"

    def write(self, table, columns, rows) -> int:
        columns, rows = _with_defaults(table, tuple(columns), rows)
        count = 0
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if self.postgres:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                marks = ", ".join("?" for _ in columns)
                batch = []
                for row in rows:
                    batch.append(row)
                    if len(batch) == 10000:
                        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
                        cursor.executemany(statement, batch)
                        count += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)
                    count += len(batch)
            raw.commit()
        finally:
            raw.close()
        return count


def _with_defaults(table: str, columns: tuple, rows):
    """Add the model's scalar defaults of NOT NULL columns the generator does not name (columns
    added to the models after this script was written), so COPY never writes a NULL there."""
    missing = [
        column for column in db.metadata.tables[table].columns
        if column.name not in columns and not column.nullable and not column.primary_key
        and column.default is not None and (column.default.is_scalar or column.default.is_callable)
    ]
    if not missing:
        return columns, rows

    def extra():  # callable defaults (a random alias) once per row
        return tuple(_copyable(column.default.arg(None) if column.default.is_callable
                               else column.default.arg) for column in missing)

    return columns + tuple(column.name for column in missing), (tuple(row) + extra() for row in rows)


def _copyable(value):
    return json.dumps(value) if isinstance(value, (dict, list)) else value


def person(student_id: int) -> str:
    return f"{student_id:016x}"


def build_district(writer: Writer, args, rng: random.Random):
    """Schools, students (contiguous ids per school), teachers, admins, topics and resources."""
    now = datetime.now(UTC)
    writer.write("schools", ("code", "name", "stage", "created_at"),
                 ((f"hp{n:03d}", f"和平区第{n}学校", "小学", now) for n in range(1, args.schools + 1)))
    school_ids = [row[0] for row in db.session.execute(text("SELECT id FROM schools ORDER BY id"))]
    user_columns = ("username", "display_name", "password_hash", "role", "school_id", "grade",
                    "subjects", "grades", "is_counsellor", "active", "must_change_password", "created_at")

    def users():
        for school_id in school_ids:
            for n in range(args.students):
                yield (f"s{school_id}-{n}", f"学生{n}", "", "student", school_id, 1 + n % 9,
                       "[]", "[]", False, True, False, now)
            for n in range(10):
                yield (f"t{school_id}-{n}", f"教师{n}", "", "teacher", school_id, None,
                       json.dumps([SUBJECT_POOL[n % 14]]), "[]", False, True, False, now)
            yield (f"admin{school_id}", "管理员", "", "school_admin", school_id, None,
                   "[]", "[]", False, True, False, now)
        yield ("district", "区管理员", "", "district_admin", None, None, "[]", "[]", False, True, False, now)

    writer.write("users", user_columns, users())
    writer.write("topics", ("slug", "name", "summary", "description", "sort_order"),
                 ((f"topic{n}", f"专题{n}", "", "", n) for n in range(6)))
    writer.write(
        "resources",
        ("source", "external_id", "title", "summary", "body", "kind", "stage", "grade", "subject",
         "topic_id", "tags", "status", "is_demo", "view_count", "content_hash", "created_at", "updated_at"),
        (("bench", f"r{n}", f"资源{n}", "", "", KINDS[n % 5], "小学", 1 + n % 9,
          SUBJECT_POOL[n % 14], 1 + n % 6 if n % 3 == 0 else None, "[]", "published", False, 0, "",
          now, now) for n in range(args.resources)),
    )
    students = {
        school_id: [row[0] for row in db.session.execute(
            text("SELECT id FROM users WHERE school_id = :s AND role = 'student' ORDER BY id"),
            {"s": school_id})]
        for school_id in school_ids
    }
    teachers = {
        school_id: [row[0] for row in db.session.execute(
            text("SELECT id FROM users WHERE school_id = :s AND role = 'teacher'"), {"s": school_id})]
        for school_id in school_ids
    }
    return school_ids, students, teachers


def school_weights(school_ids, rng):
    """Schools differ in how much they use the service (0.2x to 1.8x)."""
    return {school_id: rng.uniform(0.2, 1.8) for school_id in school_ids}


def raw_events(day: date, count: int, args, rng, school_ids, weights, students, teachers):
    """`count` raw events of one day, as stat_events rows."""
    schools = rng.choices(school_ids, weights=[weights[s] for s in school_ids], k=count)
    base = datetime(day.year, day.month, day.day, 8, tzinfo=LOCAL_TZ).astimezone(UTC)
    for n, school_id in enumerate(schools):
        student_id = rng.choice(students[school_id][: max(5, int(len(students[school_id]) * 0.4))])
        resource = min(int(rng.paretovariate(1.1)), args.resources) - 1
        moment = base + timedelta(seconds=rng.randrange(14 * 3600))
        roll = rng.random()
        common = {"day": day, "occurred_at": moment, "school_id": school_id, "person": person(student_id)}
        if roll < 0.60:
            yield _event(common, "view", student_id=student_id, resource=resource,
                         dedupe_key=hashlib.sha1(f"{day}{n}".encode()).hexdigest())
        elif roll < 0.72:
            yield _event(common, "watch", student_id=student_id, resource=resource,
                         value=rng.randrange(30, 1800))
        elif roll < 0.87:
            yield _event(common, "search", query=rng.choice(WORDS) + str(rng.randrange(40)),
                         value=0 if rng.random() < 0.1 else rng.randrange(1, 200))
        elif roll < 0.95:
            yield _event(common, "sign_in", student_id=student_id)
        else:
            question = (day.toordinal() % 1000) * 1_000_000 + n
            kind = rng.choice(("question_asked", "question_answered"))
            teacher = rng.choice(teachers[school_id]) if kind == "question_answered" else None
            yield _event(common, kind, student_id=student_id if teacher is None else None,
                         question_id=question, teacher_id=teacher,
                         value=rng.randrange(5, 3000) if teacher else None)


EVENT_COLUMNS = ("day", "occurred_at", "kind", "school_id", "student_id", "person", "teacher_id",
                 "resource_id", "question_id", "stage", "grade", "subject", "topic_id",
                 "resource_kind", "query", "value", "dedupe_key")


def _event(common, kind, *, student_id=None, resource=None, query=None, value=None,
           dedupe_key=None, question_id=None, teacher_id=None):
    dims = (None, None, None, None, None)
    if resource is not None:
        dims = ("小学", 1 + resource % 9, SUBJECT_POOL[resource % 14],
                1 + resource % 6 if resource % 3 == 0 else None, KINDS[resource % 5])
    elif question_id is not None:
        dims = (None, 1 + question_id % 9, SUBJECT_POOL[question_id % 14], None, None)
    return (common["day"], common["occurred_at"], kind, common["school_id"], student_id,
            common["person"], teacher_id, resource + 1 if resource is not None else None,
            question_id, *dims[:3], dims[3], dims[4], query, value, dedupe_key)


def histogram(rng, answers: int) -> dict:
    """First-response minutes of `answers` questions, bucketed as the rollup stores them."""
    minutes: dict = {}
    for _ in range(answers):
        key = str(rollup.response_bucket(int(rng.lognormvariate(4.5, 1.2))))
        minutes[key] = minutes.get(key, 0) + 1
    return minutes


def sample(rng) -> str:
    return ",".join(f"{rng.getrandbits(64):016x}" for _ in range(5))


def rollup_rows_for_day(day, events_per_day, args, rng, school_ids, weights, students, teachers):
    """Rollup rows for one day, as `hplearn stats rollup` would build them from that many events."""
    total_weight = sum(weights.values())
    rows = {model: [] for model in ROLLUP_COLUMNS}
    for subject in SUBJECT_POOL:
        minutes = histogram(rng, events_per_day // 500)
        answered = sum(minutes.values())
        rows[SubjectDaily].append((day, subject, answered + 3, answered, json.dumps(minutes), sample(rng)))
    for school_id in school_ids:
        events = int(events_per_day * weights[school_id] / total_weight)
        views, watches, searches = int(events * 0.6), int(events * 0.12), int(events * 0.15)
        pool = students[school_id]
        active = rng.sample(pool, min(len(pool), max(1, events // 3)))
        offset, bits = rollup.student_bitmap(set(active))
        minutes = histogram(rng, max(1, events // 40))
        answered = sum(minutes.values())
        rows[SchoolDaily].append((day, school_id, len(active), min(len(pool), len(active) * 2), offset,
                                  bits, int(events * 0.08), views, 0, watches * 600, searches,
                                  searches // 10, sample(rng), sample(rng), sample(rng),
                                  datetime.now(UTC), answered + 2, answered,
                                  json.dumps(minutes), sample(rng)))
        for n in range(40):
            rows[UsageDaily].append((day, school_id, "小学", 1 + n % 9, SUBJECT_POOL[n % 14],
                                     1 + n % 6 if n % 3 == 0 else None, KINDS[n % 5],
                                     max(1, views // 40), watches * 15, sample(rng)))
        for resource in {min(int(rng.paretovariate(1.1)), args.resources) for _ in range(views)}:
            rows[ResourceDaily].append((day, school_id, resource, rng.randrange(1, 8),
                                        rng.randrange(0, 900), sample(rng)))
        for word in {rng.choice(WORDS) + str(rng.randrange(40)) for _ in range(searches)}:
            rows[SearchDaily].append((day, school_id, word, rng.randrange(1, 6),
                                      1 if rng.random() < 0.1 else 0, sample(rng)))
        for subject in rng.sample(SUBJECT_POOL, 3):
            minutes = histogram(rng, max(1, events // 120))
            answered = sum(minutes.values())
            rows[QuestionDaily].append((day, school_id, subject, 7, rng.choice(teachers[school_id]),
                                        answered, answered, answered, 0,
                                        json.dumps(minutes), sample(rng)))
    return rows


ROLLUP_COLUMNS = {
    SchoolDaily: ("day", "school_id", "active_students", "weekly_active_students", "active_offset",
                  "active_bits", "sign_ins", "views", "anonymous_views", "watch_seconds", "searches",
                  "zero_result_searches", "view_sample", "watch_sample", "search_sample", "built_at",
                  "asked", "answered", "response_minutes", "asker_sample"),
    SubjectDaily: ("day", "subject", "asked", "answered", "response_minutes", "asker_sample"),
    UsageDaily: ("day", "school_id", "stage", "grade", "subject", "topic_id", "resource_kind",
                 "views", "watch_seconds", "people_sample"),
    ResourceDaily: ("day", "school_id", "resource_id", "views", "watch_seconds", "people_sample"),
    SearchDaily: ("day", "school_id", "query", "searches", "zero_results", "people_sample"),
    QuestionDaily: ("day", "school_id", "subject", "grade", "teacher_id", "asked", "claimed",
                    "answered", "accepted", "response_minutes", "asker_sample"),
}


def build_history(writer, measured_day, args, rng, school_ids, weights, students, teachers):
    """Raw events for the measured day and the six before it; rollup rows for the rest of the year."""
    raw_days = 7
    per_day = (args.events - args.day_events) // 364
    written = 0
    for back in range(raw_days):
        day = measured_day - timedelta(days=back)
        count = args.day_events if back == 0 else per_day
        written += writer.write("stat_events", EVENT_COLUMNS,
                                raw_events(day, count, args, rng, school_ids, weights, students, teachers))
    for back in range(raw_days, 365):
        day = measured_day - timedelta(days=back)
        for model, rows in rollup_rows_for_day(day, per_day, args, rng, school_ids, weights,
                                               students, teachers).items():
            writer.write(model.__tablename__, ROLLUP_COLUMNS[model], rows)
        written += per_day
    return written


def timed(function, repeat=1) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


BENCH_PASSWORD = "bench-password-1"


def set_admin_passwords() -> None:
    from hplearn.accounts.models import User

    for user in db.session.scalars(select(User).where(User.username.in_(("admin1", "district")))):
        user.set_password(BENCH_PASSWORD)
    db.session.commit()


def measure_pages(app, measured_day, args) -> list[tuple[str, float, float]]:
    """Time each page from outside any app context, as a server would serve it."""
    admin_id, district_id = "admin1", "district"
    # Ranges end today, as the dashboards' default (the last 30 days) does.
    now = measured_day + timedelta(days=1)
    month = {"from": (now - timedelta(days=29)).isoformat(), "to": now.isoformat()}
    year = {"from": (now - timedelta(days=365)).isoformat(), "to": now.isoformat()}
    cases = [
        ("school dashboard, 30 days", admin_id, "/stats/", month),
        ("school dashboard, 366 days", admin_id, "/stats/", year),
        ("school API, 30 days", admin_id, "/api/v1/stats/schools/hp001", month),
        ("school API, 366 days", admin_id, "/api/v1/stats/schools/hp001", year),
        ("school CSV, 366 days", admin_id, "/stats/schools/hp001.csv", year),
        ("district dashboard, 30 days", district_id, "/stats/", month),
        ("district dashboard, 366 days", district_id, "/stats/", year),
        ("district API (60 × S), 30 days", district_id, "/api/v1/stats/district", month),
        ("district API (60 × S), 366 days", district_id, "/api/v1/stats/district", year),
    ]
    district = [(f"{label}, cached", *rest) for label, *rest in cases if "district" in label]
    results = []
    for label, user_id, path, params in cases + district:
        # Cold first (the report cache off), then the district's reports from the cache.
        app.config["STATS_CACHE_REPORTS"] = label.endswith("cached")
        client = app.test_client()
        signed_in = client.post("/auth/login", data={"username": user_id, "password": BENCH_PASSWORD})
        assert signed_in.status_code == 302, signed_in.status_code
        slow = "API (60" in label and not label.endswith("cached")
        repeat = max(5, args.requests // 8) if slow else args.requests

        def fetch(client=client, path=path, params=params, label=label):
            response = client.get(path, query_string=params)
            assert response.status_code == 200, (label, response.status_code)

        fetch()  # warm up caches and connections
        times = timed(fetch, repeat)
        results.append((label, statistics.median(times) * 1000, p95(times) * 1000))
        print(f"{label}: p50 {results[-1][1]:.0f} ms, p95 {results[-1][2]:.0f} ms ({repeat} requests)")
    return results


def measure_recording(app, count: int = 4000) -> None:
    """Time the one-line record_view() a page makes (anonymous visitors: the costliest path)."""
    from hplearn.catalog.models import Resource
    from hplearn.stats import events

    with app.test_request_context("/resources/1"):
        resources = list(db.session.scalars(select(Resource).limit(100)))
        started = time.perf_counter()
        for number in range(count):
            events.record_view(resources[number % 100], user=None, visitor=f"bench{number}")
        elapsed = time.perf_counter() - started
        written = events.flush()
    print(f"record_view: {elapsed / count * 1e6:.1f} µs per call ({count:,} calls; "
          f"{written:,} left for the final flush)")


def _admin_execute(server: str, statement: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def throwaway_database(server: str) -> tuple[str, str]:
    """(name, URL) of a new empty database with a unique name on the server."""
    name = f"hp_bench_stats_{secrets.token_hex(4)}"
    _admin_execute(server, f'CREATE DATABASE "{name}"')
    return name, f"{server}/{name}"


def main() -> int:
    args = parse_args()
    url = os.environ.get("HPLEARN_BENCH_DATABASE_URL")
    if url and not args.reset:
        print("pass --reset with HPLEARN_BENCH_DATABASE_URL (all its tables are dropped)",
              file=sys.stderr)
        return 2
    name = None
    if not url:
        name, url = throwaway_database(args.server)
        print(f"database {name}")
    try:
        return run(args, url)
    finally:
        if name and args.keep:
            print(f"kept {url}")
        elif name:
            _admin_execute(args.server, f'DROP DATABASE "{name}" WITH (FORCE)')
            print(f"dropped {name}")


def run(args, url: str) -> int:
    """Generate the district, time the rollup, the pages and the recorder."""
    print(f"load average at start: {os.getloadavg()}")
    rng = random.Random(args.seed)
    instance = tempfile.mkdtemp(prefix="bench-stats-")
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance, "SECRET_KEY": "bench",
                      "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING",
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        writer = Writer()
        measured_day = datetime.now(LOCAL_TZ).date() - timedelta(days=1)
        started = time.perf_counter()
        school_ids, students, teachers = build_district(writer, args, rng)
        weights = school_weights(school_ids, rng)
        events = build_history(writer, measured_day, args, rng, school_ids, weights, students, teachers)
        if writer.postgres:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        for back in range(6, 0, -1):
            rollup.build_day(measured_day - timedelta(days=back))
        month = (measured_day - timedelta(days=364)).replace(day=1)
        while month <= measured_day:
            rollup.build_month(month)
            month = (month + timedelta(days=32)).replace(day=1)
        db.session.commit()
        raw = db.session.scalar(select(func.count()).select_from(StatEvent))
        print(f"generated {events:,} events ({raw:,} raw) "
              f"in {time.perf_counter() - started:.0f} s")
        first = timed(lambda: rollup.build_day(measured_day))[0]
        again = timed(lambda: rollup.build_day(measured_day))[0]
        print(f"rollup of {measured_day} ({args.day_events:,} events): {first:.2f} s, re-run {again:.2f} s")
        for model in (*ROLLUP_COLUMNS, *rollup.MONTHLY_MODELS):
            count = db.session.scalar(select(func.count()).select_from(model))
            print(f"  {model.__tablename__}: {count:,} rows")
        set_admin_passwords()
        db.session.remove()
    with app.app_context():
        started = time.perf_counter()
        warmed = report_cache.warm(measured_day + timedelta(days=1))
        print(f"warming {warmed} district reports (the rollup job's last step): "
              f"{time.perf_counter() - started:.1f} s")
    measure_pages(app, measured_day, args)
    measure_recording(app)
    print(f"load average at end: {os.getloadavg()}")
    with app.app_context():
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
