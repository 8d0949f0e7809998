"""Checking collection input from JSON and forms: types, ranges, dates. Errors of the feature."""

from __future__ import annotations

import re
from datetime import date

from hplearn.errors import DomainError
from hplearn.vocab import STAGES

MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_RESOURCES = 200
FIELDS = (
    "title", "description", "resource_ids", "public", "stages", "grades",
    "featured_from", "featured_to",
)
REQUIRED = ("title", "public")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CollectionError(DomainError):
    """A request the collection rules refuse; its message is shown to the user."""

    status = 422
    code = "unprocessable"


class CollectionInvalid(CollectionError):
    """One field is wrong."""

    code = "invalid_field"

    def __init__(self, field: str, message: str):
        super().__init__(message, field)


class CollectionNotFound(CollectionError):
    status = 404
    code = "not_found"


class CollectionForbidden(CollectionError):
    status = 403
    code = "forbidden"


def _text(field: str, value, limit: int, required: bool) -> str:
    if not isinstance(value, str):
        raise CollectionInvalid(field, f"{field} 必须是文字。")
    value = value.strip()
    if required and not value:
        raise CollectionInvalid(field, "请填写标题。")
    if len(value) > limit:
        raise CollectionInvalid(field, f"{field} 不能超过 {limit} 个字。")
    return value


def _boolean(field: str, value) -> bool:
    if not isinstance(value, bool):
        raise CollectionInvalid(field, f"{field} 必须是 true 或 false。")
    return value


def _int_list(field: str, value, *, minimum: int, maximum: int, limit: int) -> list[int]:
    if not isinstance(value, list):
        raise CollectionInvalid(field, f"{field} 必须是整数列表。")
    if len(value) > limit:
        raise CollectionInvalid(field, f"{field} 最多 {limit} 项。")
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not minimum <= item <= maximum:
            raise CollectionInvalid(field, f"{field} 里的每一项必须是 {minimum}–{maximum} 的整数。")
    if len(set(value)) != len(value):
        raise CollectionInvalid(field, f"{field} 里有重复项。")
    return list(value)


def _stages(value) -> list[str]:
    if not isinstance(value, list) or any(item not in STAGES for item in value):
        raise CollectionInvalid("stages", f"stages 必须是列表，每项为：{'、'.join(STAGES)}。")
    return [stage for stage in STAGES if stage in value]


def _date(field: str, value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CollectionInvalid(field, f"{field} 必须是 YYYY-MM-DD 格式的真实日期。")


def parse_collection_input(data, *, partial: bool) -> dict:
    """Check collection fields from JSON or a form; return clean values.

    data: a dict of field -> value (JSON types).
    partial: True for PATCH (only given fields), False for create (title and public required).
    """
    if not isinstance(data, dict):
        raise CollectionInvalid("body", "请求内容必须是 JSON 对象。")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise CollectionInvalid(unknown[0], f"不认识的字段：{'、'.join(unknown)}。")
    if not partial:
        for field in REQUIRED:
            if field not in data:
                raise CollectionInvalid(field, f"缺少字段 {field}。")
    parsers = {
        "title": lambda v: _text("title", v, MAX_TITLE, required=True),
        "description": lambda v: _text("description", v, MAX_DESCRIPTION, required=False),
        "public": lambda v: _boolean("public", v),
        "resource_ids": lambda v: _int_list(
            "resource_ids", v, minimum=1, maximum=2**31 - 1, limit=MAX_RESOURCES
        ),
        "grades": lambda v: _int_list("grades", v, minimum=1, maximum=12, limit=12),
        "stages": _stages,
        "featured_from": lambda v: _date("featured_from", v),
        "featured_to": lambda v: _date("featured_to", v),
    }
    return {field: parsers[field](value) for field, value in data.items()}
