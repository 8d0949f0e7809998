"""督导: the district's view of every school's after-school service in a term, with the "<5"
rule: a figure from fewer than five students is hidden ("<5" in the API, 人数不足 5 人 on pages),
and so is a second one wherever a hidden figure could be got back by subtracting the shown
ones from a shown total (complementary suppression)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import case, distinct, func, select

from hplearn.accounts.models import School, User
from hplearn.afterschool import rules
from hplearn.afterschool.models import (
    Attendance,
    AttendanceStatus,
    Enrolment,
    EnrolmentStatus,
    Guide,
    Programme,
    Signup,
)
from hplearn.extensions import db
from hplearn.stats.export import safe_cell
from hplearn.stats.figures import enrolled_students
from hplearn.stats.suppression import HIDDEN, MIN_STUDENTS, Cell, suppress
from hplearn.vocab import grade_label

PAGE_HIDDEN = "人数不足 5 人"


def protect(matrix: list[list[int]]) -> list[list[bool]]:
    """Which cells of a table with margins to hide (hplearn.stats.suppression decides).

    matrix: rows of counts of students whose last column is each row's total and whose last
    row is each column's total (its last cell the grand total); None marks a cell that cannot
    hold anyone (a grade the school does not teach), shown and left out of the sums. Every
    count under five is hidden, and then, in every row and column, as many more as it takes
    for no hidden count to be the difference of shown ones.
    """
    cells = [[None if value is None else Cell(value, value) for value in row] for row in matrix]
    rows = [[c for c in row if c is not None] for row in cells]
    columns = [[c for c in column if c is not None] for column in zip(*cells, strict=True)]
    hidden = suppress([c for row in rows for c in row], rows + columns)
    return [[c is not None and c in hidden for c in row] for row in cells]


def protect_list(values: list[int]) -> tuple[list[bool], bool]:
    """A column of counts with its total: (hidden per value, total hidden)."""
    mask = protect([[v, v] for v in values] + [[sum(values), sum(values)]])
    return [row[0] for row in mask[:-1]], mask[-1][0]


@dataclass
class SchoolRow:
    """One school's figures; the *_hidden flags say which ones the "<5" rule withholds."""

    school: School
    guide: Guide | None
    students: int
    checks_failed: list[dict] = field(default_factory=list)
    participants: int = 0
    by_grade: dict[int, int] = field(default_factory=dict)
    signed_up: int = 0
    capacity: int = 0
    waitlisted: int = 0
    present: int = 0
    marks: int = 0
    marked_students: int = 0
    hidden: dict = field(default_factory=dict)

    @property
    def published(self) -> bool:
        """Whether this term's guide is out."""
        return bool(self.guide and self.guide.published)


@dataclass
class Supervision:
    """Every school's row, the grades shown, and the district totals."""

    term: str
    rows: list[SchoolRow]
    grades: list[int]
    totals: dict
    hidden: dict


def _grouped(query) -> dict:
    return {tuple(row[:-1]) if len(row) > 2 else row[0]: row[-1]
            for row in db.session.execute(query).all()}


def _failed_checks(guide: Guide | None) -> list[dict]:
    if guide is None:
        return []
    checks = rules.check_guide(guide.programmes, guide.school.stage)
    return [{"rule": c.rule, "label": c.label, "detail": c.detail,
             "reason": (guide.exceptions or {}).get(c.rule)} for c in checks if not c.ok]


def supervision(term: str) -> Supervision:
    """Figures of every school for the term, with what the "<5" rule hides marked."""
    schools = list(db.session.scalars(select(School).order_by(School.code)))
    guides = {g.school_id: g for g in db.session.scalars(select(Guide).where(Guide.term == term))}
    participants = _grouped(
        select(Guide.school_id, User.grade, func.count(distinct(Enrolment.student_id)))
        .join(Programme, Programme.id == Enrolment.programme_id)
        .join(Guide, Guide.id == Programme.guide_id)
        .join(User, User.id == Enrolment.student_id)
        .where(Guide.term == term, Enrolment.status == EnrolmentStatus.ENROLLED)
        .group_by(Guide.school_id, User.grade))
    signed = _grouped(select(Guide.school_id, func.count(Signup.id)).join(Guide)
                      .where(Guide.term == term).group_by(Guide.school_id))
    seats = _grouped(select(Guide.school_id, func.sum(Programme.capacity)).join(Guide)
                     .where(Guide.term == term).group_by(Guide.school_id))
    waiting = _grouped(
        select(Guide.school_id, func.count(distinct(Enrolment.student_id)))
        .join(Programme, Programme.id == Enrolment.programme_id).join(Guide)
        .where(Guide.term == term, Enrolment.status == EnrolmentStatus.WAITLISTED).group_by(Guide.school_id))
    attendance = {
        school_id: (present or 0, total, people) for school_id, present, total, people in
        db.session.execute(
            select(Guide.school_id,
                   func.sum(case((Attendance.status == AttendanceStatus.PRESENT, 1), else_=0)),
                   func.count(), func.count(distinct(Attendance.student_id)))
            .join(Programme, Programme.id == Attendance.programme_id).join(Guide)
            .where(Guide.term == term).group_by(Guide.school_id)).all()
    }
    sizes = enrolled_students([s.id for s in schools])
    grades = sorted({g for s in schools for g in rules.school_grades(s.stage)})
    rows = []
    for school in schools:
        guide = guides.get(school.id)
        by_grade = {g: participants.get((school.id, g), 0) for g in grades}
        present, marks, people = attendance.get(school.id, (0, 0, 0))
        rows.append(SchoolRow(
            school=school, guide=guide, students=sizes.get(school.id, 0),
            checks_failed=_failed_checks(guide), participants=sum(by_grade.values()),
            by_grade=by_grade, signed_up=signed.get(school.id, 0),
            capacity=int(seats.get(school.id) or 0), waitlisted=waiting.get(school.id, 0),
            present=present, marks=marks, marked_students=people))
    return _with_suppression(term, rows, grades)


def _with_suppression(term: str, rows: list[SchoolRow], grades: list[int]) -> Supervision:
    matrix = [[row.by_grade[g] if g in rules.school_grades(row.school.stage) else None
               for g in grades] + [row.participants] for row in rows]
    column_totals = [sum(row[j] or 0 for row in matrix) for j in range(len(grades) + 1)]
    mask = protect([*matrix, column_totals]) if rows else [[]]
    signed_mask, signed_total_hidden = protect_list([row.signed_up for row in rows])
    waiting_mask, waiting_total_hidden = protect_list([row.waitlisted for row in rows])
    for index, row in enumerate(rows):
        row.hidden = {
            "by_grade": {g: mask[index][j] for j, g in enumerate(grades)},
            "participants": mask[index][-1],
            "signed_up": signed_mask[index],
            "waitlisted": waiting_mask[index],
            "attendance": row.marked_students < MIN_STUDENTS,
        }
    marked = sum(row.marked_students for row in rows)
    totals = {
        "students": sum(row.students for row in rows),
        "participants": column_totals[-1] if rows else 0,
        "by_grade": dict(zip(grades, column_totals, strict=False)),
        "signed_up": sum(row.signed_up for row in rows),
        "capacity": sum(row.capacity for row in rows),
        "waitlisted": sum(row.waitlisted for row in rows),
        "present": sum(row.present for row in rows),
        "marks": sum(row.marks for row in rows),
    }
    hidden = {
        "participants": mask[-1][-1] if rows else True,
        "by_grade": {g: mask[-1][j] for j, g in enumerate(grades)} if rows else {},
        "signed_up": signed_total_hidden,
        "waitlisted": waiting_total_hidden,
        # People may be counted in two schools' marks only if they moved; fewer than five
        # distinct students in all is what matters here.
        "attendance": marked < MIN_STUDENTS,
    }
    return Supervision(term, rows, grades, totals, hidden)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def figure(value, hidden: bool, marker=HIDDEN):
    """The value, or the marker of the "<5" rule."""
    return marker if hidden else value


def school_json(row: SchoolRow) -> dict:
    """One school's entry of GET /api/v1/stats/afterschool/district."""
    hidden = row.hidden
    return {
        "school": {"code": row.school.code, "name": row.school.name},
        "published": row.published,
        "checks_failed": [{"rule": c["rule"], "detail": c["detail"], "reason": c["reason"]}
                          for c in row.checks_failed],
        "participation": figure(_rate(row.participants, row.students), hidden["participants"]),
        "participants": figure(row.participants, hidden["participants"]),
        "by_grade": [
            {"grade": g, "participants": figure(row.by_grade[g], hidden["by_grade"][g])}
            for g in row.by_grade if g in rules.school_grades(row.school.stage)
        ],
        "signed_up": figure(row.signed_up, hidden["signed_up"]),
        "capacity": row.capacity,
        "waitlisted": figure(row.waitlisted, hidden["waitlisted"]),
        "attendance_rate": figure(_rate(row.present, row.marks), hidden["attendance"]),
    }


def district_json(report: Supervision) -> dict:
    """GET /api/v1/stats/afterschool/district."""
    totals, hidden = report.totals, report.hidden
    return {
        "term": report.term,
        "schools": [school_json(row) for row in report.rows],
        "totals": {
            "published": sum(1 for row in report.rows if row.published),
            "schools": len(report.rows),
            "participants": figure(totals["participants"], hidden["participants"]),
            "participation": figure(_rate(totals["participants"], totals["students"]),
                                    hidden["participants"]),
            "signed_up": figure(totals["signed_up"], hidden["signed_up"]),
            "capacity": totals["capacity"],
            "waitlisted": figure(totals["waitlisted"], hidden["waitlisted"]),
            "attendance_rate": figure(_rate(totals["present"], totals["marks"]),
                                      hidden["attendance"]),
        },
    }


def district_csv(report: Supervision) -> str:
    """The dashboard as CSV (UTF-8 with BOM), hidden figures as 人数不足 5 人."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["学期", "学校代码", "学校", "已发布指南", "未达标规则及理由", "参与学生",
                     "参与率", *[grade_label(g) for g in report.grades], "报名人数", "容纳人数",
                     "候补人数", "出勤率"])
    for row in report.rows:
        entry = school_json(row)
        flags = "；".join(f"{rules.RULES[c['rule']]}：{c['reason'] or '未说明理由'}"
                         for c in row.checks_failed)
        grade_cells = {g["grade"]: g["participants"] for g in entry["by_grade"]}
        writer.writerow([
            report.term, safe_cell(row.school.code), safe_cell(row.school.name),
            "是" if row.published else "否", safe_cell(flags),
            *(_page(entry[k]) for k in ("participants", "participation")),
            *(_page(grade_cells.get(g, "")) for g in report.grades),
            _page(entry["signed_up"]), row.capacity, _page(entry["waitlisted"]),
            _page(entry["attendance_rate"]),
        ])
    return "\ufeff" + out.getvalue()


def _page(value):
    if value == HIDDEN:
        return PAGE_HIDDEN
    return "" if value is None else value
