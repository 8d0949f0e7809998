"""Measure what the learning loop adds: resource pages (related resources from the index, 收藏,
最近学习), the grade home page, an exercise set's page, and parsing a 50-item exercise text.

Builds a throw-away SQLite instance with content/ (demo resources, the textbook catalog) and the
demo lesson package, then times each page through the Flask test client (no network), signed in
as a grade-8 student and anonymously, and prints p50/p95. Usage:

    python scripts/bench_learning.py [--requests 100]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml
from sqlalchemy import select

from hplearn.accounts import services as accounts
from hplearn.app import create_app
from hplearn.catalog.content import load_content
from hplearn.catalog.models import Resource
from hplearn.contributions import demo
from hplearn.exercises.format import parse_exercises
from hplearn.exercises.models import ExerciseSet
from hplearn.extensions import db
from hplearn.search.rebuild import rebuild_index

PASSWORD = "bench-pass-2025"


def build_app(instance: Path):
    """An app over a fresh database with content/, the demo accounts it needs and the package."""
    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                      "DATABASE_URL": f"sqlite:///{instance / 'bench.sqlite3'}", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.create_all()
        load_content(app.config["CONTENT_DIR"], echo=lambda line: None)
        school = accounts.create_school("demo-zx", "和平区示范中学", "初中")
        for username, role in (("demozx_t1", "teacher"), ("demozx_admin", "school_admin"),
                               ("demozx_s801", "student")):
            accounts.create_user(username, role, PASSWORD, school=school,
                                 grade=8 if role == "student" else None)
        accounts.create_user("demo_district", "district_admin", PASSWORD)
        spec_path = Path(app.config["CONTENT_DIR"]) / "lesson_packages" / "gougu-dingli.yaml"
        demo.load_package(yaml.safe_load(spec_path.read_text(encoding="utf-8")))
        rebuild_index()
    return app


def timed(client, url: str, requests: int) -> tuple[float, float]:
    """p50 and p95 server time of GET url, in milliseconds."""
    client.get(url)  # warm caches and templates
    samples = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder))
        with app.app_context():
            article = db.session.scalar(select(Resource.id).where(
                Resource.kind == "article", Resource.grade == 8, Resource.source != "contribution"))
            package = db.session.scalar(select(Resource.id).where(Resource.kind == "package"))
            exercise_set = db.session.scalar(select(ExerciseSet.id))
        urls = [f"/resources/{article}", f"/resources/{package}", "/learning/",
                f"/exercises/{exercise_set}"]
        anonymous = app.test_client()
        student = app.test_client()
        student.post("/auth/login", data={"username": "demozx_s801", "password": PASSWORD})
        print(f"{'page':32} {'anonymous p50/p95 ms':>22} {'student p50/p95 ms':>20}")
        for url in urls:
            with app.app_context():
                a50, a95 = timed(anonymous, url, args.requests)
                s50, s95 = timed(student, url, args.requests)
            print(f"{url:32} {a50:10.1f} / {a95:6.1f}   {s50:10.1f} / {s95:6.1f}")
        item = "### 单选\n3 和 4 是直角边，斜边是？\n- [ ] 6\n- [x] 5\n- [ ] 7\n> 解析。\n\n"
        text = item * 50
        start = time.perf_counter()
        for _ in range(args.requests):
            parse_exercises(text)
        per_parse = (time.perf_counter() - start) * 1000 / args.requests
        print(f"parse a 50-item exercise text: {per_parse:.2f} ms")


if __name__ == "__main__":
    main()
