"""Review of contributions: submit, return with comments, approve (publish), feature; the queue.

Approval publishes ordinary catalog resources, owned by the contribution's school:
- a single resource: one resource of the part's kind (video, PDF document, or article);
- a package (五件套): one "package" resource for the lesson, and one resource per file or text
  part, listed on the package's page; its 课后练习 attach to the package resource;
- exercises for an existing resource: the set attaches to that resource.
Published to everyone they are `published` (searchable, in every list); published to the school
only they are `school`, which the catalog shows to that school's members alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from hplearn import policy
from hplearn.accounts.models import User
from hplearn.audit.services import record
from hplearn.catalog.models import Resource
from hplearn.contributions.models import (
    AUDIENCES,
    PART_ROLES,
    STATUSES,
    Contribution,
    ContributionEvent,
    ContributionPart,
)
from hplearn.contributions.services import (
    CONTENT_ROLES,
    exercise_set_of,
    get_visible_contribution,
)
from hplearn.contributions.validation import (
    MAX_COMMENT,
    ContributionConflict,
    ContributionForbidden,
    ContributionInvalid,
    text_value,
)
from hplearn.exercises import services as exercises
from hplearn.extensions import db
from hplearn.notifications.services import notify
from hplearn.timeutil import utcnow

SOURCE = "contribution"
# The resource_type of a package's parts, so lists of new resources can show the package alone.
PART_RESOURCE_TYPE = "课程包组成部分"
QUEUE_STATUSES = ("submitted", "returned", "approved", "featured")


def problems(contribution: Contribution) -> list[str]:
    """What must still be done before the contribution can be submitted (empty: ready)."""
    found = []
    if not contribution.stage:
        found.append("请选择学段。")
    if contribution.kind == "package" and not (contribution.grade and contribution.subject):
        found.append("课程包要写明年级和学科。")
    filled = [p for p in contribution.parts if _has_content(p)]
    found += [f"“{p.role_label}”还是空的，请填写或删除这一部分。"
              for p in contribution.parts if not _has_content(p)]
    content = [p for p in filled if p.role in CONTENT_ROLES]
    if contribution.kind == "resource" and len(content) != 1:
        found.append("单个资源要有一个内容部分：微课视频、课件、教学设计或学习任务单。")
    if contribution.kind == "package":
        if not any(p.role in ("video", "slides") for p in filled):
            found.append("课程包至少要有微课视频或课件。")
        if len(filled) < 2:
            found.append("课程包至少要有两部分（五件套：微课视频、课件、教学设计、学习任务单、课后练习）。")
    if contribution.kind == "exercises" and exercise_set_of(contribution) is None:
        found.append("请先填写课后练习。")
    video = contribution.part("video")
    if video is not None and _has_content(video) and video.media_id is None:
        found.append("微课视频要上传视频文件。")
    return found


def _has_content(part: ContributionPart) -> bool:
    if part.role == "exercises":
        return part.exercise_set_id is not None
    return bool(part.media_id or part.body.strip())


def _event(actor, contribution: Contribution, action: str, comment: str = "") -> None:
    contribution.events.append(ContributionEvent(actor_id=actor.id, action=action, comment=comment,
                                                 revision=contribution.revision))
    record(actor, f"contribution.{action}", contribution, title=contribution.title,
           revision=contribution.revision)


def _link(contribution: Contribution) -> str:
    # A plain path: services run without a request (CLI, demo loader, jobs).
    return f"/contributions/{contribution.id}"


def _reviewers(school_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.school_id == school_id, User.role == "school_admin", User.active.is_(True))))


def submit(actor, contribution_id: int) -> Contribution:
    """Send a draft (or a returned contribution) to the school's reviewers."""
    contribution = get_visible_contribution(contribution_id, actor)
    if not policy.is_contribution_author(actor, contribution):
        raise ContributionForbidden("只有作者可以提交投稿。")
    if contribution.status not in ("draft", "returned"):
        raise ContributionConflict(f"投稿{contribution.status_label}，不能再次提交。")
    missing = problems(contribution)
    if missing:
        raise ContributionInvalid(None, "还不能提交：" + "".join(missing))
    contribution.status = "submitted"
    contribution.submitted_at = utcnow()
    _event(actor, contribution, "submit")
    notify([u for u in _reviewers(contribution.school_id) if u.id != actor.id], "contribution",
           f"{actor.display_name or actor.username}提交了投稿《{contribution.title}》，请审核。",
           _link(contribution))
    db.session.commit()
    return contribution


def withdraw(actor, contribution_id: int) -> Contribution:
    """The author takes a submitted contribution back to a draft."""
    contribution = get_visible_contribution(contribution_id, actor)
    if not policy.is_contribution_author(actor, contribution):
        raise ContributionForbidden("只有作者可以撤回投稿。")
    if contribution.status != "submitted":
        raise ContributionConflict("只有待审核的投稿可以撤回。")
    contribution.status = "draft"
    _event(actor, contribution, "withdraw")
    db.session.commit()
    return contribution


def _reviewable(actor, contribution_id: int, statuses=("submitted",)) -> Contribution:
    contribution = get_visible_contribution(contribution_id, actor)
    if policy.is_contribution_author(actor, contribution):
        raise ContributionForbidden("不能审核自己的投稿，请由学校的其他管理员审核。")
    if not policy.can_review_contribution(actor, contribution):
        raise ContributionForbidden("只有本校管理员可以审核投稿。")
    if contribution.status not in statuses:
        raise ContributionConflict(f"投稿{contribution.status_label}，不能进行这项操作。")
    return contribution


def return_for_changes(actor, contribution_id: int, comment) -> Contribution:
    """Send a submitted contribution back to its author with the reviewer's comments."""
    contribution = _reviewable(actor, contribution_id)
    comment = text_value({"comment": comment}, "comment", "修改意见", MAX_COMMENT, required=True)
    contribution.status = "returned"
    contribution.review_comment = comment
    contribution.reviewer_id = actor.id
    contribution.reviewed_at = utcnow()
    _event(actor, contribution, "return", comment)
    notify([contribution.author], "contribution",
           f"你的投稿《{contribution.title}》被退回修改：{comment[:120]}", _link(contribution))
    db.session.commit()
    return contribution


def approve(actor, contribution_id: int, audience, comment="") -> Contribution:
    """Approve a submitted contribution and publish it to the school or to everyone."""
    contribution = _reviewable(actor, contribution_id)
    if not isinstance(audience, str) or audience not in AUDIENCES:
        raise ContributionInvalid("audience", "请选择发布范围：school（本校）或 public（全区公开）。")
    comment = text_value({"comment": comment}, "comment", "审核意见", MAX_COMMENT)
    contribution.audience = audience
    contribution.status = "approved"
    contribution.review_comment = comment
    contribution.reviewer_id = actor.id
    contribution.reviewed_at = utcnow()
    publish(contribution, "published" if audience == "public" else "school")
    _event(actor, contribution, "approve", comment)
    notify([contribution.author], "contribution",
           f"你的投稿《{contribution.title}》已通过审核，发布到{AUDIENCES[audience]}。",
           f"/resources/{contribution.resource_id}")
    db.session.commit()
    return contribution


def feature(actor, contribution_id: int, comment="") -> Contribution:
    """The district features an approved, public contribution (区级精品)."""
    contribution = get_visible_contribution(contribution_id, actor)
    if not policy.can_feature_contribution(actor):
        raise ContributionForbidden("只有区管理员可以推荐区级精品。")
    if contribution.status != "approved" or contribution.audience != "public":
        raise ContributionConflict("只有已通过、面向全区公开的投稿可以推荐为区级精品。")
    contribution.status = "featured"
    contribution.featured_at = utcnow()
    _event(actor, contribution, "feature",
           text_value({"comment": comment}, "comment", "推荐语", MAX_COMMENT))
    notify([contribution.author], "contribution",
           f"你的投稿《{contribution.title}》被推荐为区级精品。", _link(contribution))
    db.session.commit()
    return contribution


# --- publication -----------------------------------------------------------------------------


def _resource(contribution: Contribution, status: str, suffix: str, **fields) -> Resource:
    now = utcnow()
    resource = Resource(
        source=SOURCE, external_id=f"contribution-{contribution.id}{suffix}",
        school_id=contribution.school_id, status=status, published_at=now,
        stage=contribution.stage, grade=contribution.grade, subject=contribution.subject,
        edition=contribution.edition, volume=contribution.volume, topic_id=contribution.topic_id,
        tags=[t for t in (contribution.unit,) if t],
        **fields,
    )
    db.session.add(resource)
    return resource


def _part_resource(contribution: Contribution, part: ContributionPart, status: str, title: str,
                   suffix: str, summary: str) -> Resource:
    # A file is a video (微课) or a PDF; a part without one is a Markdown article.
    kind = ("video" if part.role == "video" else "document") if part.media_id else "article"
    return _resource(contribution, status, suffix, title=title, summary=summary, body=part.body,
                     kind=kind, media_id=part.media_id,
                     resource_type=PART_RESOURCE_TYPE if suffix else None)


def _package_body(contribution: Contribution) -> str:
    # The summary is shown above the body already; the body names what the package holds.
    names = [PART_ROLES[p.role] for p in contribution.parts]
    lines = ["本课程包包括：" + "、".join(names) + "。"]
    if contribution.unit:
        lines.append(f"教材单元：{contribution.unit}。")
    return "\n\n".join(lines)


def publish(contribution: Contribution, status: str) -> Resource | None:
    """Make the catalog resources of an approved contribution (not committed)."""
    exercise_set = exercise_set_of(contribution)
    if contribution.kind == "exercises":
        target = db.session.get(Resource, contribution.target_resource_id)
        contribution.resource_id = target.id
        exercises.publish_set(exercise_set, target)
        return target
    content = [p for p in contribution.parts if p.role in CONTENT_ROLES]
    if contribution.kind == "resource":
        main = _part_resource(contribution, content[0], status, contribution.title, "",
                              contribution.summary)
        parts = [(content[0], main)]
    else:
        main = _resource(contribution, status, "", title=contribution.title,
                         summary=contribution.summary, body=_package_body(contribution),
                         kind="package")
        parts = [(p, _part_resource(contribution, p, status, f"{contribution.title}·{p.role_label}",
                                    f"-{p.role}", f"课程包《{contribution.title}》的{p.role_label}。"))
                 for p in content]
    db.session.flush()
    contribution.resource_id = main.id
    for part, resource in parts:
        part.resource_id = resource.id
    if exercise_set is not None:
        exercises.publish_set(exercise_set, main)
        exercise_set.title = f"{contribution.title}·课后练习"
    return main


# --- the queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    """A school's contributions under review, with how many there are in each state."""

    counts: dict[str, int]
    items: list[Contribution]
    status: str


def parse_queue_status(value) -> str:
    """The queue's filter: submitted (default), returned, approved or featured."""
    value = value or "submitted"
    if value not in QUEUE_STATUSES:
        raise ContributionInvalid("status", f"状态必须是：{'、'.join(QUEUE_STATUSES)}。")
    return value


def review_queue(actor, school_id: int | None, status: str = "submitted") -> Queue:
    """Contributions of a school (district admins: school_id None, every school) in one state.

    Counts are of contributions, never of people, so there is no "<5" rule to apply.
    """
    if school_id is None and not policy.is_district_admin(actor):
        school_id = getattr(actor, "school_id", None)
    if not (policy.is_district_admin(actor) or policy.can_review_contributions(actor, school_id)):
        raise ContributionForbidden("只有学校管理员和区管理员可以审核投稿。")
    where = [] if school_id is None else [Contribution.school_id == school_id]
    counts = dict(db.session.execute(
        select(Contribution.status, func.count()).where(*where).group_by(Contribution.status)).all())
    items = list(db.session.scalars(
        select(Contribution).where(Contribution.status == status, *where)
        .order_by(Contribution.submitted_at, Contribution.id)))
    return Queue({s: counts.get(s, 0) for s in STATUSES}, items, status)


def pending_count(actor) -> int:
    """How many contributions wait for this admin's review (for the navigation badge)."""
    if not policy.is_admin(actor):
        return 0
    where = [Contribution.status == "submitted", Contribution.author_id != actor.id]
    if not policy.is_district_admin(actor):
        where.append(Contribution.school_id == actor.school_id)
    return db.session.scalar(select(func.count(Contribution.id)).where(*where)) or 0


def featured_contributions(limit: int = 6) -> list[Contribution]:
    """The district's 精品, newest first, whose package resource is still published."""
    return list(db.session.scalars(
        select(Contribution).join(Resource, Resource.id == Contribution.resource_id)
        .where(Contribution.status == "featured", Resource.status == "published")
        .order_by(Contribution.featured_at.desc()).limit(limit)))


def package_of(resource: Resource):
    """The approved contribution this resource was published from (package or part), or None."""
    if resource.source != SOURCE:
        return None
    part = db.session.scalar(select(ContributionPart).where(ContributionPart.resource_id == resource.id))
    if part is not None:
        return part.contribution
    return db.session.scalar(select(Contribution).where(Contribution.resource_id == resource.id,
                                                        Contribution.kind != "exercises"))
