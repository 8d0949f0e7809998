"""Statistics reports: one school (S and the dashboard), one teacher, the whole district."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hplearn.accounts.models import School, User
from hplearn.extensions import db
from hplearn.stats.figures import (
    HIDDEN,
    Responses,
    SchoolTotals,
    daily_rows,
    empty_breakdown,
    enrolled_students,
    group_responses,
    in_period,
    question_rows,
    rows_over,
    school_totals,
    shown,
    target_minutes,
    top_resources,
    top_searches,
    usage_breakdown,
)
from hplearn.stats.models import QuestionDaily, SchoolDaily, SubjectDaily, SubjectMonthly
from hplearn.stats.period import Period
from hplearn.stats.rollup import Sample
from hplearn.vocab import subject_order

# --- one school ----------------------------------------------------------------------------------


def _gather(schools, period: Period, *, response_times: bool = False) -> dict:
    """Everything S needs, for several schools at once (a few queries, not a few per school).

    response_times: also the per-subject and per-teacher first-response histograms.
    """
    ids = [school.id for school in schools]
    questions = question_rows(ids, period, response_times=response_times)
    return {
        "totals": school_totals(ids, period),
        "enrolled": enrolled_students(ids),
        "questions": questions,
        "subject_questions": {
            school_id: group_responses(rows, lambda row: row.subject)
            for school_id, rows in questions.items()
        },
        "usage": usage_breakdown(ids, period),
        "resources": top_resources(ids, period),
        **top_searches(ids, period),
    }


def school_stats(school: School, period: Period) -> dict:
    """S: the statistics of one school over the period, exactly as the API returns them."""
    return _school_stats(school, period, _gather([school], period))


def schools_stats(schools, period: Period) -> list[dict]:
    """S of each school."""
    data = _gather(schools, period)
    return [_school_stats(school, period, data) for school in schools]


def _school_stats(school: School, period: Period, data: dict) -> dict:
    totals = data["totals"].get(school.id, SchoolTotals())
    enrolled = data["enrolled"].get(school.id, 0)
    usage = data["usage"].get(school.id, empty_breakdown())
    return {
        "school": school.code,
        "school_name": school.name,
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "enrolled_students": shown(enrolled, enrolled),
        "active_students": shown(totals.active_students, totals.active_students),
        "views": shown(totals.views, len(totals.view_sample)),
        "watch_minutes": shown(round(totals.watch_seconds / 60), len(totals.watch_sample)),
        "searches": shown(totals.searches, len(totals.search_sample)),
        "zero_result_search_count": shown(totals.zero_result_searches, len(totals.search_sample)),
        "top_resources": data["resources"].get(school.id, []),
        "top_searches": data["searches"].get(school.id, []),
        "zero_result_searches": data["zero_results"].get(school.id, []),
        "questions": totals.questions.figures(target_minutes()),
        "by_subject": _by_subject(usage["subject"], data["subject_questions"].get(school.id, {})),
    }


def _by_subject(usage: list[dict], questions: dict) -> list[dict]:
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
    data = _gather([school], period, response_times=True)
    rows = data["questions"].get(school.id, [])
    target = target_minutes()
    return {
        "stats": _school_stats(school, period, data),
        "daily": _daily_series(daily_rows(school.id, period), period),
        "usage": data["usage"].get(school.id, empty_breakdown()),
        "subjects_qa": _qa_rows(data["subject_questions"].get(school.id, {}), target, _subject_label,
                                order=subject_order),
        "teachers": _qa_rows(
            group_responses([r for r in rows if r.teacher_id], lambda r: r.teacher_id),
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


def _qa_rows(groups: dict, target: int, label, order=None) -> list[dict]:
    rows = [
        {"label": label(key) or f"#{key}", **responses.figures(target)}
        for key, responses in groups.items()
    ]
    rows.sort(key=lambda row: order(row["label"]) if order else row["label"])
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
    ).where(QuestionDaily.teacher_id == teacher.id, in_period(QuestionDaily, period))
    rows = db.session.execute(query).all()
    target = target_minutes()
    overall = Responses()
    for row in rows:
        overall.add(0, row.answered, row.response_minutes, row.asker_sample)
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "overall": overall.figures(target),
        "subjects": _qa_rows(group_responses(rows, lambda r: r.subject), target, _subject_label,
                             order=subject_order),
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
        "schools": schools_stats(all_schools(), period),
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
    rows = rows_over(SubjectDaily, SubjectMonthly, columns, period)
    return group_responses(rows, lambda row: row.subject)


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
    # The newest row is the last built (ids only grow); no scan of the whole table.
    return db.session.scalar(select(SchoolDaily.built_at).order_by(SchoolDaily.id.desc()).limit(1))
