"""The teachers' contribution record per term (优秀教师 recognition, 职称/绩效; plan art. 12–13).

Per teacher of a school: contributions submitted and approved, Q&A answers and accepted answers,
the median time to a first answer, and after-school service hours. Figures about teachers, not
students: the "<5" rule does not apply (each teacher's own work is what is being recognised).
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Integer, cast, func, select

from hplearn import policy
from hplearn.accounts.models import School, User
from hplearn.afterschool import records as afterschool_records
from hplearn.afterschool import rules as terms
from hplearn.contributions.models import Contribution, ContributionEvent
from hplearn.contributions.validation import ContributionForbidden, ContributionInvalid
from hplearn.extensions import db
from hplearn.qa.models import Answer, Question
from hplearn.stats.export import safe_cell
from hplearn.timeutil import LOCAL_TZ, utcnow

CSV_HEADER = ["学校", "学期", "教师账号", "教师", "投稿数", "通过数", "答疑回答数", "被采纳回答数",
              "首次回复中位时长（分钟）", "课后服务小时"]


def term_dates(term: str) -> tuple[date, date]:
    """The first and last day of a term: 2025-1 is August 2025 to January 2026, 2025-2 February
    to July 2026 (as hplearn.afterschool.rules.term_of counts them)."""
    year, half = (int(part) for part in term.split("-"))
    if half == 1:
        return date(year, 8, 1), date(year + 1, 1, 31)
    return date(year + 1, 2, 1), date(year + 1, 7, 31)


def parse_term(value) -> str:
    """The term asked for (YYYY-1 / YYYY-2), today's when none is given."""
    if value in (None, ""):
        return terms.term_of(utcnow().astimezone(LOCAL_TZ).date())
    term = terms.parse_term(value)
    if term is None:
        raise ContributionInvalid("term", "学期要写成 2025-1（秋季学期）或 2026-2 这样的“学年-1/2”。")
    return term


@dataclass
class TeacherRecord:
    """One teacher's figures for the term."""

    teacher: User
    submitted: int = 0
    approved: int = 0
    answers: int = 0
    accepted: int = 0
    median_first_response_minutes: float | None = None
    afterschool_hours: float = 0.0


def _bounds(term: str) -> tuple[date, date, datetime, datetime]:
    first, last = term_dates(term)
    start = datetime.combine(first, time.min, LOCAL_TZ)
    end = datetime.combine(last + timedelta(days=1), time.min, LOCAL_TZ)
    return first, last, start, end


def _contribution_counts(school_id: int, start, end) -> dict[str, dict[int, int]]:
    rows = db.session.execute(
        select(Contribution.author_id, ContributionEvent.action,
               func.count(func.distinct(ContributionEvent.contribution_id)))
        .join(Contribution, Contribution.id == ContributionEvent.contribution_id)
        .where(Contribution.school_id == school_id, ContributionEvent.action.in_(("submit", "approve")),
               ContributionEvent.created_at >= start, ContributionEvent.created_at < end)
        .group_by(Contribution.author_id, ContributionEvent.action))
    counts: dict[str, dict[int, int]] = {"submit": {}, "approve": {}}
    for author_id, action, count in rows:
        counts[action][author_id] = count
    return counts


def _answer_counts(teacher_ids, start, end) -> tuple[dict[int, int], dict[int, int]]:
    rows = db.session.execute(
        select(Answer.teacher_id, func.count(), func.sum(cast(Answer.accepted, Integer)))
        .where(Answer.teacher_id.in_(teacher_ids), Answer.hidden.is_(False),
               Answer.created_at >= start, Answer.created_at < end)
        .group_by(Answer.teacher_id))
    answers, accepted = {}, {}
    for teacher_id, count, accepted_count in rows:
        answers[teacher_id], accepted[teacher_id] = count, int(accepted_count or 0)
    return answers, accepted


def _first_response_minutes(teacher_ids, start, end) -> dict[int, list[float]]:
    """Minutes from asking to the first answer, for questions whose first answer was theirs."""
    first_answer = (select(Answer.question_id, func.min(Answer.id).label("answer_id"))
                    .group_by(Answer.question_id).subquery())
    rows = db.session.execute(
        select(Answer.teacher_id, Question.created_at, Question.first_response_at)
        .join(first_answer, first_answer.c.answer_id == Answer.id)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.teacher_id.in_(teacher_ids), Question.first_response_at.is_not(None),
               Question.first_response_at >= start, Question.first_response_at < end))
    minutes = defaultdict(list)
    for teacher_id, asked, answered in rows:
        minutes[teacher_id].append(max(0.0, (answered - asked).total_seconds() / 60))
    return minutes


def contribution_record(actor, school: School, term: str) -> list[TeacherRecord]:
    """Every teacher of the school with the term's figures, most contributions first.

    actor: the school's admin or a district admin. term: YYYY-1 or YYYY-2.
    """
    if not policy.can_view_contribution_record(actor, school.id):
        raise ContributionForbidden("只有本校管理员和区管理员可以查看教师贡献记录。")
    first, last, start, end = _bounds(term)
    teachers = list(db.session.scalars(
        select(User).where(User.school_id == school.id, User.role == "teacher")
        .order_by(User.username)))
    ids = [t.id for t in teachers]
    counts = _contribution_counts(school.id, start, end)
    answers, accepted = _answer_counts(ids, start, end)
    minutes = _first_response_minutes(ids, start, end)
    hours = {row.teacher.id: row.hours
             for row in afterschool_records.service_hours(school, first, last)}
    rows = [
        TeacherRecord(
            teacher=t, submitted=counts["submit"].get(t.id, 0),
            approved=counts["approve"].get(t.id, 0), answers=answers.get(t.id, 0),
            accepted=accepted.get(t.id, 0),
            median_first_response_minutes=(round(statistics.median(minutes[t.id]), 1)
                                           if minutes.get(t.id) else None),
            afterschool_hours=hours.get(t.id, 0.0),
        )
        for t in teachers
    ]
    return sorted(rows, key=lambda r: (-r.approved, -r.submitted, -r.answers, r.teacher.username))


def record_csv(school: School, term: str, rows: list[TeacherRecord]) -> str:
    """The record as CSV (UTF-8 with BOM, so Excel opens it right; cells safe from formulas)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in rows:
        median = row.median_first_response_minutes
        writer.writerow([safe_cell(school.name), term, safe_cell(row.teacher.username),
                         safe_cell(row.teacher.display_name), row.submitted, row.approved,
                         row.answers, row.accepted, "" if median is None else median,
                         row.afterschool_hours])
    return "\ufeff" + out.getvalue()
