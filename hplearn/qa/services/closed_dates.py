"""Closed dates: days without Q&A service besides the public holidays, set by admins.

District admins set the district's (every school closed); school admins set their own school's.
HPLEARN_QA_CLOSED_DATES (a JSON list, the older way) still counts as district-wide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from hplearn import policy
from hplearn.accounts.models import School
from hplearn.audit.services import record as audit
from hplearn.extensions import db
from hplearn.qa.models import ClosedDate
from hplearn.qa.services.errors import InvalidQuestion, NotAllowed, QuestionNotFound
from hplearn.timeutil import local_date

MAX_RANGE_DAYS = 62
MAX_REASON_CHARS = 100


class InvalidClosedDate(InvalidQuestion):
    """A closed date the rules refuse (bad, past, too long, overlapping)."""


class DuplicateClosedDate(InvalidClosedDate):
    """The dates overlap ones already set for the same scope."""

    status = 409
    code = "duplicate"


@dataclass(frozen=True)
class ClosedDatesScope:
    """Whose closed dates: one school's, or (school None) the district's."""

    school: School | None

    @property
    def school_id(self) -> int | None:
        return self.school.id if self.school is not None else None

    @property
    def label(self) -> str:
        return self.school.name if self.school is not None else "全区"


def scope_for(actor, school_code: str | None = None) -> ClosedDatesScope:
    """The scope an admin edits: a school admin their school, a district admin the district
    (or the school named by code). Raises NotAllowed, or QuestionNotFound for other schools."""
    if not policy.is_admin(actor):
        raise NotAllowed("只有学校管理员和区管理员可以设置停答日期。")
    if school_code is None and policy.is_district_admin(actor):
        return ClosedDatesScope(None)
    school = (actor.school if school_code is None else db.session.scalar(
        select(School).where(School.code == school_code[:32])))
    if school is None or not policy.can_manage_closed_dates(actor, school.id):
        raise QuestionNotFound("没有找到这所学校。")
    return ClosedDatesScope(school)


def parse_day(text: str, label: str) -> date:
    """A YYYY-MM-DD date from a form or JSON, or InvalidClosedDate naming the field."""
    try:
        return date.fromisoformat(str(text or "").strip()[:10])
    except ValueError:
        raise InvalidClosedDate(f"{label}格式不对，请写成 2026-10-01 这样的日期。",
                                "first_day" if label == "开始日期" else "last_day") from None


def list_closed_dates(scope: ClosedDatesScope, today: date) -> list[ClosedDate]:
    """The scope's closed dates that have not ended yet, soonest first."""
    return list(db.session.scalars(
        select(ClosedDate).where(_same_scope(scope.school_id), ClosedDate.last_day >= today)
        .order_by(ClosedDate.first_day)
    ))


def add_closed_dates(actor, scope: ClosedDatesScope, first_text: str, last_text: str,
                     reason: str, now: datetime) -> ClosedDate:
    """Close first..last (last empty: one day) for the scope; audited.

    Raises InvalidClosedDate (bad, past, reversed or too long) or DuplicateClosedDate.
    """
    first = parse_day(first_text, "开始日期")
    last = parse_day(last_text, "结束日期") if str(last_text or "").strip() else first
    _check_range(first, last, local_date(now))
    reason = " ".join(str(reason or "").split())
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidClosedDate(f"原因最多 {MAX_REASON_CHARS} 个字。", "reason")
    _check_no_overlap(scope, first, last)
    closed = ClosedDate(school_id=scope.school_id, first_day=first, last_day=last, reason=reason,
                        created_by_id=actor.id)
    db.session.add(closed)
    db.session.flush()
    audit(actor, "qa.closed_dates.add", closed, school_id=scope.school_id,
          first_day=first.isoformat(), last_day=last.isoformat(), reason=reason)
    db.session.commit()
    return closed


def remove_closed_dates(actor, scope: ClosedDatesScope, closed_id: int) -> None:
    """Remove one of the scope's closed ranges (QuestionNotFound for others'); audited."""
    closed = db.session.get(ClosedDate, closed_id)
    if closed is None or closed.school_id != scope.school_id:
        raise QuestionNotFound("没有找到这条停答日期。")
    audit(actor, "qa.closed_dates.remove", closed, school_id=scope.school_id,
          first_day=closed.first_day.isoformat(), last_day=closed.last_day.isoformat())
    db.session.delete(closed)
    db.session.commit()


def closed_days(school_id: int | None, first: date, last: date) -> frozenset[date]:
    """Every closed date between first and last for a school: the district's, the school's and
    those of HPLEARN_QA_CLOSED_DATES."""
    days = {day for day in configured_closed_dates() if first <= day <= last}
    rows = db.session.execute(
        select(ClosedDate.first_day, ClosedDate.last_day).where(
            or_(ClosedDate.school_id.is_(None), ClosedDate.school_id == school_id)
            if school_id is not None else ClosedDate.school_id.is_(None),
            ClosedDate.last_day >= first, ClosedDate.first_day <= last,
        )
    )
    for start, end in rows:
        day = max(start, first)
        while day <= min(end, last):
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)


def configured_closed_dates() -> frozenset[date]:
    """The district-wide dates of HPLEARN_QA_CLOSED_DATES (checked at start-up)."""
    return frozenset(date.fromisoformat(str(day)) for day in
                     current_app.config["QA_CLOSED_DATES"] or ())


def _check_range(first: date, last: date, today: date) -> None:
    if last < first:
        raise InvalidClosedDate("结束日期不能早于开始日期。", "last_day")
    if first < today:
        raise InvalidClosedDate("不能设置已经过去的日期，请从今天或以后开始。", "first_day")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise InvalidClosedDate(f"一次最多设置 {MAX_RANGE_DAYS} 天，更长的假期请分段设置。",
                                "last_day")


def _check_no_overlap(scope: ClosedDatesScope, first: date, last: date) -> None:
    clash = db.session.scalar(
        select(ClosedDate).where(_same_scope(scope.school_id), ClosedDate.last_day >= first,
                                 ClosedDate.first_day <= last).limit(1)
    )
    if clash is not None:
        raise DuplicateClosedDate(
            f"这段日期和已设置的停答日期（{describe_range(clash)}）重叠，请修改后再提交。",
            "first_day")


def describe_range(closed: ClosedDate) -> str:
    """10月1日 or 10月1日至10月7日 (with the year when it is not this one's)."""
    def day_text(day: date) -> str:
        return f"{day.year}年{day.month}月{day.day}日"
    if closed.first_day == closed.last_day:
        return day_text(closed.first_day)
    return f"{day_text(closed.first_day)}至{day_text(closed.last_day)}"


def _same_scope(school_id: int | None):
    return ClosedDate.school_id.is_(None) if school_id is None else \
        ClosedDate.school_id == school_id
