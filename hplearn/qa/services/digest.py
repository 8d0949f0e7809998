"""The evening e-mail: one digest per teacher per service evening of what entered their queue.

Run by the `qa.digest` job. Only during the service hours of a service day (the teacher's
school's calendar: public holidays, 调休 and closed dates); nothing at night or on a holiday.
Only teachers who switched mail on (/notifications/settings) receive it. It lists the questions
they were told about (inbox notifications of the queue kinds) since their last digest that are
still theirs to claim; crisis questions are not listed (their urgent alerts are mailed at once).
The mail goes to the outbox in the transaction that records the digest, so it is sent once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from hplearn import policy
from hplearn.accounts.models import User
from hplearn.extensions import db
from hplearn.notifications import mail, outbox
from hplearn.notifications.models import DIGEST_KINDS, Notification, NotificationEmail
from hplearn.qa.models import Question, QueueDigest
from hplearn.qa.services.hours import in_service_hours
from hplearn.qa.services.queue import claimable_clause
from hplearn.timeutil import local_date, utcnow

# A first digest lists what a teacher was told about in this many days at most.
LOOKBACK = timedelta(days=7)
LISTED_MAX = 30


def send_digests(now: datetime | None = None) -> str:
    """Queue tonight's digest for each opted-in teacher who has new questions (the `qa.digest` job)."""
    if mail.mail_settings(current_app.config) is None:
        return "mail not configured (HPLEARN_MAIL_SERVER): no digests"
    now = now or utcnow()
    evening = local_date(now)
    open_now: dict[int | None, bool] = {}
    queued = 0
    for user, email in _recipients(evening):
        if user.school_id not in open_now:
            open_now[user.school_id] = in_service_hours(now, user.school_id)
        if not open_now[user.school_id]:
            continue
        questions, last_note = new_in_queue(user, now)
        if not questions:
            continue
        db.session.add(QueueDigest(user_id=user.id, evening=evening, questions=len(questions),
                                   last_notification_id=last_note, sent_at=now))
        subject, body = digest_text(questions)
        outbox.enqueue(email, subject, body)
        try:
            db.session.commit()
        except IntegrityError:  # another sender recorded this teacher's digest first
            db.session.rollback()
            continue
        queued += 1
    return f"{queued} digests queued"


def _recipients(evening) -> list[tuple[User, str]]:
    """Active staff with mail on and no digest yet this evening."""
    sent = select(QueueDigest.user_id).where(QueueDigest.evening == evening)
    rows = db.session.execute(
        select(User, NotificationEmail.email)
        .join(NotificationEmail, NotificationEmail.user_id == User.id)
        .where(NotificationEmail.enabled.is_(True), User.active.is_(True),
               User.role.in_(policy.STAFF_ROLES), User.id.not_in(sent))
        .order_by(User.id)
    ).all()
    return [(user, email) for user, email in rows]


def new_in_queue(user, now: datetime) -> tuple[list[Question], int]:
    """The questions the user was told about since their last digest (at most LOOKBACK ago) and
    may still claim, and the newest of those notifications' id."""
    last = db.session.scalar(select(func.max(QueueDigest.last_notification_id))
                             .where(QueueDigest.user_id == user.id)) or 0
    notes = db.session.execute(select(Notification.id, Notification.topic).where(
        Notification.user_id == user.id, Notification.kind.in_(tuple(DIGEST_KINDS)),
        Notification.id > last, Notification.created_at > now - LOOKBACK,
        Notification.topic.like("question:%"))).all()
    ids = {int(topic.split(":", 1)[1]) for _, topic in notes if topic.split(":", 1)[1].isdecimal()}
    if not ids:
        return [], last
    return list(db.session.scalars(
        select(Question).where(Question.id.in_(ids), claimable_clause(user, now),
                               Question.mental_health.is_(False), Question.safeguarding.is_(False))
        .order_by(Question.created_at, Question.id))), max(note_id for note_id, _ in notes)


def digest_text(questions: list[Question]) -> tuple[str, str]:
    """The subject and plain text of a digest: a line and a link a question, no student's name
    and no private question's title."""
    base = current_app.config.get("SITE_URL", "").rstrip("/")
    lines = [f"你的待答列表里有 {len(questions)} 个新问题：", ""]
    for question in questions[:LISTED_MAX]:
        if question.private:
            lines += [f"· 一个{question.subject}私密问题", f"  {base}/qa/queue"]
        else:
            lines += [f"· 《{question.title[:60]}》（{question.subject}）", f"  {base}/qa/{question.id}"]
    if len(questions) > LISTED_MAX:
        lines.append(f"……另有 {len(questions) - LISTED_MAX} 个")
    lines += ["", f"全部待答：{base}/qa/queue",
              f"不想再收到邮件：{base}/notifications/settings",
              "（和平学习答疑汇总，每个答疑晚上最多一封，请勿直接回复。）"]
    return f"和平学习：{len(questions)} 个新问题待答", "\n".join(lines)
