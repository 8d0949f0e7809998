"""Contribution input turned into clean values or a Chinese 422 naming the field."""

from __future__ import annotations

from sqlalchemy import select

from hplearn.catalog.models import Topic
from hplearn.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from hplearn.extensions import db
from hplearn.vocab import STAGES, SUBJECTS, VOLUMES, canonical_subject, parse_grade, stage_for_grade

MAX_TITLE = 200
MAX_SUMMARY = 2000
MAX_BODY = 20_000
MAX_COMMENT = 2000
MAX_SHORT = 64
MAX_UNIT = 100
METADATA_FIELDS = ("title", "summary", "stage", "grade", "subject", "edition", "volume", "unit",
                   "topic")


class ContributionError(DomainError):
    """A request the contribution rules refuse."""


class ContributionInvalid(ContributionError, Invalid):
    """Input the rules refuse (422, with the field it concerns)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message, field)


class ContributionNotFound(ContributionError, NotFound):
    """No such contribution, or one the user may not see."""


class ContributionForbidden(ContributionError, Forbidden):
    """The role may not do this."""


class ContributionConflict(ContributionError, Conflict):
    """Not possible in the contribution's present state."""


def _has_control_characters(text: str) -> bool:
    return any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text)


def text_value(data: dict, key: str, label: str, limit: int, *, required: bool = False) -> str:
    """A trimmed text field: refused if not text, too long, or holding control characters."""
    value = data.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ContributionInvalid(key, f"{label}必须是文字。")
    value = value.strip()
    if required and not value:
        raise ContributionInvalid(key, f"请填写{label}。")
    if len(value) > limit:
        raise ContributionInvalid(key, f"{label}太长（最多 {limit} 个字）。")
    if _has_control_characters(value):
        raise ContributionInvalid(key, f"{label}含有不允许的控制字符。")
    return value


def _grade(value) -> int | None:
    if value in (None, ""):
        return None
    grade = parse_grade(value if not isinstance(value, str) else value.strip())
    if grade is None:
        raise ContributionInvalid("grade", "年级必须是 1 到 12，或“七年级”“初二”这样的名称。")
    return grade


def _topic_id(value) -> int | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise ContributionInvalid("topic", "专题要写专题的代号，例如 aiguo。")
    topic_id = db.session.scalar(select(Topic.id).where(Topic.slug == value.strip()))
    if topic_id is None:
        raise ContributionInvalid("topic", f"没有代号为“{value}”的专题。")
    return topic_id


def parse_metadata(data: dict, *, partial: bool = False) -> dict:
    """The national vocabulary of a contribution: 学段/年级/学科/版本/册次, unit and topic.

    data: a form or JSON object; partial: keep only the keys present (PATCH).
    """
    values = {
        "title": lambda: text_value(data, "title", "标题", MAX_TITLE, required=True),
        "summary": lambda: text_value(data, "summary", "简介", MAX_SUMMARY),
        "stage": lambda: _choice(data, "stage", "学段", STAGES),
        "grade": lambda: _grade(data.get("grade")),
        "subject": lambda: _subject(data),
        "edition": lambda: text_value(data, "edition", "教材版本", MAX_SHORT) or None,
        "volume": lambda: _choice(data, "volume", "册次", VOLUMES),
        "unit": lambda: text_value(data, "unit", "单元", MAX_UNIT) or None,
        "topic": lambda: _topic_id(data.get("topic")),
    }
    chosen = [key for key in METADATA_FIELDS if not partial or key in data]
    result = {("topic_id" if key == "topic" else key): values[key]() for key in chosen}
    _check_stage_and_grade(result)
    return result


def _choice(data: dict, key: str, label: str, choices) -> str | None:
    value = text_value(data, key, label, MAX_SHORT)
    if value and value not in choices:
        raise ContributionInvalid(key, f"{label}必须是：{'、'.join(choices)}。")
    return value or None


def _subject(data: dict) -> str | None:
    value = text_value(data, "subject", "学科", MAX_SHORT)
    if not value:
        return None
    subject = canonical_subject(value)
    if subject is None:
        examples = "、".join(SUBJECTS[:6])
        raise ContributionInvalid("subject", f"学科“{value}”不在课程目录里，例如：{examples}。")
    return subject


def _check_stage_and_grade(values: dict) -> None:
    grade, stage = values.get("grade"), values.get("stage")
    if grade and not stage:
        values["stage"] = stage_for_grade(grade)
    elif grade and stage and stage_for_grade(grade) != stage:
        raise ContributionInvalid("grade", f"{stage}没有这个年级。")
