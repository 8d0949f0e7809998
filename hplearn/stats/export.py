"""The school statistics as CSV: UTF-8 with a BOM so Excel opens it, one figure per row."""

from __future__ import annotations

import csv
import io

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SUMMARY_LABELS = (
    ("enrolled_students", "在册学生"),
    ("active_students", "活跃学生"),
    ("views", "浏览次数"),
    ("watch_minutes", "观看分钟"),
    ("searches", "搜索次数"),
)
QUESTION_LABELS = (
    ("asked", "提问数"),
    ("answered", "已回答"),
    ("answered_within_target", "目标时间内回答"),
    ("answered_within_target_share", "目标时间内回答比例"),
    ("median_first_response_minutes", "首次回复中位数（分钟）"),
    ("p90_first_response_minutes", "首次回复90分位（分钟）"),
)
USAGE_SECTIONS = (("subject", "学科"), ("topic", "专题"), ("grade", "年级"), ("kind", "类型"))


def safe_cell(value) -> str:
    """A cell Excel shows as text: user-typed text never runs as a formula."""
    text = "" if value is None else str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def school_csv(report: dict) -> str:
    """Render school_report() as CSV text (with BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    stats = report["stats"]
    rows = [("类别", "项目", "指标", "数值"),
            ("学校", stats["school_name"], "代码", stats["school"]),
            ("日期范围", "", "从", stats["from"]), ("日期范围", "", "到", stats["to"])]
    rows += [("概况", "", label, stats[key]) for key, label in SUMMARY_LABELS]
    rows += [("答疑", "", label, stats["questions"][key]) for key, label in QUESTION_LABELS]
    rows += _daily_rows(report["daily"])
    for key, section in USAGE_SECTIONS:
        for entry in report["usage"][key]:
            rows += [(f"按{section}", entry["label"], "浏览次数", entry["views"]),
                     (f"按{section}", entry["label"], "观看分钟", entry["watch_minutes"])]
    rows += [("热门资源", item["title"], "浏览次数", item["views"]) for item in stats["top_resources"]]
    rows += [("热门搜索", item["query"], "次数", item["count"]) for item in stats["top_searches"]]
    rows += [("无结果搜索", item["query"], "次数", item["count"])
             for item in stats["zero_result_searches"]]
    rows += _qa_rows("学科答疑", report["subjects_qa"]) + _qa_rows("教师答疑", report["teachers"])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return BOM + buffer.getvalue()


def _daily_rows(daily) -> list[tuple]:
    rows = []
    for day in daily:
        rows += [("每日", day["day"], "活跃学生", day["active_students"]),
                 ("每日", day["day"], "近7天活跃学生", day["weekly_active_students"]),
                 ("每日", day["day"], "浏览次数", day["views"])]
    return rows


def _qa_rows(section: str, entries) -> list[tuple]:
    return [(section, entry["label"], label, entry[key])
            for entry in entries for key, label in QUESTION_LABELS]


DISTRICT_COLUMNS = (
    ("在册学生", "enrolled_students"), ("活跃学生", "active_students"), ("活跃比例", "active_share"),
    ("浏览次数", "views"), ("人均浏览", "views_per_student"), ("观看分钟", "watch_minutes"),
    ("人均观看分钟", "watch_minutes_per_student"), ("搜索次数", "searches"),
)
DISTRICT_QUESTIONS = (("提问数", "asked"), ("已回答", "answered"),
                      ("目标时间内回答", "answered_within_target"),
                      ("首次回复中位数（分钟）", "median_first_response_minutes"))


def _district_row(name: str, code: str, entry: dict) -> list:
    return ([name, code] + [entry.get(key) for _, key in DISTRICT_COLUMNS]
            + [entry["questions"].get(key) for _, key in DISTRICT_QUESTIONS])


def district_csv(report: dict) -> str:
    """Render district_report() as CSV text (with BOM): one row per school, the district's total,
    then the subjects."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    rows = [["日期范围", report["from"], report["to"]],
            ["学校", "代码"] + [label for label, _ in DISTRICT_COLUMNS]
            + [label for label, _ in DISTRICT_QUESTIONS]]
    rows += [_district_row(entry["name"], entry["code"], entry) for entry in report["schools"]]
    rows.append(_district_row("全区合计", "", report["total"]))
    rows.append([])
    rows.append(["学科"] + [label for _, label in QUESTION_LABELS])
    rows += [[entry["label"]] + [entry[key] for key, _ in QUESTION_LABELS]
             for entry in report["subjects"]]
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return BOM + buffer.getvalue()
