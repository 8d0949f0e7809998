"""Time the public after-school pages over HTTP against a running server.

Start the README's server on demo data first, then measure:

    HPLEARN_INSTANCE=/tmp/demo hplearn init --demo
    HPLEARN_INSTANCE=/tmp/demo hplearn run --port 5613 &
    python scripts/bench_afterschool_pages.py --base http://127.0.0.1:5613 [--requests 300]

Each URL is fetched once to warm up, then --requests times one after another on one kept-alive
connection (as a browser would); prints p50/p95/max in milliseconds of the whole response.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import time
from urllib.parse import urlsplit

URLS = ("/schools/demo-xx/afterschool", "/schools/demo-zx/afterschool", "/afterschool/",
        "/api/v1/schools/demo-xx/afterschool")


def timings(base: str, path: str, count: int) -> list[float]:
    """Milliseconds of `count` sequential GETs of one path."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
    result = []
    for index in range(count + 1):
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}")
        if index:  # the first one warms the cache
            result.append((time.perf_counter() - started) * 1000)
    connection.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:5613")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    print(f"{'page':40} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    for path in URLS:
        values = sorted(timings(args.base, path, args.requests))
        p95 = values[int(0.95 * (len(values) - 1))]
        print(f"{path:40} {statistics.median(values):7.1f} {p95:7.1f} {values[-1]:7.1f}")


if __name__ == "__main__":
    main()
