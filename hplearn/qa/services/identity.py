"""Seeing who the asker of a crisis question is: one audited action with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hplearn import policy
from hplearn.audit.services import record as audit
from hplearn.extensions import db
from hplearn.qa.services.errors import InvalidQuestion, NotAllowed
from hplearn.qa.services.reading import view_question
from hplearn.timeutil import utcnow

REASON_MIN, REASON_MAX = 4, 300


@dataclass(frozen=True)
class StudentIdentity:
    """The asker as the school's records have them."""

    name: str
    username: str
    grade: int | None
    class_name: str
    school: str


def reveal_identity(question_id: int, viewer, reason, now: datetime | None = None) -> StudentIdentity:
    """The name and class of a crisis question's asker, for the school's counsellor or
    safeguarding staff only; recorded in the audit log with the reason given."""
    question = view_question(question_id, viewer, now or utcnow())
    if not policy.can_reveal_identity(viewer, question):
        raise NotAllowed("只有本校负责这个求助的心理老师或安全保护老师可以查看学生身份。")
    reason = " ".join(str(reason or "").split())
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise InvalidQuestion(f"请写明查看学生身份的原因（{REASON_MIN}–{REASON_MAX} 个字）。", "reason")
    student = question.asker
    audit(viewer, "question.reveal_identity", question, reason=reason, student_id=student.id)
    db.session.commit()
    return StudentIdentity(
        name=student.display_name or student.alias, username=student.username,
        grade=student.grade, class_name=student.class_name or "",
        school=student.school.name if student.school else "",
    )
