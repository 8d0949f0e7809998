"""Reading statistics from the daily rollups: one school, one teacher, the whole district.

Every figure built from fewer than five distinct people is the string "<5" (HIDDEN).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import false, func, or_, select, true

from hplearn.accounts.models import School, User
from hplearn.catalog.models import Resource, Topic
from hplearn.extensions import db
from hplearn.stats.models import (
    QuestionDaily,
    ResourceDaily,
    SchoolDaily,
    SchoolMonthly,
    SearchDaily,
    SubjectDaily,
    SubjectMonthly,
    UsageDaily,
    UsageMonthly,
)
from hplearn.stats.rollup import SAMPLE_SIZE, Sample
from hplearn.timeutil import local_date, utcnow

HIDDEN = "<5"
MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30
DEFAULT_TARGET_MINUTES = 24 * 60
TOP_COUNT = 10
EARLIEST = date(2020, 1, 1)


class StatsError(Exception):
    """A statistics request refused; its message is shown to the user."""


class InvalidRange(StatsError):
    """A bad from/to date or range."""


@dataclass(frozen=True)
class Period:
    """An inclusive range of local days."""

    first: date
    last: date

    @property
    def days(self) -> int:
        """How many days the range covers."""
        return (self.last - self.first).days + 1


def today() -> date:
    """Today in Asia/Shanghai."""
    return local_date(utcnow())


def _parse_date(text: str | None, label: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidRange(f"{label}“{text[:20]}”不是有效日期，请用 YYYY-MM-DD 格式，例如 2026-09-01。") from None


def parse_period(args, now: date | None = None) -> Period:
    """Read from/to (YYYY-MM-DD) from a query string; default the last 30 days to today.

    Raises InvalidRange for bad dates, from after to, ranges over 366 days or far dates.
    """
    now = now or today()
    last = _parse_date(args.get("to"), "结束日期") or now
    first = _parse_date(args.get("from"), "开始日期") or last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if first > last:
        raise InvalidRange("开始日期不能晚于结束日期。")
    if first < EARLIEST or last > now + timedelta(days=1):
        raise InvalidRange(f"日期必须在 {EARLIEST} 到今天之间。")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise InvalidRange(f"日期范围最长 {MAX_RANGE_DAYS} 天，请缩小范围。")
    return Period(first, last)


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


def _in_period(model, period: Period):
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


def split_period(period: Period, now: date | None = None) -> tuple[list[tuple[date, date]], list[date]]:
    """(day ranges, first days of whole months): whole months are read from monthly rows.

    A month counts as whole when the period covers it to its end, or to today (there are no
    rollups after today).
    """
    now = now or today()
    ranges, months = [], []
    cursor = period.first
    while cursor <= period.last:
        month_end = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        if cursor.day == 1 and (month_end <= period.last or period.last >= now):
            months.append(cursor)
        else:
            ranges.append((cursor, min(month_end, period.last)))
        cursor = month_end + timedelta(days=1)
    return ranges, months


def _rows_over(daily, monthly, columns, period: Period, where=lambda model: true()):
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
    rows = _rows_over(SchoolDaily, SchoolMonthly, SCHOOL_COLUMNS, period,
                      lambda model: model.school_id.in_(school_ids))
    for row in rows:
        totals[row.school_id].add(row)
    return totals


def daily_rows(school_id: int, period: Period):
    """The school's per-day figures (for the daily chart and table)."""
    query = select(
        SchoolDaily.day, SchoolDaily.active_students, SchoolDaily.weekly_active_students,
        SchoolDaily.views, SchoolDaily.view_sample,
    ).where(SchoolDaily.school_id == school_id, _in_period(SchoolDaily, period))
    return db.session.execute(query).all()


def question_rows(school_id: int, period: Period):
    """The stat_question_daily rows of one school in the period."""
    query = select(
        QuestionDaily.school_id, QuestionDaily.subject, QuestionDaily.grade,
        QuestionDaily.teacher_id, QuestionDaily.asked, QuestionDaily.answered,
        QuestionDaily.response_minutes, QuestionDaily.asker_sample,
    ).where(QuestionDaily.school_id == school_id, _in_period(QuestionDaily, period))
    return db.session.execute(query).all()


def _group_responses(rows, key) -> dict:
    groups: dict = defaultdict(Responses)
    for row in rows:
        groups[key(row)].add(row.asked, row.answered, row.response_minutes, row.asker_sample)
    return groups


def _samples_of(model, key_column, keys, school_id, period: Period) -> dict:
    query = select(key_column, model.people_sample).where(
        model.school_id == school_id, key_column.in_(keys), _in_period(model, period)
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
        .where(ResourceDaily.school_id == school_id, _in_period(ResourceDaily, period))
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
        .where(SearchDaily.school_id == school_id, _in_period(SearchDaily, period))
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
    rows = _rows_over(UsageDaily, UsageMonthly, columns, period,
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


# --- one school ----------------------------------------------------------------------------------


def school_stats(school: School, period: Period) -> dict:
    """S: the statistics of one school over the period, exactly as the API returns them."""
    totals = school_totals([school.id], period).get(school.id, SchoolTotals())
    return _school_stats(school, period, totals, question_rows(school.id, period))[0]


def _school_stats(school: School, period: Period, totals: SchoolTotals, rows) -> tuple[dict, dict]:
    """(S, the usage breakdown it was built from)."""
    usage = usage_breakdown(school.id, period)
    return {
        "school": school.code,
        "school_name": school.name,
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "enrolled_students": _enrolled(school.id),
        "active_students": shown(totals.active_students, totals.active_students),
        "views": shown(totals.views, len(totals.view_sample)),
        "watch_minutes": shown(round(totals.watch_seconds / 60), len(totals.watch_sample)),
        "searches": shown(totals.searches, len(totals.search_sample)),
        "zero_result_search_count": shown(totals.zero_result_searches, len(totals.search_sample)),
        "top_resources": top_resources(school.id, period),
        "top_searches": top_searches(school.id, period),
        "zero_result_searches": top_searches(school.id, period, zero_results=True),
        "questions": totals.questions.figures(target_minutes()),
        "by_subject": _by_subject(usage["subject"], rows),
    }, usage


def _enrolled(school_id: int):
    count = enrolled_students([school_id]).get(school_id, 0)
    return shown(count, count)


def _by_subject(usage: list[dict], rows) -> list[dict]:
    questions = _group_responses(rows, lambda row: row.subject)
    subjects = {row["key"]: row for row in usage}
    entries = []
    for subject in list(subjects) + [s for s in questions if s not in subjects]:
        figures = questions.get(subject, Responses()).figures(0)
        entries.append({
            "subject": subject,
            "views": subjects[subject]["views"] if subject in subjects else 0,
            "asked": figures["asked"],
            "answered": figures["answered"],
        })
    return entries


def school_report(school: School, period: Period) -> dict:
    """What the school dashboard and CSV show: S plus daily series and breakdowns."""
    totals = school_totals([school.id], period).get(school.id, SchoolTotals())
    rows = question_rows(school.id, period)
    stats, usage = _school_stats(school, period, totals, rows)
    target = target_minutes()
    return {
        "stats": stats,
        "daily": _daily_series(daily_rows(school.id, period), period),
        "usage": usage,
        "subjects_qa": _qa_rows(_group_responses(rows, lambda r: r.subject), target, _subject_label),
        "teachers": _qa_rows(
            _group_responses([r for r in rows if r.teacher_id], lambda r: r.teacher_id),
            target, _teacher_names([r.teacher_id for r in rows if r.teacher_id]).get,
        ),
    }


def _subject_label(subject) -> str:
    return subject or "未分学科"


def _teacher_names(ids) -> dict:
    if not ids:
        return {}
    query = select(User.id, User.display_name).where(User.id.in_(set(ids)))
    return dict(db.session.execute(query).all())


def _qa_rows(groups: dict, target: int, label) -> list[dict]:
    rows = [{"label": label(key) or f"#{key}", **responses.figures(target)} for key, responses in groups.items()]
    rows.sort(key=lambda row: row["label"])
    return rows


def _daily_series(rows, period: Period) -> list[dict]:
    by_day = {day: (active, weekly, views, sample) for day, active, weekly, views, sample in rows}
    series = []
    for offset in range(period.days):
        day = period.first + timedelta(days=offset)
        active, weekly, views, sample = by_day.get(day, (0, 0, 0, ""))
        series.append({
            "day": day.isoformat(),
            "active_students": shown(active, active),
            "weekly_active_students": shown(weekly, weekly),
            "views": shown(views, len(Sample(sample))),
        })
    return series


# --- one teacher ----------------------------------------------------------------------------------


def teacher_report(teacher: User, period: Period) -> dict:
    """A teacher's own first-response figures, overall and per subject."""
    query = select(
        QuestionDaily.subject, QuestionDaily.asked, QuestionDaily.answered,
        QuestionDaily.response_minutes, QuestionDaily.asker_sample,
    ).where(QuestionDaily.teacher_id == teacher.id, _in_period(QuestionDaily, period))
    rows = db.session.execute(query).all()
    target = target_minutes()
    overall = Responses()
    for row in rows:
        overall.add(0, row.answered, row.response_minutes, row.asker_sample)
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "overall": overall.figures(target),
        "subjects": _qa_rows(_group_responses(rows, lambda r: r.subject), target, _subject_label),
    }


# --- the district -----------------------------------------------------------------------------


def all_schools() -> list[School]:
    """Every school, by code."""
    return list(db.session.scalars(select(School).order_by(School.code)))


def district_stats(period: Period) -> dict:
    """{"from", "to", "schools": [S…]}: every school's S."""
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "schools": [school_stats(school, period) for school in all_schools()],
    }


def _per_student(value, enrolled: int):
    if value == HIDDEN or not enrolled:
        return HIDDEN if value == HIDDEN else None
    return round(value / enrolled, 2)


def district_report(period: Period) -> dict:
    """The district dashboard: schools side by side (least use first) and slowest subjects."""
    schools = all_schools()
    ids = [school.id for school in schools]
    totals = school_totals(ids, period)
    enrolled = enrolled_students(ids)
    target = target_minutes()
    entries = [
        _district_entry(school, totals.get(school.id, SchoolTotals()), enrolled.get(school.id, 0),
                        target)
        for school in schools
    ]
    entries.sort(key=lambda e: (_sortable(e["views_per_student"]), e["code"]))
    subjects = _qa_rows(_subject_responses(period), target, _subject_label)
    subjects.sort(key=lambda s: -_sortable(s["median_first_response_minutes"]))
    return {"from": period.first.isoformat(), "to": period.last.isoformat(),
            "schools": entries, "subjects": subjects, "target_minutes": target}


def _sortable(value) -> float:
    return value if isinstance(value, (int, float)) else -1


def _subject_responses(period: Period) -> dict:
    columns = ("subject", "asked", "answered", "response_minutes", "asker_sample")
    rows = _rows_over(SubjectDaily, SubjectMonthly, columns, period)
    return _group_responses(rows, lambda row: row.subject)


def _district_entry(school, totals: SchoolTotals, enrolled: int, target) -> dict:
    views = shown(totals.views, len(totals.view_sample))
    active = shown(totals.active_students, totals.active_students)
    watch = shown(round(totals.watch_seconds / 60), len(totals.watch_sample))
    return {
        "code": school.code,
        "name": school.name,
        "enrolled_students": shown(enrolled, enrolled),
        "active_students": active,
        "active_share": _per_student(active, enrolled),
        "views": views,
        "views_per_student": _per_student(views, enrolled),
        "watch_minutes": watch,
        "watch_minutes_per_student": _per_student(watch, enrolled),
        "searches": shown(totals.searches, len(totals.search_sample)),
        "questions": totals.questions.figures(target),
    }


def last_rollup_at():
    """When the newest rollup row was built, or None."""
    return db.session.scalar(select(func.max(SchoolDaily.built_at)))
