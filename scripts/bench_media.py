"""Benchmark: stream a large video through the WSGI app by ranges and check memory stays flat.

Usage: python scripts/bench_media.py [--size-mb 200] [--ranges 200] [--range-mb 1]

Builds a throwaway instance (SQLite) with one published video resource whose hosted file is
--size-mb of random bytes, stored through the real upload service. Then, in this one process
(the "worker"), it requests --ranges random ranges of --range-mb each and one full read through
the WSGI app, consuming the body chunk by chunk as a server would. It prints the worker's resident
set size and peak (VmRSS, VmHWM from /proc/self/status) before and after each phase, resetting the
peak between phases when the kernel allows it (/proc/self/clear_refs).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hplearn.app import create_app
from hplearn.extensions import db

MB = 1024 * 1024


def memory_kb() -> dict[str, int]:
    """VmRSS and VmHWM (peak) of this process, in kB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+); False when not permitted."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def write_random_file(path: Path, size_mb: int) -> None:
    """size_mb of incompressible bytes, written 1 MB at a time."""
    block = os.urandom(MB)
    with open(path, "wb") as handle:
        for _ in range(size_mb):
            handle.write(block)


def setup(instance: Path, size_mb: int):
    """An app with one published video whose file is size_mb large; returns (app, media id)."""
    from hplearn.accounts.models import School, User
    from hplearn.catalog.models import Resource
    from hplearn.media import services

    app = create_app({
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'bench.sqlite3'}",
        "SECRET_KEY": "bench",
        "MEDIA_MAX_BYTES": {"video": (size_mb + 1) * MB, "document": MB, "image": MB, "captions": MB},
    })
    source = instance / "source.webm"
    header = (Path(__file__).resolve().parent.parent / "tests" / "data" / "tiny.webm").read_bytes()
    write_random_file(source, size_mb)
    with open(source, "r+b") as handle:  # a real WebM header, so the content check accepts it
        handle.write(header[:4096])
    with app.app_context():
        db.create_all()
        school = School(code="bench", name="基准学校")
        admin = User(username="bench-admin", role="school_admin", school=school)
        db.session.add_all([school, admin])
        db.session.commit()
        started = time.perf_counter()
        with open(source, "rb") as stream:
            media = services.store_upload(admin, stream, "基准视频.webm", "video")
        upload_seconds = time.perf_counter() - started
        db.session.add(Resource(
            source="bench", external_id="v1", title="基准视频", kind="video",
            status="published", media_id=media.id,
        ))
        db.session.commit()
        media_id = media.id
    source.unlink()
    return app, media_id, upload_seconds


def consume(response) -> int:
    """Read a streamed response chunk by chunk; return the byte count."""
    total = 0
    for chunk in response.response:
        total += len(chunk)
    response.close()
    return total


def phase(name: str, action, results: list) -> None:
    """Run one phase and record time and memory around it."""
    reset_ok = reset_peak()
    before = memory_kb()
    started = time.perf_counter()
    detail = action()
    elapsed = time.perf_counter() - started
    after = memory_kb()
    results.append((name, before, after, elapsed, detail, reset_ok))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--ranges", type=int, default=200)
    parser.add_argument("--range-mb", type=int, default=1)
    args = parser.parse_args()
    if args.size_mb < 2 or args.ranges < 1 or not 1 <= args.range_mb < args.size_mb:
        parser.error("need --size-mb >= 2, --ranges >= 1 and 1 <= --range-mb < --size-mb")

    with tempfile.TemporaryDirectory(prefix="hplearn-bench-media-") as folder:
        instance = Path(folder)
        results: list = []
        holder = {}

        def do_setup():
            holder["app"], holder["media_id"], seconds = setup(instance, args.size_mb)
            return f"upload through the service: {seconds:.2f} s"

        phase("setup + upload", do_setup, results)
        client = holder["app"].test_client()
        url = f"/media/{holder['media_id']}"
        size = args.size_mb * MB
        span = args.range_mb * MB
        rng = random.Random(4)

        def ranges():
            read = 0
            for _ in range(args.ranges):
                start = rng.randrange(0, size - span)
                response = client.get(url, headers={"Range": f"bytes={start}-{start + span - 1}"})
                assert response.status_code == 206, response.status_code
                read += consume(response)
            return f"{read / MB:.0f} MB in {args.ranges} ranges"

        def full():
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return f"{consume(response) / MB:.0f} MB"

        phase(f"{args.ranges} random {args.range_mb} MB ranges", ranges, results)
        phase("full read", full, results)

    print("| phase | RSS before (MB) | RSS after (MB) | peak during (MB) | time (s) | detail |")
    print("|---|---|---|---|---|---|")
    for name, before, after, elapsed, detail, reset_ok in results:
        peak = f"{after['VmHWM'] / 1024:.1f}" + ("" if reset_ok else " (since start)")
        print(
            f"| {name} | {before['VmRSS'] / 1024:.1f} | {after['VmRSS'] / 1024:.1f} | {peak} "
            f"| {elapsed:.2f} | {detail} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
