"""Benchmark the Q&A board: the teachers' queue with 100,000 questions, and 200 claims at once.

Builds a throw-away database (SQLite in a temporary folder by default, or --database-url; the
tables there are dropped and recreated), fills it with schools, teachers, students and questions
in realistic states, then:
1. times /qa/queue and /api/v1/teacher/queue (and the students' /api/v1/questions list) through
   the Flask test client and prints p50/p95/max;
2. starts 200 threads that claim the same question at the same moment, each with its own app
   context and database session, and checks that exactly one wins and none fails; repeated
   --rounds times.

    python scripts/bench_qa.py [--questions 100000] [--requests 200] [--claimers 200]
                               [--rounds 3] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text

from hplearn.accounts.models import School, User
from hplearn.app import create_app
from hplearn.extensions import db
from hplearn.qa import services
from hplearn.qa.models import Answer, Question
from hplearn.timeutil import utcnow

SUBJECTS = ("语文", "数学", "英语", "物理", "化学", "生物学", "历史", "地理", "道德与法治", "科学")
SCHOOLS = 20
PASSWORD = "bench-password-1"
STATES = (("closed", 45), ("answered", 40), ("open", 10), ("claimed", 4), ("held", 1))


def build_app(instance: Path, database_url: str | None, *, reuse: bool = False):
    """An app over an empty database (reuse: over the one a previous run filled); PostgreSQL
    gets a pool big enough for the claim storm."""
    config = {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "bench",
        "DATABASE_URL": database_url or f"sqlite:///{instance / 'bench.sqlite3'}",
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
    }
    if database_url and database_url.startswith("postgres"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_size": 20, "max_overflow": 30, "pool_timeout": 120, "pool_pre_ping": True,
        }
    app = create_app(config)
    if reuse:
        return app
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def existing_ids(app) -> dict:
    """The ids `populate` returns, read back from a database it filled before."""
    with app.app_context():
        school_id = db.session.scalar(select(School.id).order_by(School.id).limit(1))
        return {"teacher": f"t{school_id}-数学", "student": "s0",
                "claimers": list(db.session.scalars(
                    select(User.id).where(User.username.like("claimer%"))))}


def _user(username, role, school, **fields) -> dict:
    return {"username": username, "display_name": username, "role": role, "school_id": school,
            "password_hash": "", "subjects": [], "grades": [], "is_counsellor": False,
            "active": True, "must_change_password": False, "created_at": utcnow(), **fields}


def populate(app, question_count: int, claimers: int) -> dict:
    """Schools, teachers, students and questions; returns the ids the measurements need."""
    rng = random.Random(5)
    now = utcnow()
    with app.app_context():
        db.session.execute(insert(School), [
            {"code": f"hp{n:03d}", "name": f"和平区第{n}学校", "stage": "九年一贯", "created_at": now}
            for n in range(1, SCHOOLS + 1)
        ])
        school_ids = list(db.session.scalars(select(School.id).order_by(School.id)))
        users = [_user(f"s{n}", "student", school_ids[n % SCHOOLS], grade=1 + n % 9)
                 for n in range(2000)]
        users += [_user(f"t{school}-{subject}", "teacher", school, subjects=[subject],
                        grades=list(range(1, 10))) for school in school_ids for subject in SUBJECTS]
        users += [_user(f"claimer{n}", "teacher", school_ids[n % SCHOOLS], subjects=["数学"],
                        grades=list(range(1, 10))) for n in range(claimers)]
        db.session.execute(insert(User), users)
        bench_teacher = db.session.scalar(
            select(User).where(User.username == f"t{school_ids[0]}-数学")
        )
        bench_teacher.set_password(PASSWORD)
        bench_student = db.session.scalar(select(User).where(User.username == "s0"))
        bench_student.set_password(PASSWORD)
        db.session.commit()
        student_rows = db.session.execute(
            select(User.id, User.school_id, User.grade).where(User.role == "student")
        ).all()
        teacher_ids = list(db.session.scalars(select(User.id).where(User.role == "teacher")))
        _insert_questions(rng, now, question_count, student_rows, teacher_ids)
        # Fresh statistics, as autovacuum (PostgreSQL) or `ANALYZE` after an import would give.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return {"teacher": bench_teacher.username, "student": bench_student.username,
                "claimers": list(db.session.scalars(
                    select(User.id).where(User.username.like("claimer%"))))}


def _insert_questions(rng, now, count, students, teacher_ids) -> None:
    states = [state for state, weight in STATES for _ in range(weight)]
    batch, answers = [], []
    for n in range(count):
        student_id, school_id, grade = rng.choice(students)
        state = rng.choice(states)
        created = now - timedelta(minutes=rng.randint(1, 365 * 24 * 60))
        answered = state in ("answered", "closed")
        claimer = rng.choice(teacher_ids)
        batch.append({
            "asker_id": student_id, "school_id": school_id, "title": f"第{n}个问题：方程怎么解",
            "body": "请老师讲一讲。", "subject": rng.choice(SUBJECTS), "grade": grade,
            "status": state, "urgent": rng.random() < 0.01, "private": rng.random() < 0.1,
            "anonymous": rng.random() < 0.3, "mental_health": False, "hidden": False,
            "hidden_reason": "", "held_words": "", "claim_warned": False,
            "escalation_notified": False, "created_at": created,
            "due_at": created + timedelta(days=rng.choice((2, 5, 400))),
            "claimed_by_id": claimer if state in ("claimed",) or answered else None,
            "claimed_until": now + timedelta(minutes=20) if state == "claimed" else None,
            "first_response_at": created + timedelta(hours=3) if answered else None,
            "answered_at": created + timedelta(hours=3) if answered else None,
        })
        if len(batch) == 5000:
            _flush(batch, answers)
    _flush(batch, answers)


def _flush(batch, answers) -> None:
    if not batch:
        return
    last_id = db.session.scalar(select(Question.id).order_by(Question.id.desc()).limit(1))
    first_id = (last_id or 0) + 1
    db.session.execute(insert(Question), batch)
    answers.extend(
        {"question_id": first_id + offset, "teacher_id": row["claimed_by_id"], "body": "答案。",
         "accepted": row["status"] == "closed", "hidden": False, "hidden_reason": "",
         "created_at": row["answered_at"]}
        for offset, row in enumerate(batch) if row["answered_at"] is not None
    )
    db.session.execute(insert(Answer), answers)
    db.session.commit()
    batch.clear()
    answers.clear()


def signed_in_client(app, username: str):
    client = app.test_client()
    response = client.post("/auth/login", data={"username": username, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"could not sign in {username}: {response.status_code}")
    return client


def measure(client, url: str, requests: int) -> list[float]:
    """Milliseconds per request; every response must be a 200."""
    client.get(url)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def claim_storm(app, claimer_ids: list[int]) -> tuple[list[str], list[float]]:
    """All claimers claim one fresh, escalated maths question at the same moment."""
    with app.app_context():
        asker = db.session.scalar(select(User).where(User.role == "student"))
        question = services.ask_question(asker, title="两百位老师同时认领的问题", subject="数学",
                                         body="")
        # Escalated, so every maths teacher of the district may claim it.
        question.due_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        question_id = question.id
    barrier = threading.Barrier(len(claimer_ids))
    outcomes: list[str] = []
    timings: list[float] = []

    def claim(teacher_id: int) -> None:
        with app.app_context():
            teacher = db.session.get(User, teacher_id)
            db.session.close()  # give the connection back while waiting at the barrier
            barrier.wait(timeout=120)
            started = time.perf_counter()
            try:
                services.claim_question(question_id, teacher)
                outcomes.append("won")
            except services.AlreadyClaimed:
                outcomes.append("lost")
            except Exception as error:  # noqa: BLE001 - every other outcome is a failure to report
                outcomes.append(f"error {type(error).__name__}: {error}")
            finally:
                timings.append((time.perf_counter() - started) * 1000)
                db.session.remove()

    threads = [threading.Thread(target=claim, args=(tid,)) for tid in claimer_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--claimers", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url")
    parser.add_argument("--reuse", action="store_true",
                        help="time the questions a previous run left in --database-url")
    args = parser.parse_args()
    if args.reuse and not args.database_url:
        parser.error("--reuse needs --database-url")
    with tempfile.TemporaryDirectory(prefix="hplearn-bench-qa-") as folder:
        app = build_app(Path(folder), args.database_url, reuse=args.reuse)
        started = time.perf_counter()
        if args.reuse:
            ids = existing_ids(app)
            with app.app_context():
                count = db.session.scalar(select(func.count()).select_from(Question))
            print(f"database: reused, {count} questions")
        else:
            ids = populate(app, args.questions, args.claimers)
            print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split('://')[0]}, "
                  f"{args.questions} questions loaded in {time.perf_counter() - started:.0f} s")
        teacher = signed_in_client(app, ids["teacher"])
        student = signed_in_client(app, ids["student"])
        print("| request | requests | p50 ms | p95 ms | max ms |")
        print("|---|---:|---:|---:|---:|")
        for label, client, url in (
            ("`/qa/queue` (teacher)", teacher, "/qa/queue"),
            ("`/api/v1/teacher/queue`", teacher, "/api/v1/teacher/queue"),
            ("`/api/v1/questions` (student)", student, "/api/v1/questions"),
            ("`/qa/` (student)", student, "/qa/"),
        ):
            timings = measure(client, url, args.requests)
            print(f"| {label} | {len(timings)} | {statistics.median(timings):.1f} | "
                  f"{percentile(timings, 0.95):.1f} | {max(timings):.1f} |")
        failures = 0
        for round_number in range(1, args.rounds + 1):
            outcomes, timings = claim_storm(app, ids["claimers"])
            winners = outcomes.count("won")
            errors = [o for o in outcomes if o.startswith("error")]
            failures += winners != 1 or bool(errors) or len(outcomes) != len(ids["claimers"])
            print(f"claim round {round_number}: {len(outcomes)} claims, {winners} winner, "
                  f"{outcomes.count('lost')} refused (409), {len(errors)} errors; "
                  f"p50 {statistics.median(timings):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms"
                  + (f"; first error: {errors[0]}" if errors else ""))
        if failures:
            raise SystemExit("claims did not hold: see the rounds above")


if __name__ == "__main__":
    main()
