"""Demo posts for `hplearn init --demo`: a district policy explanation and a school's story."""

from __future__ import annotations

from sqlalchemy import select

from hplearn.accounts.models import School, User
from hplearn.extensions import db
from hplearn.news.models import Post
from hplearn.timeutil import utcnow
from hplearn.vocab import Role

POLICY_TITLE = "课后服务怎么参加？——写给家长的政策解读（演示）"
POLICY_BODY = """课后服务由学生和家长**自愿**选择，学校不得强制或变相强制参加。

- 时间：周一至周五，每天不少于 2 小时，结束时间不早于 18:30；
- 内容：作业辅导、答疑，以及体育、艺术、科普、劳动等活动；
- 报名：在“课后服务”页面查看各校指南，在报名时间内为孩子选择项目。

有意见和建议，请在“意见建议”里写给学校。"""
STORY_TITLE = "李老师的课后科学社：把实验带进每个周三（演示）"
STORY_BODY = """每周三下午，示范中学的李老师带着二十多名同学做实验：用塑料瓶做“水火箭”，
用放大镜观察树叶的细胞。同学们说，最喜欢的是自己动手、自己找答案。

学校家委会的志愿者家长轮流来帮忙看护，保证实验安全。"""


def load_demo() -> str:
    """Create the two demo posts once and feature them on the home page."""
    made = 0
    district = db.session.scalar(select(User).where(User.role == Role.DISTRICT_ADMIN).order_by(User.id))
    school = db.session.scalar(select(School).where(School.code == "demo-zx"))
    for title, body, kind, school_id in ((POLICY_TITLE, POLICY_BODY, "policy", None),
                                         (STORY_TITLE, STORY_BODY, "story", school.id if school else None)):
        if db.session.scalar(select(Post).where(Post.title == title)) is not None:
            continue
        now = utcnow()
        db.session.add(Post(kind=kind, title=title, body=body, school_id=school_id,
                            author_id=district.id if district else None, published_at=now,
                            featured_at=now))
        made += 1
    db.session.commit()
    return f"{made} demo post(s)"
