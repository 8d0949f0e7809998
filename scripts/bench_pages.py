"""Measure server time of the home, /browse and /resources/<id> pages.

Builds a throw-away instance (SQLite by default, or --database-url) with the demo content and
the national textbook catalog, then times each page through the Flask test client (no network)
and prints p50/p95 per page. Usage:

    python scripts/bench_pages.py [--requests 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from hplearn.app import create_app
from hplearn.catalog.content import load_content
from hplearn.catalog.models import Resource
from hplearn.extensions import db

BROWSE_URLS = (
    "/browse",
    "/browse?stage=小学",
    "/browse?stage=初中&grade=8&subject=数学",
    "/browse?kind=textbook&edition=人教版",
    "/browse?topic=aiguo",
    "/browse?page=5",
    "/browse?kind=textbook&page=40",
    "/browse?sort=title&page=3",
)


def build_app(instance: Path, database_url: str | None):
    """An app over a fresh database holding content/ (demo resources and textbooks)."""
    config = {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "bench",
        "DATABASE_URL": database_url or f"sqlite:///{instance / 'bench.sqlite3'}",
        "RATELIMIT_ENABLED": False,
    }
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_content(app.config["CONTENT_DIR"], echo=lambda line: None)
    return app


def resource_urls(app) -> list[str]:
    """A mix of resource pages: articles, links and textbooks."""
    with app.app_context():
        ids = []
        for kind, limit in (("article", 4), ("link", 2), ("textbook", 4)):
            ids += db.session.scalars(
                select(Resource.id).where(Resource.kind == kind).order_by(Resource.id).limit(limit)
            )
    return [f"/resources/{resource_id}" for resource_id in ids]


def measure(client, urls: list[str], requests: int) -> list[float]:
    """Milliseconds per request, cycling through urls; every response must be a 200."""
    for url in urls:
        client.get(url)  # warm caches and templates
    timings = []
    for n in range(requests):
        url = urls[n % len(urls)]
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return timings


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    """Build the instance, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per page group")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hplearn-bench-") as folder:
        app = build_app(Path(folder), args.database_url)
        client = app.test_client()
        with app.app_context():
            total = db.session.scalar(select(db.func.count()).select_from(Resource))
        groups = {"home /": ["/"], "browse": list(BROWSE_URLS), "resource": resource_urls(app)}
        print(f"{total} resources, {args.requests} requests per page group (Flask test client)")
        print(f"{'page':<10} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for name, urls in groups.items():
            timings = measure(client, urls, args.requests)
            print(f"{name:<10} {len(timings):>8} {statistics.median(timings):>8.1f} "
                  f"{percentile(timings, 0.95):>8.1f} {max(timings):>8.1f}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
