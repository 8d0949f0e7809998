"""Daily rollups: idempotent rebuilds, weekly actives, retention, the "<5" sample rule."""

from __future__ import annotations

from datetime import date, timedelta

import click
import pytest
from sqlalchemy import func, select

from hplearn.extensions import db
from hplearn.stats import rollup
from hplearn.stats.cli import days_to_build
from hplearn.stats.figures import Responses, school_totals
from hplearn.stats.models import QuestionDaily, SchoolDaily, SchoolMonthly, StatEvent, UsageDaily
from hplearn.stats.period import Period, split_period, today
from hplearn.stats.rollup import Sample, student_bitmap
from tests.factories import SchoolDailyFactory, StatEventFactory


def _rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_sample_union_reaches_five_only_with_five_people():
    full, small = Sample(), Sample()
    for key in "abcdefg":
        full.add(key)
    small.add("a")
    small.add("b")
    assert len(full) == 5 and len(str(full).split(",")) == 5
    union = Sample(str(small))
    union.merge("a,c")
    assert len(union) == 3
    union.merge("x,y")
    assert len(union) == 5


def test_student_bitmap_round_trip():
    offset, bits = student_bitmap({1000, 1003, 1010})
    value = int.from_bytes(bits, "little") << offset
    assert value.bit_count() == 3 and value >> 1003 & 1
    assert student_bitmap(set()) == (0, b"")


def test_rebuilding_a_day_is_idempotent(app, school):
    for person in range(6):
        StatEventFactory(school_id=school.id, student_id=100 + person, resource_id=1)
    first = rollup.build_day(today())
    second = rollup.build_day(today())
    assert first == second
    assert _rows(SchoolDaily) == 1 and _rows(UsageDaily) == 1
    row = db.session.scalars(select(SchoolDaily)).one()
    assert (row.views, row.active_students) == (6, 6)


def test_late_events_are_picked_up_by_a_rerun(app, school):
    StatEventFactory(school_id=school.id, student_id=1, resource_id=1)
    rollup.build_day(today())
    StatEventFactory(school_id=school.id, student_id=2, resource_id=1)
    rollup.build_day(today())
    assert db.session.scalar(select(SchoolDaily.views)) == 2


def test_weekly_active_students_look_back_seven_days(app, school):
    StatEventFactory(school_id=school.id, student_id=1, days_ago=6)
    StatEventFactory(school_id=school.id, student_id=2, days_ago=7)
    StatEventFactory(school_id=school.id, student_id=3)
    rollup.build_day(today())
    row = db.session.scalars(select(SchoolDaily)).one()
    assert (row.active_students, row.weekly_active_students) == (1, 2)


def test_distinct_students_over_a_range_are_exact(app, school):
    for days_ago, students in ((0, (1, 2)), (1, (2, 3)), (2, (3, 40))):
        for student_id in students:
            StatEventFactory(school_id=school.id, student_id=student_id, days_ago=days_ago)
        rollup.build_day(today() - timedelta(days=days_ago))
    totals = school_totals([school.id], Period(today() - timedelta(days=2), today()))
    assert totals[school.id].active_students == 4


def test_answers_find_their_askers_for_the_five_student_rule(app, school):
    for question in range(5):
        StatEventFactory(kind="question_asked", school_id=school.id, question_id=question,
                         student_id=question, days_ago=1)
        StatEventFactory(kind="question_answered", school_id=school.id, question_id=question,
                         teacher_id=7, person=None, value=question * 10)
    rollup.build_day(today())
    row = db.session.scalars(select(QuestionDaily).filter_by(teacher_id=7)).one()
    assert row.answered == 5 and len(Sample(row.asker_sample)) == 5
    assert row.response_minutes == {"0": 1, "10": 1, "20": 1, "30": 1, "40": 1}


def test_retention_deletes_old_raw_events_but_keeps_rollups(app, school):
    StatEventFactory(school_id=school.id, days_ago=181)
    StatEventFactory(school_id=school.id, days_ago=179)
    SchoolDailyFactory(school_id=school.id, day=today() - timedelta(days=181), views=1)
    assert rollup.delete_old_events(today()) == 1
    assert _rows(StatEvent) == 1 and _rows(SchoolDaily) == 1


def test_retention_is_configurable(app, school):
    app.config["STATS_RETENTION_DAYS"] = 10
    StatEventFactory(school_id=school.id, days_ago=11)
    assert rollup.delete_old_events(today()) == 1


def test_percentiles_use_nearest_rank():
    responses = Responses()
    responses.add(0, 4, {"5": 1, "10": 2, "100": 1}, "")
    assert responses.percentile(0.5) == 10
    assert responses.percentile(0.9) == 100
    assert responses.within(10) == 3
    assert Responses().percentile(0.5) is None


def test_rollup_command_builds_and_reports(runner, school):
    StatEventFactory(school_id=school.id, student_id=1, days_ago=3)
    day = today() - timedelta(days=3)
    result = runner.invoke(args=["stats", "rollup", "--day", day.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"{day}:" in result.output and "deleted" in result.output
    assert db.session.scalar(select(SchoolDaily.day)) == day
    assert db.session.scalar(select(SchoolMonthly.day)) == day.replace(day=1)


def test_days_past_retention_keep_their_rollup(runner, school):
    old = today() - timedelta(days=200)
    SchoolDailyFactory(school_id=school.id, day=old, views=9)
    result = runner.invoke(args=["stats", "rollup", "--day", old.isoformat()])
    assert result.exit_code == 1 and "retention" in result.output
    assert db.session.scalar(select(SchoolDaily.views)) == 9


def test_months_merge_their_days(app, school):
    first = today().replace(day=1)
    for offset, students in ((0, (1, 2, 3)), (1, (3, 4, 5, 6))):
        day = first + timedelta(days=offset)
        if day > today():
            pytest.skip("too early in the month")
        for student_id in students:
            StatEventFactory(school_id=school.id, student_id=student_id, day=day,
                             kind="question_asked", question_id=student_id * 10 + offset)
        rollup.build_day(day)
    month = db.session.scalars(select(SchoolMonthly)).one()
    assert month.asked == 7 and len(Sample(month.asker_sample)) == 5
    assert (int.from_bytes(month.active_bits, "little") << month.active_offset).bit_count() == 6


@pytest.mark.parametrize(("args", "message"), [
    (["--day", "2026-02-30"], "not a date"),
    (["--day", "2026-03-01", "--from", "2026-03-01"], "either --day"),
    (["--from", "2026-03-05", "--to", "2026-03-01"], "must not be after"),
    (["--from", "2020-01-01", "--to", "2026-01-01"], "at most"),
])
def test_rollup_command_refuses_bad_arguments(runner, args, message):
    result = runner.invoke(args=["stats", "rollup", *args])
    assert result.exit_code == 2 and message in result.output


def test_default_days_are_yesterday_and_today():
    now = date(2026, 5, 1)
    assert days_to_build(None, None, None, now) == (date(2026, 4, 30), now)
    assert days_to_build(None, date(2026, 4, 1), None, now) == (date(2026, 4, 1), now)
    with pytest.raises(click.UsageError):
        days_to_build(now, now, None, now)


def test_whole_months_are_read_from_monthly_rows():
    ranges, months = split_period(Period(date(2026, 1, 15), date(2026, 4, 30)), date(2026, 5, 1))
    assert months == [date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]
    assert ranges == [(date(2026, 1, 15), date(2026, 1, 31))]
    ranges, months = split_period(Period(date(2026, 2, 1), date(2026, 2, 27)), date(2026, 5, 1))
    assert (ranges, months) == ([(date(2026, 2, 1), date(2026, 2, 27))], [])
    ranges, months = split_period(Period(date(2026, 2, 1), date(2026, 2, 27)), date(2026, 2, 27))
    assert (ranges, months) == ([], [date(2026, 2, 1)])


def test_response_times_are_rounded_up_to_coarser_steps_when_long():
    assert [rollup.response_bucket(m) for m in (0, 7, 60, 61, 359, 361, 2000, 2881)] == [
        0, 7, 60, 65, 360, 390, 2010, 3240]


def test_range_totals_are_the_same_from_days_and_months(app, school):
    for days_ago in range(0, 40, 3):
        StatEventFactory(school_id=school.id, student_id=days_ago % 7, days_ago=days_ago)
        rollup.build_day(today() - timedelta(days=days_ago))
    period = Period(today() - timedelta(days=40), today())
    totals = school_totals([school.id], period)[school.id]
    assert totals.views == 14 and totals.active_students == 7


def test_term_start_and_the_common_ranges():
    from hplearn.stats.report_cache import common_periods, term_start

    assert term_start(date(2026, 12, 3)) == date(2026, 9, 1)
    assert term_start(date(2027, 1, 20)) == date(2026, 9, 1)
    assert term_start(date(2027, 3, 5)) == date(2027, 2, 1)
    periods = common_periods(date(2026, 12, 3))  # a Thursday
    assert [(p.first.isoformat(), p.days) for p in periods] == [
        ("2026-11-04", 30), ("2026-11-30", 4), ("2026-12-01", 3), ("2026-09-01", 94),
        ("2025-12-04", 365),
    ]
    assert all(p.last == date(2026, 12, 3) for p in periods)
