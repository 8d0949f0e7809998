"""Protecting minors while asking: screening, the sensitive-word hold and the mental-health lane."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from hplearn.accounts.models import User
from hplearn.audit.services import record as audit
from hplearn.extensions import db
from hplearn.notifications.services import notify
from hplearn.qa.models import Alert, ModerationWord, Question
from hplearn.screening import describe_findings, find_personal_information, load_word_list, matching_words
from hplearn.screening.signs import distress_signs, safeguarding_signs
from hplearn.vocab import QuestionStatus, Role

__all__ = [
    "HOTLINES",
    "alert_district_counsellors",
    "describe_findings",
    "distress_words_in",
    "enter_mental_health_lane",
    "enter_safeguarding_lane",
    "find_personal_information",
    "moderators_of",
    "raise_alert",
    "raise_safeguarding_alert",
    "safeguarding_words_in",
    "school_counsellors",
    "school_safeguarding_staff",
    "sensitive_words_in",
    "tell_moderators_about_held",
]

# Shown to a student in the mental-health lane straight away, whatever the time of day.
HOTLINES = (
    ("12355", "青少年服务台（共青团，心理咨询与法律帮助）"),
    ("12356", "全国统一心理援助热线"),
    ("110 / 120", "遇到危险或受伤时，立刻报警或叫救护车"),
)

# Shown to a student in the safeguarding lane: danger now means the police first.
SAFEGUARDING_HOTLINES = (
    ("110", "正在遇到危险、被打或被威胁时，立刻报警"),
    ("12355", "青少年服务台（共青团，法律帮助和心理支持）"),
    ("120", "受伤时叫救护车"),
)

_cache: dict[tuple, tuple] = {}


def _word_list(name: str) -> tuple[str, ...]:
    paths = (
        Path(current_app.config["CONTENT_DIR"]) / name,
        Path(current_app.instance_path) / name,
    )
    stamp = tuple(p.stat().st_mtime_ns if p.is_file() else 0 for p in paths)
    key = (name, paths)
    cached = _cache.get(key)
    if cached is None or cached[0] != stamp:
        cached = (stamp, load_word_list(*paths))
        _cache[key] = cached
    return cached[1]


WORD_FILES = {"sensitive": "sensitive_words.txt", "distress": "distress_words.txt",
              "safeguarding": "safeguarding_words.txt"}


def file_words(list_name: str) -> tuple[str, ...]:
    """The words of a list's files: content/<file> plus the instance folder's <file>."""
    return _word_list(WORD_FILES[list_name])


def added_words(list_name: str) -> tuple[str, ...]:
    """The words district admins added to a list in the web UI, oldest first."""
    return tuple(db.session.scalars(select(ModerationWord.word).where(
        ModerationWord.list_name == list_name).order_by(ModerationWord.id)))


def listed_words(list_name: str) -> tuple[str, ...]:
    """Every word of a list: the files' and the web UI's."""
    return tuple(dict.fromkeys(file_words(list_name) + added_words(list_name)))


def sensitive_words_in(text: str) -> list[str]:
    """Words of the sensitive list (files and web UI) found in text."""
    return matching_words(text, listed_words("sensitive"))


def distress_words_in(text: str) -> list[str]:
    """Signs of distress in text: the screening's patterns and the distress list's words."""
    return distress_signs(text, listed_words("distress"))


def safeguarding_words_in(text: str) -> list[str]:
    """Signs of bullying, violence or abuse in text: patterns and the safeguarding list's words."""
    return safeguarding_signs(text, listed_words("safeguarding"))


def enter_mental_health_lane(question: Question, distress_words: list[str], now: datetime) -> None:
    """Make the question private and urgent and route it to counsellors (not yet committed)."""
    question.mental_health = True
    question.private = True
    question.urgent = True
    if question.status == QuestionStatus.HELD:
        question.status = QuestionStatus.OPEN
    question.held_words = "、".join(distress_words)[:300]


def enter_safeguarding_lane(question: Question, signs: list[str]) -> None:
    """Make the question private and urgent for the safeguarding staff (not yet committed)."""
    question.safeguarding = True
    question.private = True
    question.urgent = True
    if question.status == QuestionStatus.HELD:
        question.status = QuestionStatus.OPEN
    question.held_words = "、".join(dict.fromkeys(
        [w for w in (question.held_words or "").split("、") if w] + signs))[:300]


def _flagged_staff(flag, school_id: int | None = None, *, district: bool = False) -> list[User]:
    if school_id is None and not district:
        return []
    query = select(User).where(flag.is_(True), User.active.is_(True), User.role != Role.STUDENT)
    if not district:
        query = query.where(User.school_id == school_id)
    return list(db.session.scalars(query.order_by(User.id)))


def school_counsellors(school_id: int | None) -> list[User]:
    """Active counsellors (staff marked as 心理老师) of one school."""
    return _flagged_staff(User.is_counsellor, school_id)


def school_safeguarding_staff(school_id: int | None) -> list[User]:
    """Active safeguarding staff (marked as 安全保护老师) of one school."""
    return _flagged_staff(User.is_safeguarding, school_id)


def _district_counsellors() -> list[User]:
    return _flagged_staff(User.is_counsellor, district=True)


def district_safeguarding_staff() -> list[User]:
    """Every active safeguarding staff member of the district."""
    return _flagged_staff(User.is_safeguarding, district=True)


def moderators_of(school_id: int | None) -> list[User]:
    """The admins who moderate a school's questions: its school admins and district admins."""
    return list(db.session.scalars(select(User).where(
        User.active.is_(True),
        (User.role == Role.DISTRICT_ADMIN)
        | ((User.role == Role.SCHOOL_ADMIN) & (User.school_id == school_id)),
    )))


def _open_alert(question: Question, reason: str, staff: list[User], district_staff, *,
                lane: str, need: str) -> Alert:
    """An alert for the school's staff of one lane; a school without them escalates at once.

    district_staff: returns the district's staff of the lane, who read the question once one of
    them has claimed it. lane names the missing staff in the audit; need is the notice's words.
    """
    alert = Alert(question_id=question.id, school_id=question.school_id, reason=reason[:300])
    db.session.add(alert)
    if not staff:
        question.due_at = question.created_at
        question.escalated_at = question.created_at
        audit(None, "question.escalate", question, reason=f"no_school_{lane}")
        notify(district_staff(), "urgent_alert",
               f"{need}，所在学校没有{LANE_STAFF[lane]}，请尽快认领。", "/qa/queue")
    notify(staff + moderators_of(question.school_id), "urgent_alert",
           f"{need}，请尽快查看并确认。", f"/qa/{question.id}")
    return alert


LANE_STAFF = {"counsellor": "心理老师", "safeguarding_staff": "安全保护老师"}


def raise_alert(question: Question, distress_words: list[str]) -> Alert:
    """Open an alert that a person must acknowledge and tell the school's counsellors.

    A school without counsellors escalates at once to the district's counsellors.
    """
    reason = "学科：心理健康" if not distress_words else "出现求助词语：" + "、".join(distress_words)
    return _open_alert(question, reason, school_counsellors(question.school_id),
                       _district_counsellors, lane="counsellor", need="有学生需要心理支持")


def raise_safeguarding_alert(question: Question, signs: list[str]) -> Alert:
    """Open an alert for the school's safeguarding staff (the district's when it has none)."""
    return _open_alert(question, "安全保护：" + "、".join(signs),
                       school_safeguarding_staff(question.school_id), district_safeguarding_staff,
                       lane="safeguarding_staff", need="有学生可能正在受到欺凌或伤害")


def alert_district_counsellors(question: Question) -> None:
    """Nobody at the school has taken it in time: tell every counsellor of the district."""
    notify(_district_counsellors(), "urgent_alert",
           "一位学生的心理求助超过时限仍无人认领，请尽快认领。", "/qa/queue")


def tell_moderators_about_held(question: Question) -> None:
    """A held question waits for an admin's decision."""
    notify(moderators_of(question.school_id), "moderation",
           f"问题《{question.title[:40]}》含敏感词，等待审核。", "/qa/moderation")
