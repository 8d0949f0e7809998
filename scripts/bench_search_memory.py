"""One process's memory and search times on a big index, and its answers for comparison.

    python scripts/bench_search_memory.py INSTANCE [--queries 300] [--seed 42] [--dump FILE]

INSTANCE is an instance folder with data (e.g. `scripts/bench_import.py 100000 --keep DIR`).
In this process (create_app, result cache off): RSS after the app, after the first search, then
after each third of QUERIES distinct searches (scripts/bench_search.py's, each asked sorted by
relevance, newest and views, page 1 and 3, plus a similar() and a suggest() per query), with
the p50/p95 of the relevance searches. --dump FILE writes every answer (ids, totals, facets,
titles) as JSON Lines, so two versions of the code can be compared (`cmp` the files).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_import import bench_env  # noqa: E402
from bench_search import make_queries, percentile  # noqa: E402


def rss_mb() -> str:
    """This process's resident memory in MB: in all, private (anonymous) and of mapped files."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile"):
            found[name] = int(value.split()[0]) / 1024
    return "{VmRSS:.0f} MB (anonymous {RssAnon:.0f}, files {RssFile:.0f})".format(**found)


def answers(text: str, filters: dict) -> tuple[list[dict], float]:
    """Every answer asked for one query, and the time of its first relevance search in ms."""
    from hplearn.pagination import PageRequest
    from hplearn.search import services

    found, elapsed = [], 0.0
    for sort in ("relevance", "newest", "popular"):
        for page in (1, 3):
            started = time.perf_counter()
            results = services.query(text, doc_type="resource", filters=filters, sort=sort,
                                     page=PageRequest(page=page, per_page=20))
            if sort == "relevance" and page == 1:
                elapsed = (time.perf_counter() - started) * 1000
            found.append({"q": text, "filters": filters, "sort": sort, "page": page,
                          "total": results.total, "ids": [hit.object.id for hit in results.items],
                          "facets": results.facets, "suggestion": results.suggestion})
    similar = services.similar(text, doc_type="resource", limit=5)
    found.append({"q": text, "similar": [getattr(r, "id", r) for r in similar]})
    found.append({"q": text, "suggest": services.suggest(text[:2], doc_type="resource")})
    return found, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--dump", type=Path)
    args = parser.parse_args()
    os.environ.update(bench_env(args.instance.resolve()))
    from hplearn.app import create_app

    app = create_app()
    print(f"app created: RSS {rss_mb()}")
    queries = make_queries(args.queries, args.seed)
    out = args.dump.open("w", encoding="utf-8") if args.dump else None
    times = []
    for number, (text, filters) in enumerate(queries, start=1):
        with app.test_request_context():  # one request (and database session) per query
            found, elapsed = answers(text, filters)
        times.append(elapsed)
        for row in found if out else ():
            out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        if number == 1 or number % max(1, len(queries) // 3) == 0:
            print(f"after {number:4} queries: RSS {rss_mb()}")
    print(f"relevance page 1: p50 {statistics.median(times):.1f} ms, "
          f"p95 {percentile(times, 0.95):.1f} ms over {len(times)} queries "
          f"(the first of each, cold)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
