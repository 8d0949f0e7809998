"""活动记录: attendance taken by a programme's staff, the school's views of it, and the
teachers' service hours counted from the sessions held (CSV for 绩效 and 职称 review)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from hplearn import policy
from hplearn.accounts.models import School, User
from hplearn.afterschool import rules
from hplearn.afterschool.models import (
    Attendance,
    AttendanceStatus,
    Enrolment,
    EnrolmentStatus,
    Guide,
    Programme,
    SessionHeld,
)
from hplearn.afterschool.services import MAX_ID, today
from hplearn.afterschool.validation import (
    AfterschoolForbidden,
    AfterschoolInvalid,
    AfterschoolNotFound,
    parse_date,
    parse_id_list,
)
from hplearn.audit.services import record
from hplearn.extensions import db
from hplearn.stats.export import safe_cell

STATUSES = {"present": "出勤", "absent": "缺勤", "leave": "请假"}


def attendance_programme(actor, programme_id: int) -> Programme:
    """The programme if the actor takes its attendance: 404 for other schools, 403 otherwise."""
    if not policy.is_staff(actor):
        raise AfterschoolForbidden("只有项目的负责老师可以点名。")
    programme = db.session.get(Programme, programme_id) if 1 <= programme_id <= MAX_ID else None
    if programme is None or not (policy.same_school(actor, programme.school_id)
                                 or policy.is_district_admin(actor)):
        raise AfterschoolNotFound("没有找到这个课后服务项目。")
    if not policy.can_take_attendance(actor, programme):
        raise AfterschoolForbidden("只有这个项目的负责老师可以点名。")
    return programme


def roll(programme: Programme) -> list[User]:
    """The students enrolled in the programme, by grade, class and name."""
    return list(db.session.scalars(
        select(User).join(Enrolment, Enrolment.student_id == User.id)
        .where(Enrolment.programme_id == programme.id, Enrolment.status == EnrolmentStatus.ENROLLED)
        .order_by(User.grade, User.class_name, User.display_name, User.id)))


def session_minutes(programme: Programme, day: date) -> int:
    """How long the programme runs on this date's weekday (0: it does not meet that day)."""
    return sum(end - start for weekday, start, end in map(rules.slot_minutes, programme.slots)
               if weekday == day.isoweekday())


def attendance_on(programme: Programme, day: date) -> dict[int, str]:
    """Student id -> status recorded for the day."""
    return dict(db.session.execute(
        select(Attendance.student_id, Attendance.status)
        .where(Attendance.programme_id == programme.id, Attendance.day == day)).all())


def _check_day(programme: Programme, value) -> date:
    day = parse_date(value, "date", "日期")
    if day is None:
        raise AfterschoolInvalid("date", "请填写点名日期。")
    if day > today():
        raise AfterschoolInvalid("date", "不能为以后的日期点名。")
    if day.isoweekday() > 5 or session_minutes(programme, day) == 0:
        raise AfterschoolInvalid("date", f"“{programme.name}”在{day.isoformat()}这天没有安排活动。")
    return day


@dataclass
class AttendanceTaken:
    """What a roll call recorded."""

    day: date
    present: int
    absent: int
    leave: int


def record_attendance(actor, programme: Programme, day, present, absent, leave) -> AttendanceTaken:
    """Record one session's attendance: every id in exactly one of the three lists, all of them
    enrolled; the session counts for the service hours of the school's teachers on its staff."""
    when = _check_day(programme, day)
    lists = {status: parse_id_list(ids if ids is not None else [], status, STATUSES[status],
                                   limit=5000)
             for status, ids in ((AttendanceStatus.PRESENT, present), (AttendanceStatus.ABSENT, absent),
                                (AttendanceStatus.LEAVE, leave))}
    marks = {}
    for status, ids in lists.items():
        for student_id in ids:
            if student_id in marks:
                raise AfterschoolInvalid(status, f"学生 {student_id} 同时出现在两种状态里。")
            marks[student_id] = status
    if not marks:
        raise AfterschoolInvalid("present", "请至少为一名学生点名。")
    enrolled = {user.id for user in roll(programme)}
    strangers = [i for i in marks if i not in enrolled]
    if strangers:
        listed = ", ".join(map(str, strangers[:10]))
        raise AfterschoolInvalid("present", f"这些学生不在本项目名单里：{listed}。")
    _save_marks(actor, programme, when, marks)
    _save_session(actor, programme, when)
    record(actor, "afterschool.attendance", programme, school_id=programme.school_id,
           day=when.isoformat(), count=len(marks))
    db.session.commit()
    counts = {status: len(ids) for status, ids in lists.items()}
    return AttendanceTaken(when, counts["present"], counts["absent"], counts["leave"])


def _save_marks(actor, programme: Programme, day: date, marks: dict[int, str]) -> None:
    existing = {row.student_id: row for row in db.session.scalars(
        select(Attendance).where(Attendance.programme_id == programme.id, Attendance.day == day))}
    for student_id, status in marks.items():
        row = existing.get(student_id) or Attendance(
            programme_id=programme.id, day=day, student_id=student_id)
        row.status, row.recorded_by_id = status, actor.id
        db.session.add(row)


def _save_session(actor, programme: Programme, day: date) -> None:
    held = db.session.scalar(select(SessionHeld).where(
        SessionHeld.programme_id == programme.id, SessionHeld.day == day))
    held = held or SessionHeld(programme_id=programme.id, day=day)
    held.minutes = session_minutes(programme, day)
    held.staff_user_ids = sorted(programme.staff_user_ids)
    held.recorded_by_id = actor.id
    db.session.add(held)


# --- the school's views ----------------------------------------------------------------------


def week_bounds(value) -> tuple[date, date]:
    """Monday and Friday of the ISO week `YYYY-Www` (this week when empty)."""
    if value in (None, ""):
        monday = today() - timedelta(days=today().weekday())
    else:
        try:
            monday = date.fromisoformat(f"{str(value).strip()}-1")
        except ValueError:
            raise AfterschoolInvalid("week", "周要写成 2025-W37 的形式。") from None
    return monday, monday + timedelta(days=4)


def week_label(monday: date) -> str:
    """2025-W37 for the week starting on this Monday."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Tally:
    """Attendance counts of one group (a programme, a grade) over a period."""

    label: str
    present: int = 0
    absent: int = 0
    leave: int = 0

    @property
    def total(self) -> int:
        """Marks recorded."""
        return self.present + self.absent + self.leave

    @property
    def rate(self) -> float | None:
        """Share present of the marks recorded."""
        return round(self.present / self.total, 3) if self.total else None


def attendance_tallies(guide: Guide, first: date, last: date):
    """(by programme, by grade) tallies of the guide's attendance between two dates."""
    rows = db.session.execute(
        select(Programme.id, Programme.name, User.grade, Attendance.status, func.count())
        .join(Programme, Programme.id == Attendance.programme_id)
        .join(User, User.id == Attendance.student_id)
        .where(Programme.guide_id == guide.id, Attendance.day.between(first, last))
        .group_by(Programme.id, Programme.name, User.grade, Attendance.status)).all()
    by_programme = {p.id: Tally(p.name) for p in guide.programmes}
    by_grade: dict[int, Tally] = {}
    for programme_id, _name, grade, status, count in rows:
        for tally in (by_programme[programme_id],
                      by_grade.setdefault(grade or 0, Tally(_grade(grade)))):
            setattr(tally, status, getattr(tally, status) + count)
    return list(by_programme.values()), [by_grade[g] for g in sorted(by_grade)]


def _grade(grade) -> str:
    from hplearn.vocab import grade_label

    return grade_label(grade) or "未填年级"


def student_attendance(student: User, term: str) -> list[tuple[date, str, str]]:
    """(date, programme name, status label) of a student's sessions this term, newest first."""
    rows = db.session.execute(
        select(Attendance.day, Programme.name, Attendance.status)
        .join(Programme, Programme.id == Attendance.programme_id)
        .join(Guide, Guide.id == Programme.guide_id)
        .where(Attendance.student_id == student.id, Guide.term == term)
        .order_by(Attendance.day.desc(), Programme.name)).all()
    return [(day, name, STATUSES[status]) for day, name, status in rows]


# --- service hours ---------------------------------------------------------------------------


def parse_month(value) -> tuple[date, date]:
    """The first and last day of a `YYYY-MM` month (this month when empty)."""
    if value in (None, ""):
        first = today().replace(day=1)
    else:
        try:
            first = date.fromisoformat(f"{str(value).strip()}-01")
        except ValueError:
            raise AfterschoolInvalid("month", "月份要写成 2025-09 的形式。") from None
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


@dataclass
class TeacherHours:
    """A teacher's after-school service in one month."""

    teacher: User
    sessions: int
    minutes: int

    @property
    def hours(self) -> float:
        """Hours, to one decimal."""
        return round(self.minutes / 60, 1)


def service_hours(school: School, first: date, last: date, teacher_id: int | None = None):
    """Hours per teacher of the school from sessions held between two dates, most first."""
    sessions = db.session.execute(
        select(SessionHeld.minutes, SessionHeld.staff_user_ids)
        .join(Programme, Programme.id == SessionHeld.programme_id)
        .join(Guide, Guide.id == Programme.guide_id)
        .where(Guide.school_id == school.id, SessionHeld.day.between(first, last))).all()
    minutes, counts = defaultdict(int), defaultdict(int)
    for length, staff in sessions:
        for user_id in staff or ():
            if teacher_id is None or user_id == teacher_id:
                minutes[user_id] += length
                counts[user_id] += 1
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(minutes))))}
    rows = [TeacherHours(users[i], counts[i], minutes[i]) for i in minutes if i in users]
    return sorted(rows, key=lambda r: (-r.minutes, r.teacher.username))


def service_hours_csv(school: School, first: date, rows: list[TeacherHours]) -> str:
    """The month's hours as CSV (UTF-8 with BOM, so Excel opens it right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["学校", "月份", "教师账号", "教师", "课后服务次数", "课后服务小时"])
    for row in rows:
        writer.writerow([safe_cell(school.name), first.strftime("%Y-%m"),
                         safe_cell(row.teacher.username), safe_cell(row.teacher.display_name),
                         row.sessions, row.hours])
    return "\ufeff" + out.getvalue()
