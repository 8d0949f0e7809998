"""The district plan's rules for a guide (和平区课后服务实施方案, art. 3 and 11) and the
vocabulary they speak: terms, categories, weekdays, times. Pure functions, no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from hplearn.vocab import grade_label

CATEGORIES = (
    "作业辅导与答疑", "体育", "艺术", "科普", "劳动", "阅读", "爱国主义", "兴趣小组/社团",
    "延时托管", "初中晚自习",
)
EXTENDED_CARE = "延时托管"
EVENING_STUDY = "初中晚自习"
WEEKDAYS = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五"}
# The grades each kind of school teaches (vocab.SCHOOL_STAGES).
SCHOOL_GRADES = {
    "小学": range(1, 7), "初中": range(7, 10), "九年一贯": range(1, 10),
    "高中": range(10, 13), "完全中学": range(7, 13),
}
MIDDLE_SCHOOL_GRADES = frozenset(range(7, 10))
FEE_CAP_CENTS = 180_00
EVENING_FEE_CAP_CENTS = 100_00
MIN_DAILY_MINUTES = 120
EARLIEST_END = 18 * 60 + 30
EVENING_LATEST_END = 20 * 60 + 30

RULES = {
    "five_weekdays": "周一至周五每天都有服务",
    "two_hours_daily": "每天服务不少于 2 小时",
    "ends_after_1830": "每天结束时间不早于 18:30",
    "evening_study_by_2030": "初中晚自习结束时间不晚于 20:30",
    "fee_cap": "每生每月收费不超过 180 元（晚自习不超过 100 元）",
    "all_grades": "覆盖本校所有年级",
    "extended_care": "为有特殊需要的学生提供延时托管",
}

TERM_PATTERN = re.compile(r"^(20\d\d)-([12])$")
TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_term(value) -> str | None:
    """The term `YYYY-1` or `YYYY-2` if value is one, else None."""
    text = str(value or "").strip()
    return text if TERM_PATTERN.match(text) else None


def term_of(day: date) -> str:
    """The term a date falls in: August to January the autumn term, February to July spring."""
    if day.month >= 8:
        return f"{day.year}-1"
    if day.month == 1:
        return f"{day.year - 1}-1"
    return f"{day.year - 1}-2"


def term_label(term: str) -> str:
    """2025-1 -> 2025—2026 学年第一学期."""
    year, half = term.split("-")
    return f"{year}—{int(year) + 1} 学年第{'一' if half == '1' else '二'}学期"


def parse_time(value) -> int | None:
    """Minutes after midnight of an `HH:MM` text, or None."""
    match = TIME_PATTERN.match(str(value or "").strip())
    return int(match.group(1)) * 60 + int(match.group(2)) if match else None


def format_time(minutes: int) -> str:
    """Minutes after midnight as HH:MM."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def slot_minutes(slot: dict) -> tuple[int, int, int]:
    """A stored slot as (weekday, start minute, end minute)."""
    return int(slot["weekday"]), parse_time(slot["start"]), parse_time(slot["end"])


def school_grades(stage: str) -> list[int]:
    """The grades a school of this stage teaches."""
    return list(SCHOOL_GRADES.get(stage, range(1, 10)))


def fee_text(cents: int) -> str:
    """A fee in 元 for people: 150 元, 95.5 元, 免费."""
    if cents == 0:
        return "免费"
    yuan = cents / 100
    return f"{yuan:g} 元/月"


@dataclass(frozen=True)
class Check:
    """One rule of the plan applied to a guide: whether it holds, and what falls short."""

    rule: str
    ok: bool
    detail: str

    @property
    def label(self) -> str:
        """The rule in words."""
        return RULES[self.rule]


def _day_spans(programmes) -> dict[int, list[tuple[int, int]]]:
    spans: dict[int, list[tuple[int, int]]] = {day: [] for day in WEEKDAYS}
    for programme in programmes:
        for slot in programme.slots:
            day, start, end = slot_minutes(slot)
            spans[day].append((start, end))
    return spans


def _covered_minutes(intervals: list[tuple[int, int]]) -> int:
    total, reach = 0, -1
    for start, end in sorted(intervals):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


def _days(days) -> str:
    return "、".join(WEEKDAYS[d] for d in days)


def check_guide(programmes, stage: str) -> list[Check]:
    """Apply every rule of the plan to a guide's programmes (objects with category, grades,
    fee_cents, slots and name) for a school of this stage."""
    spans = _day_spans(programmes)
    missing_days = [day for day, found in spans.items() if not found]
    short_days = [day for day, found in spans.items() if found and
                  _covered_minutes(found) < MIN_DAILY_MINUTES]
    early_days = [day for day, found in spans.items() if found and
                  max(end for _, end in found) < EARLIEST_END]
    late_evening = [p.name for p in programmes if p.category == EVENING_STUDY and any(
        slot_minutes(slot)[2] > EVENING_LATEST_END for slot in p.slots)]
    costly = [p.name for p in programmes if p.fee_cents > (
        EVENING_FEE_CAP_CENTS if p.category == EVENING_STUDY else FEE_CAP_CENTS)]
    covered = {grade for p in programmes for grade in p.grades}
    uncovered = [g for g in school_grades(stage) if g not in covered]
    care = any(p.category == EXTENDED_CARE for p in programmes)
    return [
        Check("five_weekdays", not missing_days,
              f"没有安排服务：{_days(missing_days)}" if missing_days else "周一至周五均有服务"),
        Check("two_hours_daily", not short_days and not missing_days,
              f"服务不足 2 小时：{_days(short_days or missing_days)}" if short_days or missing_days
              else "每天不少于 2 小时"),
        Check("ends_after_1830", not early_days and not missing_days,
              f"18:30 前结束：{_days(early_days or missing_days)}" if early_days or missing_days
              else "每天服务到 18:30 或更晚"),
        Check("evening_study_by_2030", not late_evening,
              f"晚于 20:30 结束：{'、'.join(late_evening)}" if late_evening else "符合"),
        Check("fee_cap", not costly,
              f"收费超过上限：{'、'.join(costly)}" if costly else "收费在上限以内"),
        Check("all_grades", not uncovered,
              f"没有项目的年级：{'、'.join(grade_label(g) for g in uncovered)}" if uncovered
              else "所有年级都有项目"),
        Check("extended_care", care, "已设延时托管" if care else "没有延时托管项目"),
    ]


def unexplained(checks: list[Check], reasons: dict[str, str]) -> list[Check]:
    """The broken rules without a written reason."""
    return [c for c in checks if not c.ok and not (reasons.get(c.rule) or "").strip()]
