"""Benchmark hplearn search against a plain SQLite FTS5 index over jieba tokens.

    python scripts/bench_search.py N [--seed 42] [--queries 240] [--backend whoosh]

Generates N Chinese resources (reproducible seed, curriculum vocabulary) in a fresh SQLite
database, times a full `hplearn reindex`, builds the FTS5 baseline on the same documents, then
runs the same distinct queries (one and two words, common and rare, with and without filters)
through hplearn's search service (ranking, facets, highlights, rows from the database) and
through the baseline (bm25 top 20 with the match count). Prints p50/p95 of both, their ratio,
build times and peak memory.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hplearn.vocab import GRADE_NAMES, RESOURCE_KINDS, stage_for_grade

TOPICS = {
    "数学": "勾股定理 一元二次方程 分数的加法 小数乘法 三角形的面积 平行四边形 圆的周长 有理数 函数图像 "
            "概率初步 统计图表 因数与倍数 比和比例 二元一次方程组 相似三角形 二次函数 数据的分析 轴对称 "
            "百以内的加减法 乘法口诀 长方体的体积 鸡兔同笼 位置与方向 负数",
    "语文": "古诗三首 静夜思 春晓 背影 荷塘月色 岳阳楼记 桃花源记 论语十二章 作文指导 阅读理解 文言文 "
            "记叙文写作 汉语拼音 识字 成语故事 寓言二则 朝花夕拾 西游记 骆驼祥子 说明文 诗词鉴赏 修辞手法",
    "英语": "自然拼读 核心词汇 语法专练 一般现在时 一般过去时 阅读策略 听力训练 口语交际 字母歌 书面表达 "
            "日常对话 情态动词 定语从句 现在进行时",
    "物理": "牛顿第一定律 浮力 压强 串联和并联电路 欧姆定律 光的折射 声音的产生 机械能 电功率 磁场 杠杆 "
            "凸透镜成像 密度 运动和力",
    "化学": "元素周期表 化学方程式 酸和碱 氧气的制取 燃烧和灭火 溶液 金属的性质 质量守恒定律 分子和原子",
    "生物学": "细胞的结构 光合作用 生态系统 遗传和变异 人体的消化 植物的生长 青春期 微生物 血液循环",
    "历史": "秦统一中国 丝绸之路 辛亥革命 抗日战争 改革开放 唐朝的繁荣 鸦片战争 五四运动 新中国成立",
    "地理": "地球的运动 气候类型 中国的河流 地图的阅读 人口与民族 天气预报 板块运动 等高线地形图",
    "道德与法治": "宪法精神 友谊的力量 家庭的温馨 诚实守信 责任与担当 珍爱生命 情绪管理 网络生活 法律保护",
    "科学": "植物的一生 动物的生活 水的三态变化 磁铁的秘密 简单电路 天气观察 太阳系 岩石和矿物",
    "心理健康": "情绪调节 压力管理 人际交往 学习习惯 考试焦虑 自我认识 时间管理 亲子沟通",
    "信息科技": "编程入门 Python基础 算法初步 网络安全 数据编码 人工智能 图形化编程",
    "音乐": "歌曲演唱 乐理知识 民族乐器 节奏练习 欣赏交响乐",
    "美术": "水彩画 剪纸艺术 色彩基础 素描入门 国画欣赏 手工制作",
    "体育与健康": "跳绳 广播体操 篮球运球 足球 立定跳远 眼保健操 健康饮食",
}
THEMES = ("爱国主义教育", "生态文明教育", "心理健康教育", "安全教育", "劳动教育", "中华优秀传统文化")
EDITIONS = ("人教版", "北师大版", "苏教版", "统编版", "外研版", "沪教版", "湘教版", "冀教版")
VOLUMES = ("上册", "下册", "全一册")
TITLE_PATTERNS = (
    "{edition}{subject}{grade}{volume}：{topic}",
    "{topic}（{grade}{subject}）",
    "{topic}微课",
    "{topic}练习题及答案",
    "专题学习：{topic}",
    "{subject}{kind}：{topic}",
    "{grade}{subject}同步讲解——{topic}",
    "{theme}：{topic}",
)
SENTENCES = (
    "本节内容围绕{topic}展开，帮助学生理解核心概念并能运用到实际问题中。",
    "通过生活中的例子引入{topic}，再配合典型例题和课后练习巩固所学。",
    "建议先观看视频，再完成配套的练习题，遇到困难可以在答疑区提问。",
    "{theme}融入学科教学，培养学生的责任感和实践能力。",
    "这份资源适合{stage}{grade}学生课后自主学习，也适合家长辅导时参考。",
    "学习目标：掌握{topic}的基本方法，能够独立完成相关练习，并尝试总结规律。",
    "老师在讲解中特别强调了容易出错的地方，同学们要认真做笔记。",
)


def generate(n: int, seed: int) -> list[dict]:
    """N resources with real curriculum words, the same for a given seed."""
    rng = random.Random(seed)
    subjects = list(TOPICS)
    start = datetime(2024, 9, 1, tzinfo=UTC)
    rows = []
    for i in range(n):
        subject = rng.choice(subjects)
        grade = rng.randint(1, 9) if subject not in ("物理", "化学") else rng.randint(8, 9)
        kind = rng.choice(list(RESOURCE_KINDS))
        words = {
            "subject": subject, "grade": GRADE_NAMES[grade], "kind": RESOURCE_KINDS[kind],
            "topic": rng.choice(TOPICS[subject].split()), "edition": rng.choice(EDITIONS),
            "volume": rng.choice(VOLUMES), "theme": rng.choice(THEMES),
            "stage": stage_for_grade(grade),
        }
        sentences = rng.sample(SENTENCES, rng.randint(2, 4))
        with_body = kind in ("article", "document")
        rows.append({
            "source": "bench", "external_id": f"b{i}", "kind": kind,
            "title": rng.choice(TITLE_PATTERNS).format(**words),
            "summary": rng.choice(SENTENCES).format(**words),
            "body": "".join(s.format(**words) for s in sentences) if with_body else "",
            "stage": words["stage"], "grade": grade, "subject": subject,
            "edition": words["edition"] if kind == "textbook" or rng.random() < 0.3 else None,
            "volume": words["volume"], "tags": [words["theme"]], "status": "published",
            "view_count": int(rng.paretovariate(1.2) * 10), "content_hash": "",
            "published_at": start + timedelta(minutes=i * 7),
            "created_at": start, "updated_at": start,
        })
    return rows


def make_queries(count: int, seed: int) -> list[tuple[str, dict]]:
    """Distinct queries: one and two words, common and rare, a third with filters."""
    rng = random.Random(seed + 1)
    common = [*list(TOPICS), "练习", "微课", "阅读", "作文", "视频", "专题", "同步讲解", "答案",
              "上册", "人教版"]
    rare = [t for topics in TOPICS.values() for t in topics.split()]
    short = ["诗", "光", "力", "圆", "水", "古诗", "电路", "细胞", "函数", "气候"]
    grades = [f"{g}年级" for g in range(1, 10)] + ["初二", "初一", "八年级", "五年级"]
    queries: dict[tuple[str, tuple], None] = {}
    while len(queries) < count:
        shape = rng.random()
        if shape < 0.25:
            text = rng.choice(common)
        elif shape < 0.5:
            text = rng.choice(rare + short)
        elif shape < 0.75:
            text = f"{rng.choice(grades + common)} {rng.choice(rare)}"
        else:
            text = f"{rng.choice(common)} {rng.choice(list(TOPICS))}"
        filters = {}
        if rng.random() < 0.33:
            filters = rng.choice([
                {"subject": rng.choice(list(TOPICS))}, {"grade": str(rng.randint(1, 9))},
                {"stage": rng.choice(["小学", "初中"])}, {"kind": rng.choice(list(RESOURCE_KINDS))},
            ])
        queries[(text, tuple(sorted(filters.items())))] = None
    return [(text, dict(filters)) for text, filters in queries]


def percentile(values: list[float], fraction: float) -> float:
    """The value below which fraction of values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


class Fts5Baseline:
    """A plain SQLite FTS5 table over jieba search-mode tokens: the yardstick."""

    FILTERS = ("subject", "grade", "stage", "kind")

    def __init__(self, path: str):
        import jieba

        self.jieba = jieba
        self.db = sqlite3.connect(path)
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(title, body, subject UNINDEXED, grade UNINDEXED,"
            " stage UNINDEXED, kind UNINDEXED, raw_title UNINDEXED)"
        )

    def tokens(self, text: str) -> str:
        return " ".join(t for t in self.jieba.cut_for_search(text or "", HMM=False) if t.strip())

    def build(self, rows: list[dict]) -> None:
        self.db.executemany(
            "INSERT INTO docs(rowid, title, body, subject, grade, stage, kind, raw_title)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (i + 1, self.tokens(r["title"]), self.tokens(f"{r['summary']} {r['body']}"),
                 r["subject"], str(r["grade"]), r["stage"], r["kind"], r["title"])
                for i, r in enumerate(rows)
            ),
        )
        self.db.commit()

    def search(self, text: str, filters: dict) -> tuple[int, list]:
        words = [w for w in self.jieba.cut(text, HMM=False) if w.strip()]
        match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        where = "docs MATCH ?" + "".join(f" AND {k} = ?" for k in filters)
        params = [match, *filters.values()]
        total = self.db.execute(f"SELECT count(*) FROM docs WHERE {where}", params).fetchone()[0]
        rows = self.db.execute(
            f"SELECT rowid, raw_title FROM docs WHERE {where}"
            " ORDER BY bm25(docs, 3.0, 1.0) LIMIT 20",
            params,
        ).fetchall()
        return total, rows


def _cpu_seconds() -> float:
    # This process and its finished children (the parallel rebuild's writers).
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of resources")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--backend", default="whoosh", choices=("whoosh", "postgres"))
    parser.add_argument("--database-url", help="for --backend postgres (a database to empty!)")
    args = parser.parse_args()
    if args.n < 1 or args.queries < 1:
        parser.error("N and --queries must be positive")
    if args.backend == "postgres" and not args.database_url:
        parser.error("--backend postgres needs --database-url")

    from sqlalchemy import insert

    from hplearn.app import create_app
    from hplearn.catalog.models import Resource
    from hplearn.extensions import db
    from hplearn.pagination import PageRequest
    from hplearn.search import services
    from hplearn.search.rebuild import rebuild_index

    workdir = Path(tempfile.mkdtemp(prefix="hplearn-bench-"))
    url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    if args.backend == "postgres":
        url = args.database_url
    app = create_app({
        "INSTANCE_PATH": str(workdir / "instance"), "DATABASE_URL": url, "SECRET_KEY": "bench",
        "SEARCH_BACKEND": args.backend,
        # A result cache of one entry, so no timed search is a cache lookup (no two searches
        # in a row are the same query).
        "CACHE_MAX_LOCAL_ENTRIES": 1, "REDIS_URL": None,
    })
    rows = generate(args.n, args.seed)
    queries = make_queries(args.queries, args.seed)
    try:
        with app.app_context():
            db.drop_all()
            db.create_all()
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(Resource), rows[start:start + 5000])
            db.session.commit()
            load = os.getloadavg()
            print(f"{args.n} resources, {len(queries)} distinct queries, backend {args.backend}, "
                  f"{os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")

            cpu_before = _cpu_seconds()
            started = time.perf_counter()
            rebuild_index()
            build_seconds = time.perf_counter() - started
            build_cpu = _cpu_seconds() - cpu_before
            baseline = Fts5Baseline(str(workdir / "fts5.sqlite3"))
            started = time.perf_counter()
            baseline.build(rows)
            baseline_build = time.perf_counter() - started

            first_ours, first_theirs, ours, theirs = [], [], [], []

            def hplearn_search(text, filters):
                services.query(text, doc_type="resource", filters=filters,
                               page=PageRequest(page=1, per_page=20))

            # Warm both on other queries (dictionaries, file pages, per-index columns, the
            # common words' postings), as a running site is; then time each measured query the
            # first time it is asked, and once more when everything it touches is cached.
            for text, filters in make_queries(args.queries, args.seed + 1):
                hplearn_search(text, filters)
                baseline.search(text, filters)
            for text, filters in queries:
                first_ours.append(timed(hplearn_search, text, filters))
                first_theirs.append(timed(baseline.search, text, filters))
            for text, filters in queries:
                ours.append(timed(hplearn_search, text, filters))
                theirs.append(timed(baseline.search, text, filters))
            files = (p for p in (workdir / "instance").rglob("*") if p.is_file())
            index_mb = sum(p.stat().st_size for p in files) / 1e6
            db.drop_all() if args.backend == "postgres" else None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("result cache off; each query timed the first time it is asked, then repeated")
    for label, mine, yours in (("first", first_ours, first_theirs), ("repeat", ours, theirs)):
        p50, p95 = statistics.median(mine), percentile(mine, 0.95)
        b50, b95 = statistics.median(yours), percentile(yours, 0.95)
        print(f"{label:6}  hplearn p50 {p50:7.2f} ms  p95 {p95:7.2f} ms   "
              f"FTS5 p50 {b50:7.2f} ms  p95 {b95:7.2f} ms   ratio p95 {p95 / b95:.2f}"
              f"  (p50 {p50 / b50:.2f})")
    print(f"hplearn full reindex {build_seconds:6.1f} s (CPU {build_cpu:.1f} s in all processes);"
          f" FTS5 build {baseline_build:.1f} s")
    print(f"peak memory (RSS) {peak_mb:.0f} MB; index folder {index_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
