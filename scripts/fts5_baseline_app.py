"""The FTS5 + jieba yardstick served over HTTP, for scripts/bench_servers.py.

    python scripts/fts5_baseline_app.py build INSTANCE OUT.sqlite3   (index the published resources)
    HPLEARN_BENCH_FTS5=OUT.sqlite3 gunicorn -w 1 --chdir scripts fts5_baseline_app:app

One route, `GET /api/v1/search?q=…&subject=…&grade=…&stage=…&kind=…`: jieba words of the query
as an FTS5 phrase match, the match count and the bm25 top 20 (title weighted 3) with their ids
and titles as JSON — what a plain full-text index gives, without facets, highlights or ranking
extras, so hplearn's search is measured against the least a search page must do.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import Fts5Baseline
from flask import Flask, jsonify, request

COLUMNS = "title, summary, body, subject, grade, stage, kind"


def build(instance: Path, out: Path) -> float:
    """Index the instance's published resources into a new FTS5 file; seconds taken."""
    started = time.perf_counter()
    source = sqlite3.connect(f"file:{instance / 'hplearn.sqlite3'}?mode=ro", uri=True)
    source.row_factory = sqlite3.Row
    rows = [dict(row) for row in source.execute(
        f"SELECT {COLUMNS} FROM resources WHERE status = 'published' ORDER BY id")]
    source.close()
    for row in rows:
        row["summary"] = row["summary"] or ""
        row["body"] = row["body"] or ""
    Fts5Baseline(str(out)).build(rows)
    return time.perf_counter() - started


def create_app(path: str) -> Flask:
    """The one-route search app over an FTS5 file made by build()."""
    baseline = Fts5Baseline.__new__(Fts5Baseline)
    import jieba

    jieba.initialize()
    baseline.jieba = jieba
    baseline.db = sqlite3.connect(path, check_same_thread=False)
    app = Flask(__name__)

    @app.get("/")
    def home():
        return "ok"

    @app.get("/api/v1/search")
    def search():
        filters = {k: request.args[k] for k in Fts5Baseline.FILTERS if request.args.get(k)}
        total, rows = baseline.search(request.args.get("q", ""), filters)
        return jsonify(total=total, results=[{"id": i, "title": t} for i, t in rows])

    return app


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "build":
        raise SystemExit(__doc__.split("\n\n")[1])
    seconds = build(Path(sys.argv[2]), Path(sys.argv[3]))
    print(json.dumps({"built_seconds": round(seconds, 1)}))
elif os.environ.get("HPLEARN_BENCH_FTS5"):
    app = create_app(os.environ["HPLEARN_BENCH_FTS5"])
