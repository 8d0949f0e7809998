"""Writing a contribution: its details, its parts (files, texts, exercises), every revision kept.

Review and publication are in review.py; the teachers' record in record.py.
"""

from __future__ import annotations

from sqlalchemy import select

from hplearn import policy
from hplearn.audit.services import record
from hplearn.catalog.models import Resource
from hplearn.contributions import revisions
from hplearn.contributions.models import KINDS, PART_ROLES, Contribution, ContributionPart
from hplearn.contributions.validation import (
    MAX_BODY,
    MAX_TITLE,
    ContributionConflict,
    ContributionForbidden,
    ContributionInvalid,
    ContributionNotFound,
    parse_metadata,
    text_value,
)
from hplearn.exercises import services as exercises
from hplearn.exercises.models import ExerciseSet
from hplearn.extensions import db
from hplearn.media.uploads import save_upload

MAX_ID = 2**31 - 1
# The kind of upload each part takes: 微课 a video, the others a PDF.
UPLOAD_KINDS = {"video": "video", "slides": "document", "design": "document", "worksheet": "document"}
CONTENT_ROLES = ("video", "slides", "design", "worksheet")


def _kind(value) -> str:
    if not isinstance(value, str) or value not in KINDS:
        names = "、".join(f"{key}（{label}）" for key, label in KINDS.items())
        raise ContributionInvalid("kind", f"投稿类型必须是：{names}。")
    return value


def _role(contribution: Contribution, role) -> str:
    if role not in PART_ROLES:
        names = "、".join(f"{key}（{label}）" for key, label in PART_ROLES.items())
        raise ContributionInvalid("role", f"部分必须是：{names}。")
    if contribution.kind == "exercises" and role != "exercises":
        raise ContributionInvalid("role", "为已有资源配练习的投稿只有“课后练习”一部分。")
    return role


def _target_resource(actor, resource_id) -> Resource:
    try:
        resource_id = int(resource_id)
    except (TypeError, ValueError):
        raise ContributionInvalid("resource_id", "请指明要配练习的资源（resource_id）。") from None
    resource = db.session.get(Resource, resource_id) if 1 <= resource_id <= MAX_ID else None
    if resource is None or resource.status not in ("published", "school") or not (
            policy.can_view_resource(actor, resource)):
        raise ContributionInvalid("resource_id", "没有找到这个资源。")
    return resource


def create_contribution(author, kind, data: dict) -> Contribution:
    """Start a draft contribution with its details (and its first revision).

    author: a teacher or school admin of a school.
    kind: resource, package or exercises (exercises: data["resource_id"] names the resource).
    data: the details (parse_metadata); for exercises the resource's own are used if absent.
    """
    if not policy.can_contribute(author):
        raise ContributionForbidden("只有学校的教师可以投稿。")
    kind = _kind(kind)
    target = _target_resource(author, data.get("resource_id")) if kind == "exercises" else None
    if target is not None and not data.get("title"):
        data = {**_details_of(target), **data, "title": f"{target.title}·课后练习"}
    values = parse_metadata(data)
    contribution = Contribution(kind=kind, author_id=author.id, school_id=author.school_id,
                                target_resource_id=target.id if target else None, **values)
    db.session.add(contribution)
    db.session.flush()
    revisions.save_revision(author, contribution)
    record(author, "contribution.create", contribution, title=contribution.title, kind=kind)
    db.session.commit()
    return contribution


def _details_of(resource: Resource) -> dict:
    return {"stage": resource.stage or "", "grade": resource.grade or "",
            "subject": resource.subject or "", "edition": resource.edition or "",
            "volume": resource.volume if resource.volume in ("上册", "下册", "全一册", "必修",
                                                            "选择性必修") else ""}


def get_visible_contribution(contribution_id: int, user) -> Contribution:
    """The contribution if the user may see it (author, reviewers); not found otherwise
    (students, who never see contributions, are refused outright)."""
    if not policy.is_staff(user):
        raise ContributionForbidden("投稿只对教师和管理员开放。")
    contribution = (db.session.get(Contribution, contribution_id)
                    if 1 <= contribution_id <= MAX_ID else None)
    if contribution is None or not policy.can_view_contribution(user, contribution):
        raise ContributionNotFound("没有找到这份投稿。")
    return contribution


def get_editable_contribution(contribution_id: int, user) -> Contribution:
    """The contribution if its author may change it now (draft or returned)."""
    contribution = get_visible_contribution(contribution_id, user)
    if not policy.is_contribution_author(user, contribution):
        raise ContributionForbidden("只有作者可以修改投稿。")
    if not policy.can_edit_contribution(user, contribution):
        raise ContributionConflict(f"投稿{contribution.status_label}，现在不能修改。")
    return contribution


def _saved(actor, contribution: Contribution, action: str, **details) -> Contribution:
    db.session.flush()
    db.session.refresh(contribution)
    if revisions.save_revision(actor, contribution) is not None:
        record(actor, action, contribution, revision=contribution.revision, **details)
    db.session.commit()
    return contribution


def update_details(actor, contribution_id: int, data: dict) -> Contribution:
    """Change a draft's details (only the keys given)."""
    contribution = get_editable_contribution(contribution_id, actor)
    for key, value in parse_metadata(data, partial=True).items():
        setattr(contribution, key, value)
    return _saved(actor, contribution, "contribution.update")


def _part(contribution: Contribution, role: str) -> ContributionPart:
    part = contribution.part(role)
    if part is None:
        part = ContributionPart(role=role, title=PART_ROLES[role])
        contribution.parts.append(part)
    return part


def _check_room(contribution: Contribution, role: str) -> None:
    if contribution.kind != "resource" or role == "exercises" or contribution.part(role):
        return
    if any(p.role in CONTENT_ROLES for p in contribution.parts):
        raise ContributionInvalid(
            "role", "单个资源只有一个内容部分（另可加课后练习）；要多个部分请投“课程包”。")


def set_part_text(actor, contribution_id: int, role, data: dict) -> ContributionPart:
    """Write a part's title and Markdown text (教学设计, 学习任务单, a video's notes…)."""
    contribution = get_editable_contribution(contribution_id, actor)
    role = _role(contribution, role)
    if role == "exercises":
        raise ContributionInvalid("role", "课后练习请用练习编辑页或 PUT …/exercises 填写。")
    _check_room(contribution, role)
    part = _part(contribution, role)
    part.title = text_value(data, "title", "标题", MAX_TITLE) or PART_ROLES[role]
    part.body = text_value(data, "body", "正文", MAX_BODY)
    _saved(actor, contribution, "contribution.part", role=role)
    return part


def upload_part_file(actor, contribution_id: int, role, stream, client_name) -> ContributionPart:
    """Upload a part's file through the media checks (type and size from its bytes).

    role: video (a video) or slides, design, worksheet (a PDF).
    """
    contribution = get_editable_contribution(contribution_id, actor)
    role = _role(contribution, role)
    if role not in UPLOAD_KINDS:
        raise ContributionInvalid("role", "课后练习不上传文件，请直接填写题目。")
    _check_room(contribution, role)
    media = save_upload(actor, stream, client_name, UPLOAD_KINDS[role],
                        school_id=contribution.school_id)
    contribution = get_editable_contribution(contribution_id, actor)
    part = _part(contribution, role)
    part.media_id = media.id
    _saved(actor, contribution, "contribution.part", role=role, media_id=media.id)
    return part


def set_exercises(actor, contribution_id: int, source) -> ExerciseSet:
    """Write the 课后练习 in the exercise text format (docs/exercises.md); strict, line-numbered."""
    contribution = get_editable_contribution(contribution_id, actor)
    part = _part(contribution, "exercises")
    details = {"stage": contribution.stage, "grade": contribution.grade,
               "subject": contribution.subject}
    if part.exercise_set_id is None:
        exercise_set = exercises.new_set(actor, source, title=f"{contribution.title}·课后练习",
                                         **details)
        db.session.flush()
        part.exercise_set_id = exercise_set.id
    else:
        exercise_set = db.session.get(ExerciseSet, part.exercise_set_id)
        exercises.replace_source(actor, exercise_set, source)
        exercises.describe_metadata(exercise_set, **details)
    _saved(actor, contribution, "contribution.part", role="exercises")
    return exercise_set


def append_exercise(actor, contribution_id: int, item_text: str) -> ExerciseSet:
    """Add one item (from the form, or reused from another set) after the existing ones."""
    contribution = get_editable_contribution(contribution_id, actor)
    part = contribution.part("exercises")
    current = ""
    if part is not None and part.exercise_set_id:
        current = db.session.get(ExerciseSet, part.exercise_set_id).source.rstrip()
    return set_exercises(actor, contribution_id, f"{current}\n\n{item_text}".strip())


def reuse_exercise(actor, contribution_id: int, item_id: int) -> ExerciseSet:
    """Copy a published item (found with the staff exercise search) into the draft's exercises."""
    get_editable_contribution(contribution_id, actor)
    item = exercises.get_visible_item(item_id, actor)
    if not item.published:
        raise ContributionInvalid("item_id", "只能复用已发布的题目。")
    return append_exercise(actor, contribution_id, exercises.item_source(item))


def remove_part(actor, contribution_id: int, role) -> Contribution:
    """Take a part out of a draft (its uploaded file stays in the media store)."""
    contribution = get_editable_contribution(contribution_id, actor)
    part = contribution.part(_role(contribution, role))
    if part is None:
        raise ContributionNotFound("这份投稿没有这一部分。")
    contribution.parts.remove(part)
    return _saved(actor, contribution, "contribution.part", role=role, removed=True)


def exercise_set_of(contribution: Contribution) -> ExerciseSet | None:
    """The contribution's exercise set, if it has one."""
    part = contribution.part("exercises")
    return db.session.get(ExerciseSet, part.exercise_set_id) if part and part.exercise_set_id else None


def my_contributions(author) -> list[Contribution]:
    """The author's contributions, newest first."""
    return list(db.session.scalars(
        select(Contribution).where(Contribution.author_id == author.id)
        .order_by(Contribution.id.desc())))
