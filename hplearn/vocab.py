"""Controlled vocabularies: the curriculum's stages, grades, subjects and kinds; roles and statuses.

Roles and statuses are StrEnums: a member is its string ("student"), so columns, JSON and
templates keep the plain values; the database refuses any other value (CHECK constraints).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What an account is; a parent belongs to no school, only to the children bound to them."""

    STUDENT = "student"
    TEACHER = "teacher"
    SCHOOL_ADMIN = "school_admin"
    DISTRICT_ADMIN = "district_admin"
    PARENT = "parent"


class QuestionStatus(StrEnum):
    """Where a Q&A question is in its life."""

    OPEN = "open"
    CLAIMED = "claimed"
    ANSWERED = "answered"
    CLOSED = "closed"
    HELD = "held"


class ResourceStatus(StrEnum):
    """Whether students see a resource."""

    DRAFT = "draft"
    PUBLISHED = "published"
    SCHOOL = "school"  # published to one school only (a contribution its school approved for itself)
    RETIRED = "retired"


STAGES = ("小学", "初中", "高中")
SCHOOL_STAGES = ("小学", "初中", "九年一贯", "高中", "完全中学")
# The last grade of each kind of school: its students graduate when the school year turns.
FINAL_GRADES = {"小学": 6, "初中": 9, "九年一贯": 9, "高中": 12, "完全中学": 12}

RESOURCE_KINDS = {
    "video": "视频",
    "document": "文档",
    "article": "文章",
    "link": "链接",
    "textbook": "教材",
    "package": "课程包",
}
RESOURCE_STATUSES = tuple(ResourceStatus)
STATUS_LABELS = {
    ResourceStatus.DRAFT: "草稿", ResourceStatus.PUBLISHED: "已发布",
    ResourceStatus.SCHOOL: "校内发布", ResourceStatus.RETIRED: "已下架",
}

PLATFORM_LEVELS = {"national": "国家级", "municipal": "市级", "district": "区级"}

GRADE_NAMES = {
    1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
    7: "七年级", 8: "八年级", 9: "九年级", 10: "高一", 11: "高二", 12: "高三",
}
# Other names people use for the same grade.
GRADE_ALIASES = {
    "初一": 7, "初二": 8, "初三": 9,
    "高一": 10, "高二": 11, "高三": 12,
    "高中一年级": 10, "高中二年级": 11, "高中三年级": 12,
}

VOLUMES = ("上册", "下册", "全一册", "必修", "选择性必修")

# 学校类型 of the national textbook catalog; lists show 普通 until another (or 全部) is chosen.
SCHOOL_TYPE_GENERAL = "普通"
SCHOOL_TYPES = (SCHOOL_TYPE_GENERAL, "盲校", "聋校", "培智学校")
SCHOOL_TYPE_ALL = "全部"

# Subjects of the national curriculum, in the order the national platform lists them.
SUBJECTS = (
    "道德与法治", "思想政治", "语文", "数学", "英语", "日语", "俄语", "历史", "地理", "物理",
    "化学", "生物学", "科学", "音乐", "美术", "艺术", "体育与健康", "信息科技", "信息技术",
    "通用技术", "劳动", "心理健康", "书法",
    # Special education (盲校, 聋校, 培智学校) subjects found in the national catalog.
    "生活适应", "沟通与交往", "定向行走", "综合康复", "生活语文", "生活数学", "劳动技能",
)
# The order subjects are listed in: the most asked first (语文, 数学, 英语), then the order of the
# national curriculum plans (义务教育课程方案 2022, then the senior-secondary ones), then the rest.
_SUBJECTS_FIRST = (
    "语文", "数学", "英语", "道德与法治", "历史", "地理", "科学", "物理", "化学", "生物学",
    "信息科技", "体育与健康", "艺术", "音乐", "美术", "劳动", "心理健康", "思想政治", "日语",
    "俄语", "信息技术", "通用技术", "书法",
)
SUBJECTS_IN_ORDER = _SUBJECTS_FIRST + tuple(s for s in SUBJECTS if s not in _SUBJECTS_FIRST)


def subject_order(subject: str | None) -> tuple[int, str]:
    """A sort key putting subjects in SUBJECTS_IN_ORDER, unknown ones (and None) after them."""
    try:
        return SUBJECTS_IN_ORDER.index(subject), ""
    except ValueError:
        return len(SUBJECTS_IN_ORDER), subject or ""


def teacher_title(name: str | None) -> str:
    """王老师 stays 王老师; 王芳 becomes 王芳老师 (a display name may already say 老师)."""
    name = (name or "").strip()
    return name if name.endswith("老师") else f"{name}老师"


SUBJECT_SHORT_NAMES = {
    "道法": "道德与法治", "品德": "道德与法治", "思品": "道德与法治", "政治": "思想政治",
    "思政": "思想政治", "生物": "生物学", "信息": "信息科技", "信科": "信息科技",
    "体育": "体育与健康", "心理": "心理健康", "美术与设计": "美术",
}


def stage_for_grade(grade: int | None) -> str | None:
    """Return the 学段 a grade belongs to (1–6 小学, 7–9 初中, 10–12 高中)."""
    if grade is None:
        return None
    if 1 <= grade <= 6:
        return "小学"
    if 7 <= grade <= 9:
        return "初中"
    if 10 <= grade <= 12:
        return "高中"
    return None


def grades_for_stage(stage: str | None) -> list[int]:
    """Return the grades of a 学段, or all twelve when stage is None."""
    ranges = {"小学": range(1, 7), "初中": range(7, 10), "高中": range(10, 13)}
    if stage is None:
        return list(range(1, 13))
    return list(ranges.get(stage, ()))


def grade_label(grade: int | None) -> str:
    """Return the Chinese name of a grade, or an empty string."""
    return GRADE_NAMES.get(grade, "") if grade else ""


def canonical_subject(name: str | None) -> str | None:
    """Map a subject or its short name to the curriculum name; None if unknown."""
    if not name:
        return None
    name = name.strip()
    if name in SUBJECTS:
        return name
    return SUBJECT_SHORT_NAMES.get(name)


def parse_grade(value) -> int | None:
    """Read a grade from 8, "8", "8年级", "八年级" or "初二"; None if it is none of these."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1 <= value <= 12 else None
    text = str(value).strip()
    if text in GRADE_ALIASES:
        return GRADE_ALIASES[text]
    for number, label in GRADE_NAMES.items():
        if text == label:
            return number
    digits = text.removesuffix("年级")
    # isdecimal, not isdigit: "¹" is a digit that int() refuses (a 500 schemathesis found).
    if digits.isdecimal() and 1 <= int(digits) <= 12:
        return int(digits)
    return None


def final_grade(school_stage: str | None) -> int | None:
    """Return the last grade of a school of this stage (小学 6, 初中 9, …), or None if unknown."""
    return FINAL_GRADES.get(school_stage or "")
