"""意见建议: a parent writes to a school, the school answers within its target, overdue feedback
goes to the district, and the school's 家委会 reads it all without names."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from hplearn import policy, screening
from hplearn.accounts.models import School, User
from hplearn.accounts.services import school_by_code
from hplearn.audit.services import record
from hplearn.errors import Conflict, Forbidden, Invalid, NotFound
from hplearn.extensions import db
from hplearn.notifications.services import notify
from hplearn.parents.models import CommitteeMember, Feedback, FeedbackCategory, ParentLink
from hplearn.qa.services.hours import schedule
from hplearn.timeutil import LOCAL_TZ, utcnow
from hplearn.vocab import Role

BODY_MIN, BODY_MAX = 5, 2000
# A school's inbox is read by people: one family cannot bury it (the rest wait until tomorrow).
DAILY_LIMIT = 10
REPLY_MAX = 4000
MAX_ID = 2**31 - 1
CATEGORIES = tuple(category.value for category in FeedbackCategory)


def _text(value, field_name: str, what: str, limit: int, minimum: int = 1) -> str:
    if not isinstance(value, str) or len(value.strip()) < minimum:
        raise Invalid(f"请写下{what}（至少 {minimum} 个字）。", field_name)
    text = value.strip()
    if len(text) > limit:
        raise Invalid(f"{what}不能超过 {limit} 个字。", field_name)
    return text


def parse_category(value) -> str:
    """One of the categories (课后服务, 作业负担, 线上学习, 安全, 其他); Invalid otherwise."""
    if not isinstance(value, str) or value.strip() not in CATEGORIES:
        raise Invalid(f"请选择意见类别：{'、'.join(CATEGORIES)}。", "category")
    return value.strip()


def _as_bool(value, field_name: str) -> bool:
    if value in (None, ""):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "on", "yes"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "off", "no"):
        return False
    raise Invalid("anonymous 只能是 true 或 false。", field_name)


def due_after(created: datetime, days: int) -> datetime:
    """The end (Tianjin midnight) of the days-th service day after the day of `created`."""
    hours = schedule()
    day = created.astimezone(LOCAL_TZ).date()
    counted = 0
    for _ in range(3660):  # a schedule without service days is refused at start-up
        day += timedelta(days=1)
        if hours.is_service_day(day):
            counted += 1
            if counted >= days:
                break
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)


def submit(parent, school_code, category, body, anonymous=None) -> Feedback:
    """A parent's feedback to a school of one of their children; screened for personal
    information like Q&A questions. Raises Forbidden for other roles, Invalid for bad input."""
    if not policy.is_parent(parent):
        raise Forbidden("只有家长账号可以给学校提意见建议。")
    school = school_by_code(school_code) if isinstance(school_code, str) else None
    if school is None or not policy.can_write_feedback(parent, school.id):
        raise Invalid("请选择孩子所在的学校（只能给孩子所在的学校提意见建议）。", "school")
    category = parse_category(category)
    text = _text(body, "body", "意见建议的内容", BODY_MAX, BODY_MIN)
    findings = screening.find_personal_information(text)
    if findings:
        raise Invalid(screening.describe_findings(
            findings, lead="为了保护孩子和家庭的隐私，意见建议里", unsaved="意见尚未提交"), "body")
    now = utcnow()
    written = db.session.scalar(select(func.count()).select_from(Feedback).where(
        Feedback.parent_id == parent.id, Feedback.created_at > now - timedelta(days=1)))
    if written >= DAILY_LIMIT:
        raise Invalid(f"24 小时内最多提交 {DAILY_LIMIT} 条意见建议，请明天再提交。", "body")
    feedback = Feedback(school_id=school.id, parent_id=parent.id, category=category, body=text,
                        anonymous=_as_bool(anonymous, "anonymous"), created_at=now,
                        due_at=due_after(now, current_app.config["PARENTS_FEEDBACK_TARGET_DAYS"]))
    db.session.add(feedback)
    db.session.flush()
    notify(_school_admins(school.id), "feedback", f"家长提交了一条意见建议（{category}），请及时答复。",
           "/parents/school/feedback")
    db.session.commit()
    return feedback


def _school_admins(school_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.school_id == school_id, User.role == Role.SCHOOL_ADMIN, User.active.is_(True))))


def visible_to(actor, school_code=None) -> list[Feedback]:
    """The feedback the actor reads: a parent's own, a school admin's school's, or (district
    admins) every school's or one school's. Newest first."""
    query = select(Feedback).order_by(Feedback.created_at.desc(), Feedback.id.desc())
    if policy.is_parent(actor):
        return list(db.session.scalars(query.where(Feedback.parent_id == actor.id)))
    if not policy.is_admin(actor):
        raise Forbidden("只有家长和学校管理员可以查看意见建议。")
    if school_code not in (None, ""):
        school = school_by_code(str(school_code))
        if school is None or not policy.can_manage_school(actor, school.id):
            raise NotFound("没有找到这所学校。")
        return list(db.session.scalars(query.where(Feedback.school_id == school.id)))
    if policy.is_district_admin(actor):
        return list(db.session.scalars(query))
    return list(db.session.scalars(query.where(Feedback.school_id == actor.school_id)))


def readable(actor, feedback_id) -> Feedback:
    """One feedback the actor may read (404 for any other)."""
    feedback = db.session.get(Feedback, feedback_id) if 1 <= feedback_id <= MAX_ID else None
    if feedback is None or not policy.can_read_feedback(actor, feedback):
        raise NotFound("没有找到这条意见建议。")
    return feedback


def reply(actor, feedback_id: int, body) -> Feedback:
    """The school's one answer: its admins only (403 for other roles, 404 for another school's
    feedback, 409 once answered)."""
    if not policy.is_admin(actor):
        raise Forbidden("只有学校管理员可以答复家长的意见建议。")
    feedback = db.session.get(Feedback, feedback_id) if 1 <= feedback_id <= MAX_ID else None
    if feedback is None or not policy.can_reply_feedback(actor, feedback):
        raise NotFound("没有找到这条意见建议。")
    text = _text(body, "body", "答复", REPLY_MAX)
    # One conditional UPDATE: of two admins answering at once, one answer is kept.
    answered = db.session.execute(
        update(Feedback).where(Feedback.id == feedback.id, Feedback.replied_at.is_(None))
        .values(reply=text, replied_at=utcnow(), replied_by_id=actor.id)
        .execution_options(synchronize_session=False)).rowcount == 1
    if not answered:
        db.session.rollback()
        raise Conflict("这条意见建议已经答复过了。")
    record(actor, "parents.feedback.reply", feedback, school_id=feedback.school_id,
           category=feedback.category)
    notify([feedback.parent], "feedback", f"{feedback.school.name}答复了你的意见建议。",
           "/parents/feedback")
    db.session.commit()
    db.session.refresh(feedback)
    return feedback


def escalate_overdue() -> int:
    """Send feedback past its target to the district (each once); tell the district admins."""
    now = utcnow()
    overdue = list(db.session.scalars(select(Feedback).where(
        Feedback.replied_at.is_(None), Feedback.escalated_at.is_(None), Feedback.due_at <= now)))
    if not overdue:
        return 0
    db.session.execute(
        update(Feedback).where(Feedback.id.in_([f.id for f in overdue]),
                               Feedback.escalated_at.is_(None))
        .values(escalated_at=now).execution_options(synchronize_session=False))
    district = list(db.session.scalars(select(User).where(
        User.role == Role.DISTRICT_ADMIN, User.active.is_(True))))
    for school_name in sorted({f.school.name for f in overdue}):
        count = sum(1 for f in overdue if f.school.name == school_name)
        notify(district, "feedback", f"{school_name}有 {count} 条家长意见建议超过答复时限未答复。",
               "/parents/district")
    db.session.commit()
    return len(overdue)


# --- 家委会 ------------------------------------------------------------------------------------


def school_parents(school: School) -> list[tuple[User, list[User], bool]]:
    """The parents of the school's students: (parent, their children here, on the 家委会)."""
    rows = db.session.execute(
        select(User, ParentLink.student_id).join(ParentLink, ParentLink.parent_id == User.id)
        .where(ParentLink.student_id.in_(select(User.id).where(User.school_id == school.id)))
        .order_by(User.username)).all()
    members = set(db.session.scalars(select(CommitteeMember.parent_id).where(
        CommitteeMember.school_id == school.id)))
    found: dict[int, tuple[User, list[User]]] = {}
    for parent, student_id in rows:
        found.setdefault(parent.id, (parent, []))[1].append(db.session.get(User, student_id))
    return [(parent, children, parent.id in members) for parent, children in found.values()]


def set_committee_member(actor, school: School, parent_id, member: bool) -> None:
    """Put a parent of the school's students on its 家委会 (or off it): its admins only."""
    if not policy.can_manage_committee(actor, school.id):
        raise Forbidden("只有本校管理员可以设置家委会成员。")
    if isinstance(parent_id, bool) or not isinstance(parent_id, int) or not 1 <= parent_id <= MAX_ID:
        raise Invalid("parent_id 必须是家长编号。", "parent_id")
    if not any(p.id == parent_id for p, _, _ in school_parents(school)):
        raise NotFound("本校学生没有这位家长。")
    existing = db.session.scalar(select(CommitteeMember).where(
        CommitteeMember.school_id == school.id, CommitteeMember.parent_id == parent_id))
    if member and existing is None:
        db.session.add(CommitteeMember(school_id=school.id, parent_id=parent_id,
                                       appointed_by_id=actor.id))
    elif not member and existing is not None:
        db.session.delete(existing)
    else:
        return
    record(actor, "parents.committee.join" if member else "parents.committee.leave",
           db.session.get(User, parent_id), school_id=school.id, parent_id=parent_id)
    db.session.commit()
    db.session.expire_all()


def committee_schools(parent) -> list[School]:
    """The schools on whose 家委会 the parent sits."""
    ids = [m.school_id for m in getattr(parent, "committee_memberships", ()) or ()]
    return [db.session.get(School, school_id) for school_id in sorted(ids)]


@dataclass
class CommitteeView:
    """A school's feedback for its 家委会: counts by category and status, and every item with
    the school's answer, never a name."""

    school: School
    by_category: dict[str, dict[str, int]]
    items: list[Feedback]


def committee_view(actor, school_code) -> CommitteeView:
    """What the school's 家委会 reads (403 for anyone not on it)."""
    school = school_by_code(str(school_code or ""))
    if school is None or not policy.can_read_committee_view(actor, school.id):
        raise Forbidden("只有本校家委会成员可以查看全校的意见建议汇总。")
    now = utcnow()
    items = list(db.session.scalars(select(Feedback).where(Feedback.school_id == school.id)
                                    .order_by(Feedback.created_at.desc())))
    counts = {c: {"open": 0, "answered": 0, "escalated": 0} for c in CATEGORIES}
    for item in items:
        counts[item.category][item.status(now)] += 1
    return CommitteeView(school, counts, items)


# --- the district ------------------------------------------------------------------------------


@dataclass
class SchoolFeedbackFigures:
    """One school's row of the district's view."""

    school: School
    total: int = 0
    answered: int = 0
    answered_in_time: int = 0
    open: int = 0
    overdue: int = 0
    median_response_days: float | None = None
    overdue_items: list[Feedback] = field(default_factory=list)


def district_figures(actor, since: date | None = None) -> list[SchoolFeedbackFigures]:
    """Response times and open items per school (district admins only)."""
    if not policy.can_view_feedback_supervision(actor):
        raise Forbidden("只有区管理员可以查看各校意见建议的答复情况。")
    now = utcnow()
    query = select(Feedback).order_by(Feedback.created_at)
    if since is not None:
        query = query.where(Feedback.created_at >= datetime.combine(since, time(0), tzinfo=LOCAL_TZ))
    rows: dict[int, SchoolFeedbackFigures] = {}
    waits: dict[int, list[float]] = {}
    for item in db.session.scalars(query):
        figures = rows.setdefault(item.school_id, SchoolFeedbackFigures(item.school))
        figures.total += 1
        if item.replied_at is not None:
            figures.answered += 1
            figures.answered_in_time += item.replied_at <= item.due_at
            waits.setdefault(item.school_id, []).append(
                (item.replied_at - item.created_at).total_seconds() / 86400)
        elif item.status(now) == "escalated":
            figures.overdue += 1
            figures.overdue_items.append(item)
        else:
            figures.open += 1
    for school_id, days in waits.items():
        rows[school_id].median_response_days = round(statistics.median(days), 1)
    return sorted(rows.values(), key=lambda f: (-f.overdue, -f.open, f.school.code))
