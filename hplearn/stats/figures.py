"""Figures read from the rollup tables, with the "<5" rule applied.

Every figure built from fewer than five distinct people is the string "<5" (HIDDEN).
"""

from __future__ import annotations

import math
from collections import defaultdict

from flask import current_app
from sqlalchemy import false, func, or_, select, true

from hplearn.accounts.models import User
from hplearn.catalog.models import Resource, Topic
from hplearn.extensions import db
from hplearn.stats.models import (
    QuestionDaily,
    ResourceDaily,
    SchoolDaily,
    SchoolMonthly,
    SearchDaily,
    UsageDaily,
    UsageMonthly,
)
from hplearn.stats.period import Period, split_period
from hplearn.stats.rollup import SAMPLE_SIZE, Sample

HIDDEN = "<5"
DEFAULT_TARGET_MINUTES = 24 * 60
TOP_COUNT = 10


def shown(value, people: int):
    """The value, or "<5" when fewer than five distinct people are behind it."""
    return value if people >= SAMPLE_SIZE else HIDDEN


def target_minutes() -> int:
    """The first-response target (STATS_RESPONSE_TARGET_MINUTES, default 24 h)."""
    return int(current_app.config.get("STATS_RESPONSE_TARGET_MINUTES", DEFAULT_TARGET_MINUTES))


# --- response-time distributions -------------------------------------------------------------


class Responses:
    """Merged first-response minutes with the samples of askers behind them."""

    def __init__(self):
        self.minutes: dict[int, int] = defaultdict(int)
        self.asked = 0
        self.answered = 0
        self.asked_sample = Sample()
        self.answered_sample = Sample()

    def add(self, asked, answered, histogram, sample_text) -> None:
        self.asked += asked
        self.answered += answered
        if asked:
            self.asked_sample.merge(sample_text)
        if answered:
            self.answered_sample.merge(sample_text)
        for minutes, count in (histogram or {}).items():
            self.minutes[int(minutes)] += count

    def percentile(self, share: float):
        """The smallest response time within which `share` of answered questions were answered."""
        total = sum(self.minutes.values())
        if total == 0:
            return None
        rank = max(1, math.ceil(share * total))
        seen = 0
        for minutes in sorted(self.minutes):
            seen += self.minutes[minutes]
            if seen >= rank:
                return minutes
        return None

    def within(self, target: int) -> int:
        """How many were answered within the target."""
        return sum(count for minutes, count in self.minutes.items() if minutes <= target)

    def figures(self, target: int) -> dict:
        """The Q&A figures of S, masked by the number of distinct askers."""
        answered_people = len(self.answered_sample)
        timed = sum(self.minutes.values())
        share = round(self.within(target) / timed, 3) if timed else None
        return {
            "asked": shown(self.asked, len(self.asked_sample)),
            "answered": shown(self.answered, answered_people),
            "answered_within_target": shown(self.within(target), answered_people),
            "answered_within_target_share": shown(share, answered_people),
            "median_first_response_minutes": shown(self.percentile(0.5), answered_people),
            "p90_first_response_minutes": shown(self.percentile(0.9), answered_people),
            "target_minutes": target,
        }


# --- queries ---------------------------------------------------------------------------------


def in_period(model, period: Period):
    return model.day.between(period.first, period.last)


def enrolled_students(school_ids) -> dict[int, int]:
    """Active student accounts per school."""
    query = (
        select(User.school_id, func.count())
        .where(User.role == "student", User.active.is_(True), User.school_id.in_(school_ids))
        .group_by(User.school_id)
    )
    return dict(db.session.execute(query).all())


class SchoolTotals:
    """Sums of stat_school_daily rows of one school over a period."""

    def __init__(self):
        self.active_bits = 0
        self.views = self.anonymous_views = self.watch_seconds = 0
        self.searches = self.zero_result_searches = self.sign_ins = 0
        self.view_sample, self.watch_sample, self.search_sample = Sample(), Sample(), Sample()
        self.questions = Responses()

    def add(self, row) -> None:
        if row.active_bits:
            self.active_bits |= int.from_bytes(row.active_bits, "little") << row.active_offset
        self.views += row.views
        self.anonymous_views += row.anonymous_views
        self.watch_seconds += row.watch_seconds
        self.searches += row.searches
        self.zero_result_searches += row.zero_result_searches
        self.sign_ins += row.sign_ins
        self.view_sample.merge(row.view_sample)
        self.watch_sample.merge(row.watch_sample)
        self.search_sample.merge(row.search_sample)
        self.questions.add(row.asked, row.answered, row.response_minutes, row.asker_sample)

    @property
    def active_students(self) -> int:
        """Distinct students active at least once in the period."""
        return self.active_bits.bit_count()


def rows_over(daily, monthly, columns, period: Period, where=lambda model: true()):
    """Rows of `daily` for partial months and of `monthly` for whole ones.

    where: a function of the model giving an extra condition.
    """
    ranges, months = split_period(period)
    for model, condition in (
        (daily, or_(false(), *(daily.day.between(a, b) for a, b in ranges))),
        (monthly, monthly.day.in_(months)),
    ):
        query = select(*(getattr(model, name) for name in columns)).where(condition, where(model))
        yield from db.session.execute(query)


SCHOOL_COLUMNS = (
    "school_id", "active_offset", "active_bits", "sign_ins", "views", "anonymous_views",
    "watch_seconds", "searches", "zero_result_searches", "view_sample", "watch_sample",
    "search_sample", "asked", "answered", "response_minutes", "asker_sample",
)


def school_totals(school_ids, period: Period) -> dict[int, SchoolTotals]:
    """Per school: the summed totals of the period."""
    totals: dict[int, SchoolTotals] = defaultdict(SchoolTotals)
    rows = rows_over(SchoolDaily, SchoolMonthly, SCHOOL_COLUMNS, period,
                      lambda model: model.school_id.in_(school_ids))
    for row in rows:
        totals[row.school_id].add(row)
    return totals


def daily_rows(school_id: int, period: Period):
    """The school's per-day figures (for the daily chart and table)."""
    query = select(
        SchoolDaily.day, SchoolDaily.active_students, SchoolDaily.weekly_active_students,
        SchoolDaily.views, SchoolDaily.view_sample,
    ).where(SchoolDaily.school_id == school_id, in_period(SchoolDaily, period))
    return db.session.execute(query).all()


def question_rows(school_id: int, period: Period):
    """The stat_question_daily rows of one school in the period."""
    query = select(
        QuestionDaily.school_id, QuestionDaily.subject, QuestionDaily.grade,
        QuestionDaily.teacher_id, QuestionDaily.asked, QuestionDaily.answered,
        QuestionDaily.response_minutes, QuestionDaily.asker_sample,
    ).where(QuestionDaily.school_id == school_id, in_period(QuestionDaily, period))
    return db.session.execute(query).all()


def group_responses(rows, key) -> dict:
    groups: dict = defaultdict(Responses)
    for row in rows:
        groups[key(row)].add(row.asked, row.answered, row.response_minutes, row.asker_sample)
    return groups


def _samples_of(model, key_column, keys, school_id, period: Period) -> dict:
    query = select(key_column, model.people_sample).where(
        model.school_id == school_id, key_column.in_(keys), in_period(model, period)
    )
    samples: dict = defaultdict(Sample)
    for key, text in db.session.execute(query):
        samples[key].merge(text)
    return samples


def _ranked(rows, samples) -> list:
    # Entries hidden by the "<5" rule go last, so the ranking reveals nothing about them.
    visible = [(key, count) for key, count in rows if len(samples[key]) >= SAMPLE_SIZE]
    hidden = [(key, HIDDEN) for key, count in rows if len(samples[key]) < SAMPLE_SIZE]
    return visible + hidden


def top_resources(school_id: int, period: Period, limit: int = TOP_COUNT) -> list[dict]:
    """The most viewed resources: [{"id", "title", "views"}]."""
    total = func.sum(ResourceDaily.views)
    query = (
        select(ResourceDaily.resource_id, total)
        .where(ResourceDaily.school_id == school_id, in_period(ResourceDaily, period))
        .group_by(ResourceDaily.resource_id)
        .order_by(total.desc(), ResourceDaily.resource_id)
        .limit(limit)
    )
    rows = db.session.execute(query).all()
    ids = [resource_id for resource_id, _ in rows]
    samples = _samples_of(ResourceDaily, ResourceDaily.resource_id, ids, school_id, period)
    titles = dict(db.session.execute(select(Resource.id, Resource.title).where(Resource.id.in_(ids))).all())
    return [
        {"id": rid, "title": titles.get(rid, f"资源 {rid}（已删除）"), "views": views}
        for rid, views in _ranked(rows, samples)
    ]


def top_searches(school_id: int, period: Period, *, zero_results: bool = False,
                 limit: int = TOP_COUNT) -> list[dict]:
    """The most frequent (or most frequent zero-result) queries: [{"query", "count"}]."""
    measure = SearchDaily.zero_results if zero_results else SearchDaily.searches
    total = func.sum(measure)
    query = (
        select(SearchDaily.query, total)
        .where(SearchDaily.school_id == school_id, in_period(SearchDaily, period))
        .group_by(SearchDaily.query)
        .having(total > 0)
        .order_by(total.desc(), SearchDaily.query)
        .limit(limit)
    )
    rows = db.session.execute(query).all()
    samples = _samples_of(SearchDaily, SearchDaily.query, [q for q, _ in rows], school_id, period)
    return [{"query": text, "count": count} for text, count in _ranked(rows, samples)]


def usage_breakdown(school_id: int, period: Period) -> dict[str, list[dict]]:
    """Views and watch minutes by subject, topic, grade and kind, each masked."""
    columns = ("subject", "topic_id", "grade", "resource_kind", "views", "watch_seconds",
               "people_sample")
    rows = rows_over(UsageDaily, UsageMonthly, columns, period,
                      lambda model: model.school_id == school_id)
    groups = {name: defaultdict(lambda: [0, 0, Sample()]) for name in ("subject", "topic", "grade", "kind")}
    for subject, topic_id, grade, kind, views, seconds, sample in rows:
        for name, key in (("subject", subject), ("topic", topic_id), ("grade", grade), ("kind", kind)):
            entry = groups[name][key]
            entry[0] += views
            entry[1] += seconds
            entry[2].merge(sample)
    labels = _topic_names([k for k in groups["topic"] if k is not None])
    return {name: _breakdown_rows(name, entries, labels) for name, entries in groups.items()}


def _topic_names(topic_ids) -> dict:
    if not topic_ids:
        return {}
    return dict(db.session.execute(select(Topic.id, Topic.name).where(Topic.id.in_(topic_ids))).all())


def _label(name: str, key, topic_names: dict) -> str:
    from hplearn.vocab import RESOURCE_KINDS, grade_label

    if key is None:
        return {"subject": "未分学科", "topic": "无专题", "grade": "未分年级", "kind": "其他"}[name]
    if name == "topic":
        return topic_names.get(key, f"专题 {key}")
    if name == "grade":
        return grade_label(key)
    if name == "kind":
        return RESOURCE_KINDS.get(key, key)
    return key


def _breakdown_rows(name: str, entries: dict, topic_names: dict) -> list[dict]:
    rows = [
        {
            "key": key,
            "label": _label(name, key, topic_names),
            "views": shown(views, len(sample)),
            "watch_minutes": shown(round(seconds / 60), len(sample)),
            "_order": views if len(sample) >= SAMPLE_SIZE else -1,
        }
        for key, (views, seconds, sample) in entries.items()
    ]
    rows.sort(key=lambda row: (-row["_order"], row["label"]))
    for row in rows:
        del row["_order"]
    return rows
