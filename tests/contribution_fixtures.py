"""Helpers for the contribution, exercise and learning tests: a lesson package in each state."""

from __future__ import annotations

import io

from hplearn.contributions import review, services
from tests.media_samples import MP4, PDF

EXERCISES = """### 单选
3 和 4 是直角边，斜边是多少？
- [ ] 6
- [x] 5
> 3² + 4² = 25。

### 多选
哪几组可以是直角三角形的三边？
- [x] 3、4、5
- [x] 5、12、13
- [ ] 2、3、4

### 判断
勾股定理对所有三角形都成立。
答案：错
> 只对直角三角形成立。

### 填空
斜边 10、直角边 6，另一条直角边是 {{8|八}}。
"""

DETAILS = {"title": "勾股定理", "summary": "直角三角形三边的关系。", "stage": "初中", "grade": 8,
           "subject": "数学", "edition": "人教版", "volume": "下册", "unit": "第十七章 勾股定理"}


def draft_package(teacher, **changes):
    """A complete draft package: 微课 video, 课件 PDF, 教学设计 text and four exercises."""
    c = services.create_contribution(teacher, "package", {**DETAILS, **changes})
    services.upload_part_file(teacher, c.id, "video", io.BytesIO(MP4), "微课.mp4")
    services.upload_part_file(teacher, c.id, "slides", io.BytesIO(PDF), "课件.pdf")
    services.set_part_text(teacher, c.id, "design", {"body": "## 教学目标\n会用勾股定理。"})
    services.set_exercises(teacher, c.id, EXERCISES)
    return services.get_visible_contribution(c.id, teacher)


def submitted_package(teacher, **changes):
    """A package waiting for review."""
    return review.submit(teacher, draft_package(teacher, **changes).id)


def published_package(teacher, admin, audience="public", **changes):
    """A package approved (and published) by the school's admin."""
    return review.approve(admin, submitted_package(teacher, **changes).id, audience)
