"""Server-rendered, accessible SVG charts (role="img", <title> and <desc>); no JavaScript.

Each chart goes beside a data table with the same figures. Values hidden by the "<5" rule get
no bar, only the words 不足5人 (人数不足 5 人 in the description).
"""

from __future__ import annotations

import itertools

from markupsafe import Markup, escape

_ids = itertools.count(1)
ROW_HEIGHT = 26
WIDTH = 640
LABEL_WIDTH = 170
VALUE_WIDTH = 70


def pairs(rows: list[dict], label_key: str, value_key: str) -> list[tuple[str, object]]:
    """(label, value) tuples from a list of dicts, for the chart functions."""
    return [(str(row[label_key]), row[value_key]) for row in rows]


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _text(value) -> str:
    # A hidden figure reads "人数不足 5 人" to people; "<5" reads like "under five minutes".
    return "人数不足 5 人" if value == "<5" else str(value)


def _describe(rows, unit: str) -> str:
    parts = [f"{label}：{_text(value)}{unit if _number(value) is not None else ''}"
             for label, value in rows]
    return "；".join(parts) if parts else "没有数据"


def bar_chart(title: str, rows: list[tuple[str, object]], unit: str = "") -> Markup:
    """A horizontal bar chart of (label, value) rows."""
    chart_id = f"chart-{next(_ids)}"
    height = max(1, len(rows)) * ROW_HEIGHT + 8
    largest = max((_number(v) or 0 for _, v in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(_describe(rows, unit))}</desc>',
    ]
    if not rows:
        parts.append('<text x="0" y="20" class="chart-empty">没有数据</text>')
    for index, (label, value) in enumerate(rows):
        y = index * ROW_HEIGHT + 4
        number = _number(value)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end" class="chart-label">'
            f"{escape(str(label)[:14])}</text>"
        )
        if number is not None and number > 0:
            width = max(1.0, span * number / largest)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{ROW_HEIGHT - 8}" '
                f'class="chart-bar"/>'
            )
        else:
            width = 0
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 17}" class="chart-value">'
            f"{escape('不足5人' if value == '<5' else str(value))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(title: str, rows: list[tuple[str, object]], unit: str = "") -> Markup:
    """A column chart of a daily series: (day label, value) from left to right."""
    chart_id = f"chart-{next(_ids)}"
    height, top, bottom = 160, 10, 24
    count = max(1, len(rows))
    step = (WIDTH - 40) / count
    largest = max((_number(v) or 0 for _, v in rows), default=0) or 1
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(_summary(rows, largest, unit))}</desc>',
        f'<line x1="40" y1="{height - bottom}" x2="{WIDTH}" y2="{height - bottom}" class="chart-axis"/>',
        f'<text x="34" y="{top + 10}" text-anchor="end" class="chart-value">{_short(largest)}</text>',
    ]
    plot = height - top - bottom
    for index, (label, value) in enumerate(rows):
        number = _number(value)
        if number:
            bar = plot * number / largest
            parts.append(
                f'<rect x="{40 + index * step + step * 0.1:.1f}" y="{height - bottom - bar:.1f}" '
                f'width="{max(step * 0.8, 0.5):.1f}" height="{bar:.1f}" class="chart-bar">'
                f"<title>{escape(label)}：{escape(_text(value))}</title></rect>"
            )
    if rows:
        parts.append(f'<text x="40" y="{height - 6}" class="chart-label">{escape(rows[0][0])}</text>')
        parts.append(
            f'<text x="{WIDTH}" y="{height - 6}" text-anchor="end" class="chart-label">'
            f"{escape(rows[-1][0])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _summary(rows, largest: float, unit: str) -> str:
    if not rows:
        return "没有数据"
    hidden = sum(1 for _, v in rows if _number(v) is None)
    text = f"{rows[0][0]} 至 {rows[-1][0]}，共 {len(rows)} 天，最高 {_short(largest)}{unit}"
    return text + (f"；{hidden} 天少于 5 人，不显示" if hidden else "") + "。详细数字见旁边的表格。"
