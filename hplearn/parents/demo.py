"""Demo families: parents bound to the after-school demo's students, one on a 家委会, with
意见建议 answered and waiting. Idempotent; runs after the after-school demo."""

from __future__ import annotations

import click
from sqlalchemy import select

from hplearn.accounts import services as accounts
from hplearn.accounts.models import User
from hplearn.extensions import db
from hplearn.parents import feedback, services
from hplearn.parents.models import CommitteeMember
from hplearn.vocab import Role

PASSWORD = "demo2025pass"
# (username, display name, children's usernames, 家委会 of the school of the first child)
FAMILIES = (
    ("demoxx_p1", "王妈妈", ("demoxx_s301", "demoxx_s101"), False),
    ("demozx_p1", "李爸爸", ("demozx_s701",), True),
)
FEEDBACK = (
    ("demoxx_p1", "demo-xx", "课后服务", "希望足球社团周五也能开放，孩子们很喜欢。", False,
     "感谢建议！下学期我们会和教练商量增加周五的活动。"),
    ("demozx_p1", "demo-zx", "作业负担", "最近数学作业偏多，孩子经常写到九点以后。", True, None),
)


def load() -> str:
    """Create the demo parents, bind them, and add their feedback; print the accounts."""
    made, parents = [], []
    for username, name, children, committee in FAMILIES:
        students = [accounts.user_by_username(child) for child in children]
        if any(student is None for student in students):
            return "skipped: the after-school demo students are missing"
        parent = accounts.user_by_username(username)
        if parent is None:
            parent = accounts.create_user(username, Role.PARENT, PASSWORD, display_name=name)
            made.append(parent)
        parents.append(parent)
        services.bind_children_by_username(parent, children)
        if committee:
            _join_committee(parent, students[0].school_id)
    for parent in made:
        _write_feedback(parent)
    for parent in parents:  # every run shows how to sign in, as the after-school demo does
        kids = "、".join(child.display_name or child.username for child in parent.children)
        click.echo(f"  演示账号：{parent.username} / {PASSWORD}（家长，孩子：{kids}）")
    return f"{len(made)} demo parent(s)"


def _join_committee(parent: User, school_id: int) -> None:
    exists = db.session.scalar(select(CommitteeMember.id).where(
        CommitteeMember.school_id == school_id, CommitteeMember.parent_id == parent.id))
    if exists is None:
        db.session.add(CommitteeMember(school_id=school_id, parent_id=parent.id))
        db.session.commit()
        db.session.expire(parent)


def _write_feedback(parent: User) -> None:
    for username, code, category, body, anonymous, answer in FEEDBACK:
        if username != parent.username:
            continue
        item = feedback.submit(parent, code, category, body, anonymous)
        if answer:
            admin = db.session.scalar(select(User).where(
                User.school_id == item.school_id, User.role == Role.SCHOOL_ADMIN))
            feedback.reply(admin, item.id, answer)
