"""Reports, hiding and restoring, held questions, and acknowledging mental-health alerts.

Every action here is recorded in the audit log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import false, func, or_, select, true

from hplearn import policy
from hplearn.audit.services import record as audit
from hplearn.extensions import db
from hplearn.notifications.services import notify
from hplearn.qa import services
from hplearn.qa.models import Alert, Answer, Question, Report
from hplearn.qa.safety import moderators_of
from hplearn.qa.services.queue import _routed_clause
from hplearn.qa.services.routing import route_new_question
from hplearn.timeutil import utcnow
from hplearn.vocab import QuestionStatus

REASON_MAX = 300


def _reason(text, what: str = "原因") -> str:
    reason = " ".join(str(text or "").split())
    if not reason:
        raise services.InvalidQuestion(f"请填写{what}。", "reason")
    if len(reason) > REASON_MAX:
        raise services.InvalidQuestion(f"{what}不能超过 {REASON_MAX} 个字。", "reason")
    return reason


def _answer_of(question: Question, answer_id) -> Answer | None:
    if answer_id is None or answer_id == "":
        return None
    for answer in question.answers:
        if str(answer.id) == str(answer_id).strip():
            return answer
    raise services.InvalidQuestion("这个问题下没有这条回答。", "answer_id")


def report(question_id: int, reporter, reason, answer_id=None) -> Report:
    """Anyone signed in who can see a question reports it (or one of its answers)."""
    question = services.view_question(question_id, reporter)
    if not policy.can_report(reporter):
        raise services.NotAllowed("请先登录再举报。")
    answer = _answer_of(question, answer_id)
    entry = Report(question_id=question.id, answer_id=answer.id if answer else None,
                   reporter_id=reporter.id, reason=_reason(reason, "举报原因"))
    db.session.add(entry)
    db.session.flush()
    audit(reporter, "question.report", question, report_id=entry.id,
          answer_id=entry.answer_id)
    notify(moderators_of(question.school_id), "moderation",
           f"问题《{question.title[:40]}》被举报，请处理。", "/qa/moderation")
    db.session.commit()
    return entry


def _moderated_question(question_id: int, moderator) -> Question:
    question = services.get_question(question_id)
    if not policy.can_moderate_questions(moderator, question.school_id):
        raise services.NotAllowed("只有管理员可以处理内容。")
    return question


def set_question_hidden(question_id: int, moderator, hidden: bool, reason) -> Question:
    """Hide a question from everyone but its asker and moderators, or restore it."""
    question = _moderated_question(question_id, moderator)
    why = _reason(reason)
    question.hidden = hidden
    question.hidden_reason = why if hidden else ""
    audit(moderator, "question.hide" if hidden else "question.restore", question, reason=why)
    _resolve_reports(question, answer=None)
    db.session.commit()
    return question


def set_answer_hidden(question_id: int, answer_id, moderator, hidden: bool, reason) -> Answer:
    """Hide or restore one answer."""
    question = _moderated_question(question_id, moderator)
    answer = _answer_of(question, answer_id)
    if answer is None:
        raise services.InvalidQuestion("请指定回答。", "answer_id")
    why = _reason(reason)
    answer.hidden = hidden
    answer.hidden_reason = why if hidden else ""
    audit(moderator, "answer.hide" if hidden else "answer.restore", question,
          answer_id=answer.id, reason=why)
    _resolve_reports(question, answer=answer)
    db.session.commit()
    return answer


def _resolve_reports(question: Question, answer: Answer | None) -> None:
    target = Report.answer_id == answer.id if answer else Report.answer_id.is_(None)
    for entry in db.session.scalars(select(Report).where(
        Report.question_id == question.id, Report.resolved.is_(False), target
    )):
        entry.resolved = True


def dismiss_report(report_id: int, moderator, reason) -> Report:
    """Close a report without hiding anything."""
    entry = db.session.get(Report, report_id)
    if entry is None:
        raise services.QuestionNotFound("没有找到这条举报。")
    _moderated_question(entry.question_id, moderator)
    why = _reason(reason)
    entry.resolved = True
    audit(moderator, "question.report_dismiss", entry.question, report_id=entry.id, reason=why)
    db.session.commit()
    return entry


def release_held(question_id: int, moderator, reason, now: datetime | None = None) -> Question:
    """Publish a held question into the queue; its reply target starts now (and, if nobody of
    the school teaches it, it goes to the district pool: routing.route_new_question)."""
    now = now or utcnow()
    question = _moderated_question(question_id, moderator)
    if question.status != QuestionStatus.HELD:
        raise services.InvalidQuestion("这个问题不在待审核状态。", "status")
    why = _reason(reason)
    question.status = QuestionStatus.OPEN
    question.due_at = services.reply_target(now, urgent=question.urgent, school_id=question.school_id)
    audit(moderator, "question.approve", question, reason=why)
    route_new_question(question, now)
    services.tell_queue(question, now)
    db.session.commit()
    return question


def moderation_queue(moderator) -> dict:
    """Held questions, open reports and hidden questions this moderator handles."""
    if not policy.is_admin(moderator):
        raise services.NotAllowed("只有管理员可以处理内容。")
    scope = [] if policy.is_district_admin(moderator) else [
        Question.school_id == moderator.school_id
    ]
    held = db.session.scalars(select(Question).where(Question.status == QuestionStatus.HELD, *scope)
                              .order_by(Question.created_at))
    reports = db.session.scalars(
        select(Report).join(Question, Question.id == Report.question_id)
        .where(Report.resolved.is_(False), *scope).order_by(Report.created_at)
    )
    hidden = db.session.scalars(select(Question).where(Question.hidden.is_(True), *scope)
                                .order_by(Question.id.desc()).limit(50))
    return {"held": list(held), "reports": list(reports), "hidden": list(hidden)}


def alerts_for(
    user, include_acknowledged: bool = False, now: datetime | None = None
) -> list[Alert]:
    """The mental-health alerts this counsellor or admin handles, unacknowledged first."""
    if not policy.can_view_alerts(user):
        raise services.NotAllowed("只有心理老师和管理员可以查看求助提醒。")
    now = now or utcnow()
    query = select(Alert).order_by(Alert.acknowledged_at.is_not(None), Alert.created_at.desc())
    if not include_acknowledged:
        query = query.where(Alert.acknowledged_at.is_(None))
    alerts = db.session.scalars(query.limit(500))
    return [a for a in alerts if policy.can_acknowledge_alert(user, a.question, now)]


def open_alert_count(user, now: datetime | None = None) -> int:
    """How many alerts this user handles that nobody has confirmed (the 求助提醒 badge): the SQL
    twin of alerts_for's rule, one COUNT query; 0 for those without the list."""
    if not policy.can_view_alerts(user):
        return 0
    now = now or utcnow()
    if policy.is_district_admin(user):
        mine = true()
    else:
        own_school = (Question.school_id == user.school_id) if policy.is_admin(user) else false()
        mine = or_(own_school, _routed_clause(user, now))
    return db.session.scalar(
        select(func.count(Alert.id)).join(Question, Question.id == Alert.question_id)
        .where(Alert.acknowledged_at.is_(None), mine)) or 0


def acknowledge_alert(alert_id: int, user, note="", now: datetime | None = None) -> Alert:
    """A person confirms they have seen an alert and are acting on it."""
    now = now or utcnow()
    alert = db.session.get(Alert, alert_id)
    if alert is None or not policy.can_acknowledge_alert(user, alert.question, now):
        raise services.QuestionNotFound("没有找到这条求助提醒。")
    if alert.acknowledged_at is not None:
        raise services.AlreadyClaimed(
            f"{alert.acknowledged_by.display_name} 已在此前确认了这条提醒。"
        )
    note = " ".join(str(note or "").split())
    if len(note) > 500:
        raise services.InvalidQuestion("备注不能超过 500 个字。", "note")
    alert.acknowledged_by_id = user.id
    alert.acknowledged_at = now
    alert.note = note
    audit(user, "question.alert_acknowledge", alert.question, alert_id=alert.id, note=note)
    db.session.commit()
    return alert
