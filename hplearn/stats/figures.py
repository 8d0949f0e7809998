"""Figures read from the rollup tables, as `Cell`s: each value with the students behind it.

The services decide what the "<5" rule hides (hplearn.stats.suppression) once every figure of
a report is known, so that a hidden figure cannot be worked out from the shown ones.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta

from flask import current_app
from sqlalchemy import false, func, or_, select, text, true, tuple_, union_all

from hplearn.accounts.models import User
from hplearn.catalog.models import Resource, Topic
from hplearn.extensions import db
from hplearn.screening import find_personal_information
from hplearn.stats.models import (
    QuestionDaily,
    QuestionMonthly,
    ResourceDaily,
    ResourceMonthly,
    SchoolDaily,
    SchoolMonthly,
    SearchDaily,
    SearchMonthly,
    UsageDaily,
    UsageMonthly,
)
from hplearn.stats.period import Period, split_period
from hplearn.stats.rollup import (
    ASKER_SAMPLES,
    FULL_SAMPLE_LENGTH,
    SAMPLE_SIZE,
    Sample,
    built_months,
    group_sample,
    grouped_sample,
)
from hplearn.stats.suppression import Cell
from hplearn.vocab import Role

DEFAULT_TARGET_MINUTES = 24 * 60
TOP_COUNT = 10
SEARCH_WINDOW = 3  # queries looked at per one listed: some are withheld


def cell(value, people) -> Cell:
    """A figure and the students behind it (a Sample, a count, or a set of person keys)."""
    return Cell(value, people.keys if isinstance(people, Sample) else people)


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

    def add(self, asked, answered, histogram, sample_text, answered_text=None) -> None:
        """Add one row; a daily row has one sample of askers, a monthly row one per count."""
        self.asked += asked
        self.answered += answered
        if asked:
            self.asked_sample.merge(sample_text)
        if answered:
            self.answered_sample.merge(sample_text if answered_text is None else answered_text)
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
        """The Q&A figures of S as cells, each behind the distinct askers it counts."""
        askers = self.answered_sample
        timed = sum(self.minutes.values())
        share = round(self.within(target) / timed, 3) if timed else None
        answered, within = cell(self.answered, askers), cell(self.within(target), askers)
        return {
            "asked": cell(self.asked, self.asked_sample),
            "answered": answered,
            "answered_within_target": within,
            # A share and one of its two counts would give the other one away.
            "answered_within_target_share": Cell(share, askers.keys, follows=(answered, within)),
            "median_first_response_minutes": cell(self.percentile(0.5), askers),
            "p90_first_response_minutes": cell(self.percentile(0.9), askers),
            "target_minutes": target,
        }


# --- queries ---------------------------------------------------------------------------------


def in_period(model, period: Period):
    return model.day.between(period.first, period.last)


def enrolled_students(school_ids) -> dict[int, int]:
    """Active student accounts per school."""
    query = (
        select(User.school_id, func.count())
        .where(User.role == Role.STUDENT, User.active.is_(True), User.school_id.in_(school_ids))
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
        self.questions.add(row.asked, row.answered, row.response_minutes, row.asked_sample,
                           row.answered_sample)

    @property
    def active_students(self) -> int:
        """Distinct students active at least once in the period."""
        return self.active_bits.bit_count()


def split_built(period: Period) -> tuple[list, list]:
    """split_period, with the whole months that have no current monthly rows read as days."""
    ranges, months = split_period(period)
    built = built_months(months)
    for month in months:
        if month not in built:
            end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            ranges.append((month, min(end, period.last)))
    return ranges, [month for month in months if month in built]


def _column(model, name: str):
    # A day has one sample of askers; a month keeps the askers of asked and answered apart.
    if name in ASKER_SAMPLES and name not in model.__table__.columns:
        return model.asker_sample.label(name)
    return getattr(model, name)


def period_selects(daily, monthly, columns, period: Period, where=lambda model: true()) -> list:
    """SELECTs of `daily` for partial months and of `monthly` for whole ones (same columns).

    where: a function of the model giving an extra condition.
    """
    ranges, months = split_built(period)
    selects = []
    if ranges:
        days = or_(false(), *(daily.day.between(a, b) for a, b in ranges))
        selects.append(select(*(_column(daily, name) for name in columns)).where(days, where(daily)))
    if months:
        selects.append(select(*(_column(monthly, name) for name in columns))
                       .where(monthly.day.in_(months), where(monthly)))
    return selects


def rows_over(daily, monthly, columns, period: Period, where=lambda model: true()):
    """Rows of `daily` for partial months and of `monthly` for whole ones."""
    for query in period_selects(daily, monthly, columns, period, where):
        yield from db.session.execute(query)


SCHOOL_COLUMNS = (
    "school_id", "active_offset", "active_bits", "sign_ins", "views", "anonymous_views",
    "watch_seconds", "searches", "zero_result_searches", "view_sample", "watch_sample",
    "search_sample", "asked", "answered", "response_minutes", "asked_sample", "answered_sample",
)


def school_totals(school_ids, period: Period) -> dict[int, SchoolTotals]:
    """Per school: the summed totals of the period."""
    totals: dict[int, SchoolTotals] = defaultdict(SchoolTotals)
    rows = rows_over(SchoolDaily, SchoolMonthly, SCHOOL_COLUMNS, period,
                      lambda model: model.school_id.in_(school_ids))
    for row in rows:
        totals[row.school_id].add(row)
    return totals


def daily_rows(school_ids, period: Period) -> dict[int, list]:
    """Per school, its per-day figures (for the daily chart and table)."""
    query = select(
        SchoolDaily.school_id, SchoolDaily.day, SchoolDaily.active_students,
        SchoolDaily.weekly_active_students, SchoolDaily.views, SchoolDaily.view_sample,
    ).where(SchoolDaily.school_id.in_(school_ids), in_period(SchoolDaily, period))
    rows: dict = defaultdict(list)
    for school_id, *row in db.session.execute(query):
        rows[school_id].append(row)
    return rows


QUESTION_COLUMNS = ("school_id", "subject", "grade", "teacher_id", "asked", "answered",
                    "response_minutes", "asked_sample", "answered_sample")


def question_rows(school_ids, period: Period) -> dict[int, list]:
    """Per school, its Q&A rows in the period: days of partial months, whole months."""
    rows: dict = defaultdict(list)
    for row in rows_over(QuestionDaily, QuestionMonthly, QUESTION_COLUMNS, period,
                         lambda model: model.school_id.in_(school_ids)):
        rows[row.school_id].append(row)
    return rows


def group_responses(rows, key) -> dict:
    groups: dict = defaultdict(Responses)
    for row in rows:
        groups[key(row)].add(row.asked, row.answered, row.response_minutes, row.asked_sample,
                             row.answered_sample)
    return groups


SORT_MEMORY = "64MB"


def _sort_in_memory() -> None:
    """Let PostgreSQL sort a year of a district's search rows in memory for this transaction
    (the default 4 MB spills them to disk: about 2.5 times slower)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))


def _samples_of(tables, key: str, pairs, period: Period) -> dict:
    """{(school_id, key): Sample} over the period, for the given (school_id, key) pairs."""
    samples: dict = defaultdict(Sample)
    if not pairs:
        return samples
    daily, monthly = tables
    for query in period_selects(
        daily, monthly, ("school_id", key, "people_sample"), period,
        lambda model: tuple_(model.school_id, getattr(model, key)).in_(pairs),
    ):
        for school_id, value, keys in db.session.execute(query):
            samples[(school_id, value)].merge(keys)
    return samples


def _period_rows(tables, key: str, measures, school_ids, period: Period):
    """The daily and monthly rows of the period as one subquery (school_id, key, measures…)."""
    daily, monthly = tables
    columns = ("school_id", key, *measures, "people_sample")
    selects = period_selects(daily, monthly, columns, period,
                             lambda model: model.school_id.in_(school_ids))
    if not selects:  # an empty period: no rows, the right columns
        selects = [select(*(getattr(daily, name) for name in columns)).where(false())]
    return (union_all(*selects) if len(selects) > 1 else selects[0]).subquery()


def _top_per_school(tables, key: str, measures, school_ids, period: Period,
                    limit: int) -> dict:
    """{measure: {school_id: [((school_id, key), Cell) …]}}: each school's largest totals of
    each measure (one pass over the rows), each with the students behind it.

    tables: (daily model, monthly model); partial months are read from days, whole months
    from months, and their sums are the same as of the days.
    """
    rows_of = _period_rows(tables, key, measures, school_ids, period)
    key_column = rows_of.c[key]
    totals = {name: func.sum(rows_of.c[name]) for name in measures}
    ranks = {
        name: func.row_number().over(partition_by=rows_of.c.school_id,
                                     order_by=(total.desc(), key_column))
        for name, total in totals.items()
    }
    # A full sample on any row proves five people; only the others need their samples merged.
    widest = func.max(func.length(rows_of.c.people_sample))
    ranked = (
        select(rows_of.c.school_id, key_column.label("key"), widest.label("widest"),
               *(total.label(f"total_{name}") for name, total in totals.items()),
               *(rank.label(f"rank_{name}") for name, rank in ranks.items()))
        .group_by(rows_of.c.school_id, key_column)
        .subquery()
    )
    wanted = [
        (ranked.c[f"rank_{name}"] <= limit) & (ranked.c[f"total_{name}"] > 0) for name in measures
    ]
    _sort_in_memory()
    rows = db.session.execute(select(ranked).where(or_(*wanted))).mappings().all()
    proven = {(r["school_id"], r["key"]) for r in rows if (r["widest"] or 0) >= FULL_SAMPLE_LENGTH}
    unproven = [(r["school_id"], r["key"]) for r in rows if (r["school_id"], r["key"]) not in proven]
    samples = _samples_of(tables, key, unproven, period)

    def people(pair):
        return SAMPLE_SIZE if pair in proven else samples[pair].keys

    result = {}
    for name in measures:
        chosen = sorted(
            (r for r in rows if r[f"rank_{name}"] <= limit and r[f"total_{name}"] > 0),
            key=lambda r: (r["school_id"], r[f"rank_{name}"]),
        )
        per_school: dict = defaultdict(list)
        for r in chosen:
            pair = (r["school_id"], r["key"])
            per_school[r["school_id"]].append((pair, Cell(r[f"total_{name}"], people(pair))))
        result[name] = dict(per_school)
    return result


def top_resources(school_ids, period: Period, limit: int = TOP_COUNT + 1) -> dict[int, list[dict]]:
    """Per school, the most viewed resources: [{"id", "title", "views"}] (one more than is
    shown, so the caller knows whether the list is all there is)."""
    tops = _top_per_school((ResourceDaily, ResourceMonthly), "resource_id", ("views",),
                           school_ids, period, limit)["views"]
    ids = {key for entries in tops.values() for (_, key), _ in entries}
    titles = dict(db.session.execute(select(Resource.id, Resource.title).where(Resource.id.in_(ids))).all())
    return {
        school_id: [
            {"id": rid, "title": titles.get(rid, f"资源 {rid}（已删除）"), "views": views}
            for (_, rid), views in entries
        ]
        for school_id, entries in tops.items()
    }


def top_searches(school_ids, period: Period, limit: int = TOP_COUNT) -> dict[str, dict]:
    """{"searches" | "zero_results": {school_id: [{"query", "count"}]}}: the most frequent
    queries and the most frequent ones that found nothing.

    A query is listed only if five or more distinct students typed it, and never if the
    personal-information screen finds a name, class, number or address in it: what a child
    typed is not shown word for word unless many typed the same.
    """
    tops = _top_per_school((SearchDaily, SearchMonthly), "query", ("searches", "zero_results"),
                           school_ids, period, limit * SEARCH_WINDOW)
    return {
        name: {
            school_id: [{"query": text, "count": count} for (_, text), count in entries
                        if listable_query(text, count)][:limit]
            for school_id, entries in per_school.items()
        }
        for name, per_school in tops.items()
    }


def listable_query(text: str, count: Cell) -> bool:
    """Whether a search text may be listed: five or more students, nothing personal in it."""
    return not count.primary() and not find_personal_information(text)


USAGE_DIMENSIONS = (("subject", 1), ("topic", 2), ("grade", 3), ("kind", 4))


USAGE_KEYS = ("subject", "topic_id", "grade", "resource_kind")


def usage_breakdown(school_ids, period: Period) -> dict[int, dict[str, list[dict]]]:
    """Per school, views and watch minutes by subject, topic, grade and kind, each masked."""
    columns = ("school_id", *USAGE_KEYS, "views", "watch_seconds", "people_sample")
    selects = period_selects(UsageDaily, UsageMonthly, columns, period,
                             lambda model: model.school_id.in_(school_ids))
    groups: dict = defaultdict(
        lambda: {name: defaultdict(lambda: [0, 0, Sample()]) for name, _ in USAGE_DIMENSIONS}
    )
    if selects:
        # The database sums the days and months per school × subject × topic × grade × kind
        # (thousands of rows a year for tens of thousands); Python merges those per dimension.
        rows_of = (union_all(*selects) if len(selects) > 1 else selects[0]).subquery()
        keys = [rows_of.c.school_id, *(rows_of.c[key] for key in USAGE_KEYS)]
        query = select(*keys, func.sum(rows_of.c.views), func.sum(rows_of.c.watch_seconds),
                       *grouped_sample(rows_of.c.people_sample)).group_by(*keys)
        for school_id, *row, views, seconds, full, short in db.session.execute(query):
            school, sample = groups[school_id], group_sample(full, short)
            for name, position in USAGE_DIMENSIONS:
                entry = school[name][row[position - 1]]
                entry[0] += views
                entry[1] += seconds
                entry[2].merge(str(sample))
    labels = _topic_names({k for school in groups.values() for k in school["topic"] if k is not None})
    return {
        school_id: {name: _breakdown_rows(name, entries, labels) for name, entries in school.items()}
        for school_id, school in groups.items()
    }


def empty_breakdown() -> dict[str, list]:
    """The breakdown of a school with no usage."""
    return {name: [] for name, _ in USAGE_DIMENSIONS}


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
            "views": cell(views, sample),
            "watch_minutes": cell(round(seconds / 60), sample),
        }
        for key, (views, seconds, sample) in entries.items()
    ]
    rows.sort(key=lambda row: row["label"])
    return rows
