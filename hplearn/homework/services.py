"""Recording homework minutes and reading them against the plan's limits.

Limits (双减 plan, art. 6): grades 1–2 no written homework, 3–6 at most 60 minutes a day,
初中 (7–9) at most 90. A figure built from fewer than five distinct students is "<5".
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from hplearn import policy
from hplearn.accounts.models import School, User
from hplearn.errors import Forbidden, Invalid, NotFound
from hplearn.extensions import db
from hplearn.homework.models import HomeworkReport
from hplearn.stats.period import Period, today
from hplearn.stats.suppression import HIDDEN, Cell
from hplearn.vocab import Role

MAX_MINUTES = 600
DAYS_BACK = 7  # a family may record tonight or catch up on the last week, not rewrite a term
QUICK_MINUTES = (0, 15, 30, 45, 60, 90, 120)


def limit_minutes(grade: int | None) -> int | None:
    """The plan's daily limit of written homework for a grade (None outside grades 1–9)."""
    if grade is None or not 1 <= grade <= 9:
        return None
    return 0 if grade <= 2 else 60 if grade <= 6 else 90


def reportable_students(actor) -> list[User]:
    """Whose evenings the actor records: a student their own, a parent their children's."""
    if policy.is_student(actor):
        return [actor]
    if policy.is_parent(actor):
        return [child for child in actor.children if child.active]
    return []


def _student(actor, student_id) -> User:
    if student_id in (None, ""):
        if policy.is_student(actor):
            return actor
        if policy.is_parent(actor):
            raise Invalid("请选择是哪个孩子的作业时间。", field="student_id")
        raise Forbidden("只有学生本人和绑定的家长可以记录作业时间。")
    try:
        wanted = int(student_id)
    except (TypeError, ValueError):
        raise Invalid("student_id 必须是学生的编号。", field="student_id") from None
    for student in reportable_students(actor):
        if student.id == wanted:
            return student
    if not policy.is_student(actor) and not policy.is_parent(actor):
        raise Forbidden("只有学生本人和绑定的家长可以记录作业时间。")
    raise NotFound("没有找到这个孩子。")


def _day(value, now: date) -> date:
    text = str(value or "").strip()
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise Invalid("日期要写成 YYYY-MM-DD，例如 2026-12-02。", field="date")
    if day > now:
        raise Invalid("还没到这一天，不能提前记录。", field="date")
    if day < now - timedelta(days=DAYS_BACK):
        raise Invalid(f"只能记录今天和前 {DAYS_BACK} 天的作业时间。", field="date")
    return day


def _minutes(value) -> int:
    if isinstance(value, bool):
        value = None
    try:
        minutes = int(str(value).strip()) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        minutes = None
    if minutes is None or not 0 <= minutes <= MAX_MINUTES:
        raise Invalid(f"作业时间要填 0 到 {MAX_MINUTES} 之间的整数（分钟）。", field="minutes")
    return minutes


def record_minutes(actor, student_id, day, minutes, now: date | None = None) -> HomeworkReport:
    """Record (or replace) one evening's written-homework minutes for a student."""
    student = _student(actor, student_id)
    if student.school_id is None or limit_minutes(student.grade) is None:
        raise Invalid("这个账号没有学校或年级，请联系学校管理员补全后再记录。")
    evening, count = _day(day, now or today()), _minutes(minutes)
    report = db.session.scalar(select(HomeworkReport).where(
        HomeworkReport.student_id == student.id, HomeworkReport.day == evening))
    if report is None:
        report = HomeworkReport(student_id=student.id, day=evening)
        db.session.add(report)
    report.school_id, report.grade, report.class_name = student.school_id, student.grade, student.class_name
    report.minutes, report.reported_by_id = count, actor.id
    db.session.commit()
    return report


def recent_reports(student: User, now: date | None = None) -> list[HomeworkReport]:
    """The student's reports of the last week, newest first."""
    since = (now or today()) - timedelta(days=DAYS_BACK)
    return list(db.session.scalars(select(HomeworkReport).where(
        HomeworkReport.student_id == student.id, HomeworkReport.day >= since,
    ).order_by(HomeworkReport.day.desc())))


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A median over some reports, or HIDDEN ones when fewer than five students are behind it."""

    median: float | str
    reports: int | str
    over_share: float | str  # share of reports above the limit
    limit: int | None

    @property
    def exceeds(self) -> bool:
        """Whether a shown median is above the limit."""
        return self.median != HIDDEN and self.limit is not None and self.median > self.limit


def _figure(rows: list[tuple[int, int]], limit: int | None) -> Figure:
    """rows: (student_id, minutes)."""
    if Cell(None, {student for student, _ in rows}).primary():  # the one "<5" rule
        return Figure(HIDDEN, HIDDEN, HIDDEN, limit)
    minutes = [value for _, value in rows]
    over = sum(1 for value in minutes if limit is not None and value > limit)
    return Figure(round(statistics.median(minutes), 1), len(minutes), round(over / len(minutes), 3),
                  limit)


def _school(actor, code: str) -> School:
    school = db.session.scalar(select(School).where(School.code == str(code or "")[:32]))
    if school is None or (policy.is_admin(actor) and not policy.can_view_homework_stats(actor, school.id)):
        raise NotFound("没有找到这所学校。")  # another school's admins learn nothing of it
    if not policy.can_view_homework_stats(actor, school.id):
        raise Forbidden("作业时长统计只给学校管理员和区级管理员看。")
    return school


def _rows(period: Period, school_id: int | None = None):
    query = select(HomeworkReport.school_id, HomeworkReport.grade, HomeworkReport.class_name,
                   HomeworkReport.day, HomeworkReport.student_id, HomeworkReport.minutes).where(
        HomeworkReport.day >= period.first, HomeworkReport.day <= period.last)
    if school_id is not None:
        query = query.where(HomeworkReport.school_id == school_id)
    return db.session.execute(query)


def school_grades(actor, code: str, period: Period) -> tuple[School, list[tuple[int, Figure]]]:
    """Per grade of one school over the period: median minutes against the limit."""
    school = _school(actor, code)
    by_grade: dict[int, list] = defaultdict(list)
    for _, grade, _, _, student, minutes in _rows(period, school.id):
        by_grade[grade].append((student, minutes))
    return school, [(grade, _figure(rows, limit_minutes(grade))) for grade, rows in sorted(by_grade.items())]


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


def school_weeks(actor, code: str, period: Period) -> list[tuple[date, int, str, Figure]]:
    """Per week (its Monday), grade and class: the median minutes against the limit."""
    school = _school(actor, code)
    cells: dict[tuple, list] = defaultdict(list)
    for _, grade, class_name, day, student, minutes in _rows(period, school.id):
        cells[(_week(day), grade, class_name or "未填班级")].append((student, minutes))
    return [(week, grade, class_name, _figure(rows, limit_minutes(grade)))
            for (week, grade, class_name), rows in sorted(cells.items(), key=lambda item: (
                -item[0][0].toordinal(), item[0][1], item[0][2]))]


def district_grades(actor, period: Period) -> list[tuple[School, int, Figure]]:
    """Per school and grade: the median against the limit, schools over it first."""
    if not policy.is_district_admin(actor):
        raise Forbidden("只有区级管理员可以查看全区的作业时长。")
    cells: dict[tuple[int, int], list] = defaultdict(list)
    for school_id, grade, _, _, student, minutes in _rows(period):
        cells[(school_id, grade)].append((student, minutes))
    schools = {school.id: school for school in db.session.scalars(select(School))}
    found = [(schools[school_id], grade, _figure(rows, limit_minutes(grade)))
             for (school_id, grade), rows in cells.items() if school_id in schools]
    return sorted(found, key=lambda item: (not item[2].exceeds, item[0].code, item[1]))


def is_reporter(user) -> bool:
    """Whether the user records homework time (students and parents)."""
    return getattr(user, "role", None) in (Role.STUDENT, Role.PARENT)
