"""Daily rollups: turn one local day's raw events into the rows the dashboards read.

Building a day deletes and rebuilds that day's rollup rows in one transaction, so it is safe to
re-run for any day (as long as its raw events are still kept).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, case, delete, func, or_, select

from hplearn.errors import DomainError
from hplearn.extensions import db
from hplearn.stats.models import (
    MonthBuilt,
    QuestionDaily,
    QuestionMonthly,
    ResourceDaily,
    ResourceMonthly,
    SchoolDaily,
    SchoolMonthly,
    SearchDaily,
    SearchMonthly,
    StatEvent,
    SubjectDaily,
    SubjectMonthly,
    UsageDaily,
    UsageMonthly,
)
from hplearn.timeutil import local_date, utcnow

SAMPLE_SIZE = 5
PERSON_KEY_LENGTH = 16
FULL_SAMPLE_LENGTH = SAMPLE_SIZE * (PERSON_KEY_LENGTH + 1) - 1  # five keys and four commas
DEFAULT_RETENTION_DAYS = 180
RAW_COLUMNS = (
    "kind", "school_id", "student_id", "person", "teacher_id", "resource_id", "question_id",
    "stage", "grade", "subject", "topic_id", "resource_kind", "query", "value",
)


class Sample:
    """Up to five distinct person keys.

    The union of the samples of several rows has at least five keys exactly when the rows
    together involve at least five distinct people, which is all the "<5" rule needs.
    """

    __slots__ = ("keys",)

    def __init__(self, text: str = ""):
        self.keys = set(text.split(",")) if text else set()

    def add(self, key: str | None) -> None:
        if key and len(self.keys) < SAMPLE_SIZE:
            self.keys.add(key)

    def merge(self, text: str) -> None:
        if text and len(self.keys) < SAMPLE_SIZE:
            self.keys.update(text.split(","))

    def __len__(self) -> int:
        return len(self.keys)

    def __str__(self) -> str:
        return ",".join(sorted(self.keys)[:SAMPLE_SIZE])


@dataclass
class Counter:
    """Sums and a sample of the people behind them."""

    views: int = 0
    watch_seconds: int = 0
    sample: Sample = field(default_factory=Sample)


@dataclass
class SchoolTotals:
    students: set = field(default_factory=set)
    weekly_students: set = field(default_factory=set)
    sign_ins: int = 0
    views: int = 0
    anonymous_views: int = 0
    watch_seconds: int = 0
    searches: int = 0
    zero_result_searches: int = 0
    view_sample: Sample = field(default_factory=Sample)
    watch_sample: Sample = field(default_factory=Sample)
    search_sample: Sample = field(default_factory=Sample)


@dataclass
class QuestionTotals:
    asked: set = field(default_factory=set)
    claimed: set = field(default_factory=set)
    answered: set = field(default_factory=set)
    accepted: set = field(default_factory=set)
    response_minutes: dict = field(default_factory=lambda: defaultdict(int))
    sample: Sample = field(default_factory=Sample)


RESPONSE_STEPS = ((60, 1), (360, 5), (2880, 30))
LONG_RESPONSE_STEP = 360


def response_bucket(minutes: int) -> int:
    """First-response minutes rounded up: to 1 min within an hour, 5 min within 6 hours,
    30 min within 2 days, 6 hours beyond (keeps histograms small; never flatters)."""
    for limit, step in RESPONSE_STEPS:
        if minutes <= limit:
            return -(-minutes // step) * step
    return -(-minutes // LONG_RESPONSE_STEP) * LONG_RESPONSE_STEP


def student_bitmap(student_ids) -> tuple[int, bytes]:
    """(offset, little-endian bitmap) of a set of student ids."""
    bits = 0
    for student_id in student_ids:
        bits |= 1 << student_id
    return bitmap_bytes(bits)


def bitmap_bytes(bits: int) -> tuple[int, bytes]:
    """(offset of the lowest set bit, the bitmap from there as little-endian bytes)."""
    if not bits:
        return 0, b""
    offset = (bits & -bits).bit_length() - 1
    bits >>= offset
    return offset, bits.to_bytes((bits.bit_length() + 7) // 8, "little")


class DayRollup:
    """Aggregates of one day's events, ready to be written."""

    def __init__(self, day: date):
        self.day = day
        self.schools: dict = defaultdict(SchoolTotals)
        self.usage: dict = defaultdict(Counter)
        self.resources: dict = defaultdict(Counter)
        self.searches: dict = defaultdict(lambda: [0, 0, Sample()])
        self.questions: dict = defaultdict(QuestionTotals)
        self.school_questions: dict = defaultdict(QuestionTotals)
        self.subject_questions: dict = defaultdict(QuestionTotals)

    def add(self, event: dict, askers: dict) -> None:
        handler = getattr(self, "_" + event["kind"], None)
        if event["student_id"] is not None:
            self.schools[event["school_id"]].students.add(event["student_id"])
        if handler is not None:
            handler(event, askers)

    def _view(self, event, askers) -> None:
        school = self.schools[event["school_id"]]
        school.views += 1
        school.anonymous_views += 1 if event["value"] else 0
        school.view_sample.add(_student(event))
        for counter in self._counters(event):
            counter.views += 1
            counter.sample.add(_student(event))

    def _watch(self, event, askers) -> None:
        seconds = event["value"] or 0
        school = self.schools[event["school_id"]]
        school.watch_seconds += seconds
        school.watch_sample.add(_student(event))
        for counter in self._counters(event):
            counter.watch_seconds += seconds
            counter.sample.add(_student(event))

    def _search(self, event, askers) -> None:
        zero = 1 if not event["value"] else 0
        school = self.schools[event["school_id"]]
        school.searches += 1
        school.zero_result_searches += zero
        # A search keeps a searcher's key only for a student (hplearn.stats.events).
        school.search_sample.add(event["person"])
        row = self.searches[(event["school_id"], event["query"])]
        row[0] += 1
        row[1] += zero
        row[2].add(event["person"])

    def _sign_in(self, event, askers) -> None:
        self.schools[event["school_id"]].sign_ins += 1

    def _question(self, event, askers, bucket: str) -> list[QuestionTotals]:
        # The same figures per teacher row, per school (district page) and per subject.
        key = (event["school_id"], event["subject"], event["grade"], event["teacher_id"])
        asker = _asker(event) or askers.get(event["question_id"])
        groups = (
            self.questions[key],
            self.school_questions[event["school_id"]],
            self.subject_questions[event["subject"]],
        )
        for totals in groups:
            getattr(totals, bucket).add(event["question_id"])
            totals.sample.add(asker)
        return groups

    def _question_asked(self, event, askers) -> None:
        self._question(event, askers, "asked")

    def _question_claimed(self, event, askers) -> None:
        self._question(event, askers, "claimed")

    def _question_accepted(self, event, askers) -> None:
        self._question(event, askers, "accepted")

    def _question_answered(self, event, askers) -> None:
        for totals in self._question(event, askers, "answered"):
            if event["value"] is not None:
                totals.response_minutes[str(response_bucket(event["value"]))] += 1

    def _usage_counter(self, event) -> Counter:
        key = (
            event["school_id"], event["stage"], event["grade"], event["subject"],
            event["topic_id"], event["resource_kind"],
        )
        return self.usage[key]

    def _counters(self, event) -> list[Counter]:
        counters = [self._usage_counter(event)]
        if event["resource_id"] is not None:
            counters.append(self.resources[(event["school_id"], event["resource_id"])])
        return counters

    def rows(self) -> dict:
        """The rollup rows of this day, per model."""
        return {
            SchoolDaily: [self._school_row(sid, t) for sid, t in self._all_schools()],
            SubjectDaily: [self._subject_row(k, t) for k, t in self.subject_questions.items()],
            UsageDaily: [self._usage_row(k, c) for k, c in self.usage.items()],
            ResourceDaily: [self._resource_row(k, c) for k, c in self.resources.items()],
            SearchDaily: [self._search_row(k, v) for k, v in self.searches.items()],
            QuestionDaily: [self._question_row(k, t) for k, t in self.questions.items()],
        }

    def _all_schools(self):
        for school_id in self.school_questions:  # a school with only Q&A still gets a row
            self.schools.setdefault(school_id, SchoolTotals())
        return self.schools.items()

    def _school_row(self, school_id, totals: SchoolTotals) -> dict:
        offset, bits = student_bitmap(totals.students)
        questions = self.school_questions.get(school_id, QuestionTotals())
        return {
            "day": self.day, "school_id": school_id,
            "active_students": len(totals.students),
            "weekly_active_students": len(totals.weekly_students | totals.students),
            "active_offset": offset, "active_bits": bits,
            "sign_ins": totals.sign_ins, "views": totals.views,
            "anonymous_views": totals.anonymous_views, "watch_seconds": totals.watch_seconds,
            "searches": totals.searches, "zero_result_searches": totals.zero_result_searches,
            "view_sample": str(totals.view_sample), "watch_sample": str(totals.watch_sample),
            "search_sample": str(totals.search_sample), "built_at": utcnow(),
            "asked": len(questions.asked), "answered": len(questions.answered),
            "response_minutes": dict(questions.response_minutes),
            "asker_sample": str(questions.sample),
        }

    def _subject_row(self, subject, totals: QuestionTotals) -> dict:
        return {
            "day": self.day, "subject": subject, "asked": len(totals.asked),
            "answered": len(totals.answered), "response_minutes": dict(totals.response_minutes),
            "asker_sample": str(totals.sample),
        }

    def _usage_row(self, key, counter: Counter) -> dict:
        school_id, stage, grade, subject, topic_id, kind = key
        return {
            "day": self.day, "school_id": school_id, "stage": stage, "grade": grade,
            "subject": subject, "topic_id": topic_id, "resource_kind": kind,
            "views": counter.views, "watch_seconds": counter.watch_seconds,
            "people_sample": str(counter.sample),
        }

    def _resource_row(self, key, counter: Counter) -> dict:
        school_id, resource_id = key
        return {
            "day": self.day, "school_id": school_id, "resource_id": resource_id,
            "views": counter.views, "watch_seconds": counter.watch_seconds,
            "people_sample": str(counter.sample),
        }

    def _search_row(self, key, value) -> dict:
        school_id, query = key
        searches, zero_results, sample = value
        return {
            "day": self.day, "school_id": school_id, "query": query, "searches": searches,
            "zero_results": zero_results, "people_sample": str(sample),
        }

    def _question_row(self, key, totals: QuestionTotals) -> dict:
        school_id, subject, grade, teacher_id = key
        return {
            "day": self.day, "school_id": school_id, "subject": subject, "grade": grade,
            "teacher_id": teacher_id, "asked": len(totals.asked), "claimed": len(totals.claimed),
            "answered": len(totals.answered), "accepted": len(totals.accepted),
            "response_minutes": dict(totals.response_minutes),
            "asker_sample": str(totals.sample),
        }


def _student(event: dict) -> str | None:
    """The person key of a student's event; None for staff and visitors, who are not
    counted by the "<5" rule (five people of whom four are teachers are one student)."""
    return event["person"] if event["student_id"] is not None else None


def _asker(event: dict) -> str | None:
    # Asked and accepted events are the student's own; claims and answers carry the key of
    # the asker only when the asker is a student (hplearn.stats.events).
    if event["kind"] in ("question_asked", "question_accepted"):
        return _student(event)
    return event["person"]


def _day_events(day: date) -> list[dict]:
    columns = [getattr(StatEvent, name) for name in RAW_COLUMNS]
    result = db.session.execute(select(*columns).where(StatEvent.day == day))
    return [dict(zip(RAW_COLUMNS, row, strict=True)) for row in result]


def _weekly_students(day: date) -> dict:
    query = (
        select(StatEvent.school_id, StatEvent.student_id)
        .where(StatEvent.day.between(day - timedelta(days=6), day))
        .where(StatEvent.student_id.is_not(None))
        .distinct()
    )
    students = defaultdict(set)
    for school_id, student_id in db.session.execute(query):
        students[school_id].add(student_id)
    return students


def _askers(events: list[dict]) -> dict:
    # Answers and claims carry the teacher; the "<5 students" rule needs the askers.
    wanted = {
        e["question_id"] for e in events
        if e["kind"] in ("question_claimed", "question_answered") and not e["person"]
    }
    if not wanted:
        return {}
    query = select(StatEvent.question_id, StatEvent.person).where(
        StatEvent.kind == "question_asked", StatEvent.question_id.in_(wanted),
        StatEvent.student_id.is_not(None),
    )
    return dict(db.session.execute(query).all())


class RollupError(DomainError):
    """A rollup that would lose data."""


def build_day(day: date) -> dict:
    """Rebuild the rollup rows of one local day and its month; return rows per table.

    Raises RollupError for a day whose raw events were already deleted (its rollup is kept).
    """
    if day < retention_cutoff():
        raise RollupError(f"raw events of {day} are past the retention period; rollup kept")
    events = _day_events(day)
    rollup = DayRollup(day)
    askers = _askers(events)
    for event in events:
        rollup.add(event, askers)
    for school_id, students in _weekly_students(day).items():
        rollup.schools[school_id].weekly_students = students
    rows = rollup.rows()
    old = _school_ids_of(day)
    try:
        for model, model_rows in rows.items():
            db.session.execute(delete(model).where(model.day == day, *_schools_of_day(model, old)))
            if model_rows:
                db.session.execute(model.__table__.insert(), model_rows)
        counts = {model.__tablename__: len(model_rows) for model, model_rows in rows.items()}
        counts.update(build_month(day.replace(day=1)))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return counts


def _school_ids_of(day: date) -> set:
    # Every school in any of a day's rollup rows also has a stat_school_daily row that day.
    return set(db.session.scalars(select(SchoolDaily.school_id).where(SchoolDaily.day == day)))


def _schools_of_day(model, school_ids: set) -> list:
    """A condition on school_id that lets the (school_id, day) index find a day's rows."""
    if "school_id" not in model.__table__.columns or model is SchoolDaily:
        return []
    known = [school_id for school_id in school_ids if school_id is not None]
    return [or_(model.school_id.in_(known), model.school_id.is_(None))]


USAGE_KEYS = ("school_id", "stage", "grade", "subject", "topic_id", "resource_kind")
QUESTION_KEYS = ("school_id", "subject", "grade", "teacher_id")
# Merged in Python: bitmaps and response-time histograms.
MONTHLY_SOURCES = {
    SchoolMonthly: (SchoolDaily, ("school_id",)),
    SubjectMonthly: (SubjectDaily, ("subject",)),
    QuestionMonthly: (QuestionDaily, QUESTION_KEYS),
}
# Merged by the database: sums and one sample per group (the bulk of the rows).
SUMMED_SOURCES = {
    UsageMonthly: (UsageDaily, USAGE_KEYS, ("views", "watch_seconds")),
    ResourceMonthly: (ResourceDaily, ("school_id", "resource_id"), ("views", "watch_seconds")),
    SearchMonthly: (SearchDaily, ("school_id", "query"), ("searches", "zero_results")),
}
MONTHLY_MODELS = (*MONTHLY_SOURCES, *SUMMED_SOURCES)
# Bump when what build_month writes changes: months built before are read from their days
# until merged again (merge_missing_months).
MONTHS_VERSION = 2
ASKER_SAMPLES = {"asked_sample": "asked", "answered_sample": "answered"}
MERGED_APART = {"id", "day", "built_at", "active_offset", "active_bits", "response_minutes",
                *ASKER_SAMPLES}


def _merge_rows(model, keys, rows) -> dict:
    """One monthly row from daily rows: sums, bitmap union, sample union, merged histograms."""
    columns = set(model.__table__.columns.keys())
    samples = {column: Sample() for column in columns - MERGED_APART if column.endswith("_sample")}
    askers = {column: Sample() for column in columns & set(ASKER_SAMPLES)}
    sums = dict.fromkeys(columns - MERGED_APART - set(keys) - set(samples), 0)
    minutes: dict = defaultdict(int)
    bits = 0
    for row in rows:
        for column in sums:
            sums[column] += getattr(row, column) or 0
        for column, sample in samples.items():
            sample.merge(getattr(row, column))
        for column, sample in askers.items():
            # The askers behind "asked" are those of days with questions asked; likewise answered.
            if getattr(row, ASKER_SAMPLES[column]):
                sample.merge(row.asker_sample)
        for value, count in (getattr(row, "response_minutes", None) or {}).items():
            minutes[value] += count
        if getattr(row, "active_bits", None):
            bits |= int.from_bytes(row.active_bits, "little") << row.active_offset
    merged = {**sums, **{column: str(s) for column, s in (samples | askers).items()}}
    if "response_minutes" in columns:
        merged["response_minutes"] = dict(minutes)
    if "active_bits" in columns:
        merged["active_offset"], merged["active_bits"] = bitmap_bytes(bits)
        merged["built_at"] = utcnow()
    return merged


def _joined(column):
    """The group's values joined by commas (NULLs skipped), in either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.string_agg(column, ",")
    return func.group_concat(column, ",")


def grouped_sample(column) -> tuple:
    """(one full sample of the group or NULL, the group's shorter samples joined): aggregates
    from which group_sample() gives the group's sample, without fetching every row's.

    A full sample (five keys) of any row already proves five people; only groups without
    one need the shorter samples' union.
    """
    length = func.length(column)
    full = func.max(case((length >= FULL_SAMPLE_LENGTH, column), else_=None))
    short = _joined(case((and_(length > 0, length < FULL_SAMPLE_LENGTH), column), else_=None))
    return full, short


def group_sample(full: str | None, short: str | None) -> Sample:
    """The sample of a group from the two aggregates of grouped_sample()."""
    return Sample(full or ",".join(key for key in (short or "").split(",") if key))


def _summed_rows(month: date, following: date, daily, keys, measures) -> list[dict]:
    """Monthly rows of a table of sums and samples, grouped by the database."""
    query = (
        select(*(getattr(daily, key) for key in keys),
               *(func.sum(getattr(daily, m)) for m in measures), *grouped_sample(daily.people_sample))
        .where(daily.day >= month, daily.day < following)
        .group_by(*(getattr(daily, key) for key in keys))
    )
    rows = []
    for row in db.session.execute(query):
        *values, full_sample, short_samples = row
        merged = group_sample(full_sample, short_samples)
        rows.append({
            "day": month, **dict(zip(keys, values[:len(keys)], strict=True)),
            **{m: int(v or 0) for m, v in zip(measures, values[len(keys):], strict=True)},
            "people_sample": str(merged),
        })
    return rows


def build_month(month: date) -> dict:
    """Rebuild the monthly rows of the month starting on `month` from its daily rows."""
    following = (month + timedelta(days=32)).replace(day=1)
    counts = {}
    for monthly, (daily, keys) in MONTHLY_SOURCES.items():
        query = select(*daily.__table__.columns).where(daily.day >= month, daily.day < following)
        groups = defaultdict(list)
        for row in db.session.execute(query):
            groups[tuple(getattr(row, key) for key in keys)].append(row)
        new_rows = [
            {"day": month, **dict(zip(keys, group_key, strict=True)),
             **_merge_rows(monthly, keys, group_rows)}
            for group_key, group_rows in groups.items()
        ]
        counts[monthly.__tablename__] = _replace_month(monthly, month, new_rows)
    for monthly, (daily, keys, measures) in SUMMED_SOURCES.items():
        new_rows = _summed_rows(month, following, daily, keys, measures)
        counts[monthly.__tablename__] = _replace_month(monthly, month, new_rows)
    built = db.session.get(MonthBuilt, month) or MonthBuilt(month=month)
    built.version, built.built_at = MONTHS_VERSION, utcnow()
    db.session.add(built)
    db.session.flush()
    return counts


def _replace_month(monthly, month: date, new_rows: list[dict]) -> int:
    db.session.execute(delete(monthly).where(monthly.day == month))
    if new_rows:
        db.session.execute(monthly.__table__.insert(), new_rows)
    return len(new_rows)


def built_months(months) -> set[date]:
    """Which of these months have monthly rows of the current version."""
    if not months:
        return set()
    query = select(MonthBuilt.month).where(
        MonthBuilt.month.in_(list(months)), MonthBuilt.version == MONTHS_VERSION)
    return set(db.session.scalars(query))


def merge_missing_months(limit: int = 3) -> list[date]:
    """Merge up to `limit` past months that have daily rows but no current monthly rows
    (after an upgrade, or a month whose days were rebuilt by hand); return them, newest first."""
    first_day = db.session.scalar(select(func.min(SchoolDaily.day)))
    if first_day is None:
        return []
    month, this_month = first_day.replace(day=1), local_date(utcnow()).replace(day=1)
    months = []
    while month <= this_month:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    missing = sorted(set(months) - built_months(months), reverse=True)[:limit]
    for month in missing:
        try:
            build_month(month)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return missing


def retention_days() -> int:
    """How many days raw events are kept (STATS_RETENTION_DAYS, default 180)."""
    return int(current_app.config.get("STATS_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def retention_cutoff(today: date | None = None) -> date:
    """The oldest day whose raw events are kept."""
    return (today or local_date(utcnow())) - timedelta(days=retention_days())


def delete_old_events(today: date | None = None) -> int:
    """Delete raw events older than the retention period; rollups stay."""
    cutoff = retention_cutoff(today)
    result = db.session.execute(delete(StatEvent).where(StatEvent.day < cutoff))
    db.session.commit()
    return result.rowcount or 0


def days_between(first: date, last: date):
    """Every day from first to last, inclusive."""
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)
