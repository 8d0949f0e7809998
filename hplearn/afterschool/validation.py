"""Input of the after-school pages, API and CLI turned into clean values or a Chinese 422."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from hplearn.afterschool import rules
from hplearn.errors import DomainError, Forbidden, Invalid, NotFound
from hplearn.vocab import grade_label

STAFF_KINDS = {"teacher": "本校教师", "retired": "退休教师", "volunteer": "志愿者",
               "external": "校外人员"}
MAX_CAPACITY = 2000
MAX_FEE_CENTS = 10_000_00
MAX_SLOTS = 10
MAX_STAFF = 10
DEFAULT_FEE_WAIVER = "家庭经济困难学生（低保、特困供养、残疾学生等）经学校审核后减免"


class AfterschoolError(DomainError):
    """A request the after-school rules refuse."""


class AfterschoolInvalid(AfterschoolError, Invalid):
    """Input the after-school rules refuse (422, with the field it concerns)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message, field)


class AfterschoolNotFound(AfterschoolError, NotFound):
    """No such school, guide, programme or student, or one of another school."""


class AfterschoolForbidden(AfterschoolError, Forbidden):
    """The role may not do this."""


def _text(data: dict, key: str, label: str, limit: int, *, required: bool) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise AfterschoolInvalid(key, f"{label}必须是文字。")
    value = value.strip()
    if required and not value:
        raise AfterschoolInvalid(key, f"请填写{label}。")
    if len(value) > limit:
        raise AfterschoolInvalid(key, f"{label}不能超过 {limit} 个字。")
    return value


def parse_int(value, key: str, label: str, low: int, high: int) -> int:
    """A whole number between low and high (strings of digits too, from forms)."""
    if isinstance(value, bool):
        raise AfterschoolInvalid(key, f"{label}必须是整数。")
    if isinstance(value, str) and value.strip().lstrip("-").isdecimal():
        value = int(value.strip())
    if not isinstance(value, int):
        raise AfterschoolInvalid(key, f"{label}必须是整数。")
    if not low <= value <= high:
        raise AfterschoolInvalid(key, f"{label}必须在 {low} 到 {high} 之间。")
    return value


def parse_fee(value) -> int:
    """A monthly fee in 元 (a number, or text of one, at most two decimals) as 分."""
    if isinstance(value, bool) or value is None or value == "":
        raise AfterschoolInvalid("fee_per_month", "每月收费必须是数字（元），免费请填 0。")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise AfterschoolInvalid("fee_per_month", "每月收费必须是数字（元），免费请填 0。") from None
    if not amount.is_finite() or amount < 0:
        raise AfterschoolInvalid("fee_per_month", "每月收费不能是负数。")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise AfterschoolInvalid("fee_per_month", "每月收费最多精确到分（两位小数）。")
    if cents > MAX_FEE_CENTS:
        raise AfterschoolInvalid("fee_per_month", "每月收费不能超过 10000 元。")
    return int(cents)


def parse_grades(value, school_grades: list[int]) -> list[int]:
    """Grades (1-12) the school teaches, at least one."""
    if isinstance(value, str):
        value = [part for part in value.replace("，", ",").split(",") if part.strip()]
    if not isinstance(value, list) or not value:
        raise AfterschoolInvalid("grades", "请至少选择一个年级。")
    grades = sorted({parse_int(g, "grades", "年级", 1, 12) for g in value})
    foreign = [g for g in grades if g not in school_grades]
    if foreign:
        raise AfterschoolInvalid(
            "grades", f"本校没有这些年级：{'、'.join(grade_label(g) for g in foreign)}。")
    return grades


def parse_slots(value) -> list[dict]:
    """Weekly slots [{weekday 1-5, start HH:MM, end HH:MM}], none overlapping another."""
    if not isinstance(value, list) or not value:
        raise AfterschoolInvalid("slots", "请至少填写一个上课时间（周几、开始和结束时间）。")
    if len(value) > MAX_SLOTS:
        raise AfterschoolInvalid("slots", f"上课时间最多 {MAX_SLOTS} 段。")
    slots = []
    for item in value:
        if not isinstance(item, dict):
            raise AfterschoolInvalid("slots", "每个上课时间要写明 weekday、start 和 end。")
        weekday = parse_int(item.get("weekday"), "slots", "星期（1 为周一，5 为周五）", 1, 5)
        start, end = rules.parse_time(item.get("start")), rules.parse_time(item.get("end"))
        if start is None or end is None:
            raise AfterschoolInvalid("slots", "时间要写成 时:分，例如 16:30。")
        if end <= start:
            raise AfterschoolInvalid(
                "slots", f"{rules.WEEKDAYS[weekday]}的结束时间 {rules.format_time(end)} "
                f"必须晚于开始时间 {rules.format_time(start)}。")
        slots.append((weekday, start, end))
    slots.sort()
    for (day_a, start_a, end_a), (day_b, start_b, _) in pairwise(slots):
        if day_a == day_b and start_b < end_a:
            raise AfterschoolInvalid(
                "slots", f"{rules.WEEKDAYS[day_a]}的两个时间段重叠"
                f"（{rules.format_time(start_a)}—{rules.format_time(end_a)} 与 "
                f"{rules.format_time(start_b)} 开始的一段），请合并或调整。")
    return [{"weekday": d, "start": rules.format_time(s), "end": rules.format_time(e)}
            for d, s, e in slots]


def parse_staff(value, find_teacher) -> list[dict]:
    """Staff [{name, kind, user_id?, qualification?}]: the school's teachers by account, others
    (retired teachers, volunteers, outside staff) with a note on their qualification.

    find_teacher(user_id) returns the school's active teacher account or None.
    """
    if not isinstance(value, list) or not value:
        raise AfterschoolInvalid("staff", "请至少安排一位负责的老师或工作人员。")
    if len(value) > MAX_STAFF:
        raise AfterschoolInvalid("staff", f"每个项目最多 {MAX_STAFF} 位工作人员。")
    staff = []
    for item in value:
        if not isinstance(item, dict):
            raise AfterschoolInvalid("staff", "每位工作人员要写明 name 和 kind。")
        kind = item.get("kind")
        if kind not in STAFF_KINDS:
            raise AfterschoolInvalid(
                "staff", f"工作人员类别必须是：{'、'.join(STAFF_KINDS)}"
                f"（{'、'.join(STAFF_KINDS.values())}）。")
        qualification = _text(item, "qualification", "资质说明", 200, required=kind != "teacher")
        if kind == "teacher":
            user_id = item.get("user_id")
            teacher = find_teacher(user_id) if isinstance(user_id, int) and user_id > 0 else None
            if teacher is None:
                raise AfterschoolInvalid("staff", "本校教师要选择本校在职教师的账号（user_id）。")
            name = _text(item, "name", "姓名", 64, required=False) or teacher.display_name
            staff.append({"name": name, "kind": kind, "user_id": teacher.id,
                          "qualification": qualification})
        else:
            if item.get("user_id") is not None:
                raise AfterschoolInvalid("staff", "只有本校教师才关联账号；校外人员请不要填写 user_id。")
            name = _text(item, "name", "姓名", 64, required=True)
            staff.append({"name": name, "kind": kind, "user_id": None,
                          "qualification": qualification})
    return staff


PROGRAMME_FIELDS = ("name", "category", "description", "grades", "capacity", "fee_per_month",
                    "fee_waiver", "slots", "place", "staff")


def parse_programme(data, *, school_grades: list[int], find_teacher, partial: bool) -> dict:
    """Clean values of a programme from JSON or a form; partial: only the keys given."""
    if not isinstance(data, dict):
        raise AfterschoolInvalid(None, "请求内容必须是 JSON 对象。")
    unknown = set(data) - set(PROGRAMME_FIELDS) - {"term"}
    if unknown:
        raise AfterschoolInvalid(sorted(unknown)[0], f"不认识的字段：{'、'.join(sorted(unknown))}。")
    wanted = [f for f in PROGRAMME_FIELDS if f in data] if partial else list(PROGRAMME_FIELDS)
    parsers = {
        "name": lambda: _text(data, "name", "项目名称", 60, required=True),
        "category": lambda: _category(data.get("category")),
        "description": lambda: _text(data, "description", "服务内容", 4000, required=False),
        "grades": lambda: parse_grades(data.get("grades"), school_grades),
        "capacity": lambda: parse_int(data.get("capacity"), "capacity", "容纳人数", 1,
                                      MAX_CAPACITY),
        "fee_per_month": lambda: parse_fee(data.get("fee_per_month")),
        "fee_waiver": lambda: _text(data, "fee_waiver", "减免办法", 200, required=False),
        "slots": lambda: parse_slots(data.get("slots")),
        "place": lambda: _text(data, "place", "地点", 100, required=True),
        "staff": lambda: parse_staff(data.get("staff"), find_teacher),
    }
    values = {name: parsers[name]() for name in wanted}
    if values.get("category") == rules.EVENING_STUDY and "grades" in values and not set(
            values["grades"]) <= rules.MIDDLE_SCHOOL_GRADES:
        raise AfterschoolInvalid("grades", "初中晚自习只面向七至九年级。")
    return values


def _category(value) -> str:
    if value not in rules.CATEGORIES:
        raise AfterschoolInvalid("category", f"项目类别必须是：{'、'.join(rules.CATEGORIES)}。")
    return value


def parse_date(value, key: str, label: str) -> date | None:
    """A YYYY-MM-DD date, None when empty."""
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise AfterschoolInvalid(key, f"{label}要写成 年-月-日，例如 2025-09-01。") from None


def parse_window(opens, closes) -> tuple[date | None, date | None]:
    """The sign-up window: both dates or neither, closing on or after the day it opens."""
    first = parse_date(opens, "signup_opens", "报名开始日期")
    last = parse_date(closes, "signup_closes", "报名截止日期")
    if (first is None) != (last is None):
        raise AfterschoolInvalid("signup_closes", "报名开始和截止日期要一起填写。")
    if first and last and last < first:
        raise AfterschoolInvalid("signup_closes", "报名截止日期不能早于开始日期。")
    return first, last


def parse_reasons(value) -> dict[str, str]:
    """Written reasons for broken rules: {rule id: text}."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise AfterschoolInvalid("reasons", "reasons 必须是 {规则: 理由} 形式的对象。")
    reasons = {}
    for rule, text in value.items():
        if rule not in rules.RULES:
            raise AfterschoolInvalid("reasons", f"没有这条规则：{rule}。")
        if not isinstance(text, str) or len(text.strip()) > 500:
            raise AfterschoolInvalid("reasons", "每条理由必须是不超过 500 字的文字。")
        if text.strip():
            reasons[rule] = text.strip()
    return reasons


def parse_id_list(value, key: str, label: str, *, limit: int) -> list[int]:
    """A list of distinct positive ids."""
    if not isinstance(value, list):
        raise AfterschoolInvalid(key, f"{label}必须是编号列表。")
    ids = [parse_int(v, key, label, 1, 2**31 - 1) for v in value]
    if len(set(ids)) != len(ids):
        raise AfterschoolInvalid(key, f"{label}不能重复。")
    if len(ids) > limit:
        raise AfterschoolInvalid(key, f"{label}最多 {limit} 个。")
    return ids
