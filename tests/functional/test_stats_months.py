"""Reports read whole months from monthly rows and the edges from days: the same as from days."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import delete, func, insert, select

from hplearn.extensions import db
from hplearn.stats import rollup, services
from hplearn.stats.figures import split_built
from hplearn.stats.models import MonthBuilt, QuestionMonthly, ResourceMonthly, StatEvent
from hplearn.stats.period import Period, today
from tests.factories import ResourceFactory, UserFactory

DAYS = 75
SUBJECTS = ("数学", "语文", "英语", "物理")
QUERIES = ("勾股定理", "古诗", "分数", "电路", "光合作用", "作文")


def _event(day, kind, school_id, **values) -> dict:
    occurred = datetime.combine(day, time(4, 0), tzinfo=UTC)
    return {"day": day, "occurred_at": occurred, "kind": kind, "school_id": school_id, **values}


def _student(school_id: int, number: int) -> dict:
    return {"student_id": school_id * 1000 + number, "person": f"s{school_id:04d}{number:011d}"}


def _history(schools, teacher, resources) -> list[dict]:
    """A seeded mix of views, watches, searches and Q&A over DAYS days, small groups included:
    the first school has 12 students, the second 3, so many figures fall under five."""
    rng = random.Random(16)
    rows, question = [], 0
    first = today() - timedelta(days=DAYS)
    for offset in range(DAYS + 1):
        day = first + timedelta(days=offset)
        for school, size in zip(schools, (12, 3), strict=True):
            for _ in range(rng.randrange(0, 12)):
                who = _student(school.id, rng.randrange(size))
                resource = rng.choice(resources)
                common = {"subject": resource.subject, "grade": 7, "resource_id": resource.id,
                          "resource_kind": resource.kind, "stage": "小学", **who}
                rows.append(_event(day, "view", school.id, **common))
                if rng.random() < 0.3:
                    rows.append(_event(day, "watch", school.id, value=rng.randrange(30, 900),
                                       **common))
            for _ in range(rng.randrange(0, 4)):
                rows.append(_event(day, "search", school.id, query=rng.choice(QUERIES),
                                   value=rng.randrange(0, 3), **_student(school.id, rng.randrange(size))))
            if rng.random() < 0.5:
                question += 1
                asker = _student(school.id, rng.randrange(size))
                subject = rng.choice(SUBJECTS)
                common = {"question_id": question, "subject": subject, "grade": 7}
                rows.append(_event(day, "question_asked", school.id, **asker, **common))
                if rng.random() < 0.7:  # answered that day or weeks later, in another month
                    answered = min(today(), day + timedelta(days=rng.choice((0, 1, 9, 25))))
                    rows.append(_event(answered, "question_answered", school.id,
                                       teacher_id=teacher.id, person=asker["person"],
                                       value=rng.randrange(1, 3000), **common))
    return rows


def _reports(schools, teacher, period: Period) -> dict:
    return {
        "district_api": services.district_stats(period),
        "district_page": services.district_report(period),
        "schools": [services.school_report(school, period) for school in schools],
        "teacher": services.teacher_report(teacher, period),
    }


@pytest.fixture
def months_of_activity(app, school, other_school, teacher):
    resources = [ResourceFactory(title=f"资源{n}", subject=SUBJECTS[n % 4], grade=7)
                 for n in range(6)]
    for n in range(12):
        UserFactory(username=f"m{n}", role="student", school=school, grade=7)
    db.session.execute(insert(StatEvent), _history([school, other_school], teacher, resources))
    db.session.commit()
    for day in rollup.days_between(today() - timedelta(days=DAYS), today()):
        rollup.build_day(day)
    return [school, other_school]


def test_reports_over_month_edges_equal_the_reports_from_days(app, months_of_activity, teacher):
    periods = [
        Period(today() - timedelta(days=DAYS - 3), today()),  # to today: the last month whole
        Period(today() - timedelta(days=DAYS), today() - timedelta(days=5)),
        Period(today().replace(day=1) - timedelta(days=40), today().replace(day=1) - timedelta(days=1)),
    ]
    assert db.session.scalar(select(func.count()).select_from(QuestionMonthly))
    assert db.session.scalar(select(func.count()).select_from(ResourceMonthly))
    from_months = {}
    for period in periods:
        assert split_built(period)[1], "some whole month is read from monthly rows"
        from_months[period] = _reports(months_of_activity, teacher, period)
    db.session.execute(delete(MonthBuilt))  # every month read from its days again
    db.session.flush()
    for period in periods:
        assert split_built(period)[1] == []
        from_days = _reports(months_of_activity, teacher, period)
        assert from_months[period] == from_days
    text = repr(from_days)
    assert "<5" in text and "median_first_response_minutes" in text  # the rule spoke


def test_answered_askers_of_a_month_are_those_of_days_with_answers(app, school, teacher):
    """Five students ask on one day and one answer comes another day: the month must not let
    the five askers stand behind the single answer."""
    first = today().replace(day=1) - timedelta(days=40)
    first = first.replace(day=1)
    rows = [_event(first, "question_asked", school.id, question_id=n, subject="数学",
                   **_student(school.id, n)) for n in range(5)]
    rows.append(_event(first + timedelta(days=3), "question_answered", school.id,
                       question_id=99, subject="数学", teacher_id=teacher.id, value=30,
                       person=_student(school.id, 7)["person"]))
    db.session.execute(insert(StatEvent), rows)
    db.session.commit()
    for day in (first, first + timedelta(days=3)):
        rollup.build_day(day)
    month_end = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    period = Period(first, month_end)
    assert split_built(period)[1] == [first]
    stats = services.school_report(school, period)["stats"]["questions"]
    assert stats["asked"] == 5
    assert stats["answered"] == "<5" and stats["median_first_response_minutes"] == "<5"


def test_the_rollup_job_merges_months_left_unmerged(app, months_of_activity):
    months = set(db.session.scalars(select(MonthBuilt.month)))
    db.session.execute(delete(MonthBuilt))
    db.session.commit()
    merged = rollup.merge_missing_months(limit=2)
    assert len(merged) == 2 and merged == sorted(months, reverse=True)[:2]
    rollup.merge_missing_months(limit=10)
    assert set(db.session.scalars(select(MonthBuilt.month))) == months
