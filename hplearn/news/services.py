"""Writing, publishing and featuring posts; reading what the public may see.

School admins write their school's posts; district admins write the district's and feature any
published post on the home page. Drafts are seen only by who may edit them. Every step is audited.
"""

from __future__ import annotations

from sqlalchemy import func, select

from hplearn import policy
from hplearn.accounts.models import School
from hplearn.audit.services import record
from hplearn.errors import Conflict, Forbidden, Invalid, NotFound
from hplearn.extensions import db
from hplearn.news.models import KINDS, Post
from hplearn.pagination import Page, PageRequest
from hplearn.timeutil import utcnow

TITLE_MAX = 120
BODY_MAX = 20_000
FEATURED_COUNT = 4


def _school_id(actor, school_code) -> int | None:
    """The school a new post belongs to: a school admin's own; a district admin's choice or none."""
    if policy.is_district_admin(actor):
        if not school_code:
            return None
        school = db.session.scalar(select(School).where(School.code == str(school_code)[:32]))
        if school is None:
            raise Invalid("没有这所学校。", field="school")
        return school.id
    if policy.is_admin(actor) and actor.school_id is not None:
        return actor.school_id
    raise Forbidden("只有学校管理员和区级管理员可以发布文章。")


def _checked(values: dict) -> tuple[str, str, str]:
    kind = str(values.get("kind") or "").strip()
    if kind not in KINDS:
        raise Invalid(f"类别必须是：{'、'.join(KINDS.values())}。", field="kind")
    title = " ".join(str(values.get("title") or "").split())
    if not title or len(title) > TITLE_MAX:
        raise Invalid(f"请填写标题（不超过 {TITLE_MAX} 个字）。", field="title")
    body = str(values.get("body") or "").strip()
    if len(body) > BODY_MAX:
        raise Invalid(f"正文不能超过 {BODY_MAX} 个字。", field="body")
    if "\x00" in title + body:
        raise Invalid("内容里有无法识别的字符。", field="body")
    return kind, title, body


def create_post(actor, values: dict) -> Post:
    """A draft post of the actor's school (or, for district admins, of the district)."""
    school_id = _school_id(actor, values.get("school"))
    kind, title, body = _checked(values)
    post = Post(school_id=school_id, kind=kind, title=title, body=body, author_id=actor.id)
    db.session.add(post)
    db.session.flush()
    record(actor, "news.create", post, school_id=school_id, title=title, kind=kind)
    if values.get("publish"):
        post.published_at = utcnow()
        record(actor, "news.publish", post, school_id=school_id, title=title)
    db.session.commit()
    return post


def editable_post(actor, post_id: int) -> Post:
    """A post the actor may edit; 404 for any other (drafts of others are not known to exist)."""
    post = db.session.get(Post, post_id)
    if post is None or not policy.can_edit_post(actor, post):
        raise NotFound("没有找到这篇文章。")
    return post


def update_post(actor, post_id: int, values: dict) -> Post:
    """Change a post's kind, title or text."""
    post = editable_post(actor, post_id)
    kind, title, body = _checked(values)
    changed = [name for name, value in (("kind", kind), ("title", title), ("body", body))
               if getattr(post, name) != value]
    post.kind, post.title, post.body = kind, title, body
    record(actor, "news.update", post, title=title, fields=changed)
    db.session.commit()
    return post


def set_published(actor, post_id: int, published: bool) -> Post:
    """Publish a draft to the public, or take a post down (it leaves the home page too)."""
    post = editable_post(actor, post_id)
    if published == (post.published_at is not None):
        raise Conflict("文章已经发布了。" if published else "文章还没有发布。")
    post.published_at = utcnow() if published else None
    if not published:
        post.featured_at = None
    record(actor, "news.publish" if published else "news.unpublish", post, title=post.title)
    db.session.commit()
    return post


def set_featured(actor, post_id: int, featured: bool) -> Post:
    """District admins feature a published post of any school on the home page, or stop."""
    if not policy.can_feature_posts(actor):
        raise Forbidden("只有区级管理员可以把文章推荐到首页。")
    post = db.session.get(Post, post_id)
    if post is None or post.published_at is None:
        raise NotFound("没有找到这篇已发布的文章。")
    post.featured_at = utcnow() if featured else None
    record(actor, "news.feature" if featured else "news.unfeature", post, title=post.title)
    db.session.commit()
    return post


def published_post(post_id: int) -> Post:
    """A published post, for anyone."""
    post = db.session.get(Post, post_id)
    if post is None or post.published_at is None:
        raise NotFound("没有找到这篇文章，可能已经撤下了。")
    return post


def visible_post(viewer, post_id: int) -> Post:
    """A published post, or a draft for who may edit it (to preview)."""
    post = db.session.get(Post, post_id)
    if post is not None and (post.published_at is not None or policy.can_edit_post(viewer, post)):
        return post
    raise NotFound("没有找到这篇文章，可能已经撤下了。")


def published_posts(page: PageRequest, *, school_id=None, kind=None) -> Page:
    """Published posts, newest first, of one school (or the district's with school_id 0)."""
    query = select(Post).where(Post.published_at.is_not(None))
    if school_id == 0:
        query = query.where(Post.school_id.is_(None))
    elif school_id is not None:
        query = query.where(Post.school_id == school_id)
    if kind:
        query = query.where(Post.kind == kind)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Post.published_at.desc(), Post.id.desc())
                              .offset(page.offset).limit(page.per_page))
    return Page(items=list(rows), total=total, page=page.page, per_page=page.per_page)


def featured(limit: int = FEATURED_COUNT) -> list[Post]:
    """What the district features on the home page, latest featured first."""
    return list(db.session.scalars(select(Post).where(
        Post.featured_at.is_not(None), Post.published_at.is_not(None),
    ).order_by(Post.featured_at.desc()).limit(limit)))


def latest_of_school(school_id: int | None, limit: int = 3) -> list[Post]:
    """A school's newest published posts and the district's, for its families."""
    query = select(Post).where(Post.published_at.is_not(None))
    query = query.where((Post.school_id == school_id) | Post.school_id.is_(None))
    return list(db.session.scalars(query.order_by(Post.published_at.desc()).limit(limit)))


def desk_posts(actor) -> list[Post]:
    """The posts an admin edits: their school's, or (district) the district's and every school's."""
    if not policy.is_admin(actor):
        raise Forbidden("只有学校管理员和区级管理员可以管理文章。")
    query = select(Post)
    if not policy.is_district_admin(actor):
        query = query.where(Post.school_id == actor.school_id)
    return list(db.session.scalars(query.order_by(Post.created_at.desc(), Post.id.desc()).limit(200)))


def school_filter(code) -> tuple[int | None, School | None]:
    """A ?school= value: None (all), 0 with "district" (the district's own), or a school."""
    code = str(code or "")
    if not code:
        return None, None
    if code == "district":
        return 0, None
    school = db.session.scalar(select(School).where(School.code == code[:32]))
    if school is None:
        raise NotFound("没有找到这所学校。")
    return school.id, school


def kind_of(value) -> str | None:
    """A kind from a query string, or None; unknown kinds are refused."""
    if not value:
        return None
    if value not in KINDS:
        raise Invalid(f"类别必须是：{'、'.join(KINDS)}。", field="kind")
    return value
