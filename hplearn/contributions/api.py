"""/api/v1 routes of contributions: drafts and parts, review, the queue, revisions, the record."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required
from sqlalchemy import select

from hplearn import policy
from hplearn.accounts.models import School
from hplearn.api import bp, json_object
from hplearn.catalog.models import Topic
from hplearn.contributions import record, review, revisions, services
from hplearn.contributions.validation import ContributionForbidden, ContributionInvalid, ContributionNotFound
from hplearn.extensions import db
from hplearn.media.uploads import body_too_large, too_large
from hplearn.security import absolute_url


def _body() -> dict:
    data = json_object()
    if data is None:
        raise ContributionInvalid(None, "请求内容必须是 JSON 对象（Content-Type: application/json）。")
    return data


def part_json(part) -> dict:
    """One part of a contribution."""
    return {"role": part.role, "title": part.title, "body": part.body, "media_id": part.media_id,
            "media_url": absolute_url("media.serve", media_id=part.media_id) if part.media_id else None,
            "exercise_set_id": part.exercise_set_id, "resource_id": part.resource_id}


def contribution_json(c) -> dict:
    """C: a contribution as the API shows it."""
    return {
        "id": c.id, "kind": c.kind, "status": c.status, "audience": c.audience,
        "title": c.title, "summary": c.summary, "stage": c.stage, "grade": c.grade,
        "subject": c.subject, "edition": c.edition, "volume": c.volume, "unit": c.unit,
        "topic": c.topic_id and _topic_slug(c.topic_id), "author": c.author.display_name or c.author.username,
        "target_resource_id": c.target_resource_id, "resource_id": c.resource_id,
        "revision": c.revision, "review_comment": c.review_comment,
        "submitted_at": c.submitted_at.isoformat() if c.submitted_at else None,
        "reviewed_at": c.reviewed_at.isoformat() if c.reviewed_at else None,
        "parts": [part_json(p) for p in c.parts],
        "problems": review.problems(c) if c.status in ("draft", "returned") else [],
        "events": [{"action": e.action, "comment": e.comment, "revision": e.revision,
                    "created_at": e.created_at.isoformat()} for e in c.events],
    }


def _topic_slug(topic_id: int):
    topic = db.session.get(Topic, topic_id)
    return topic.slug if topic else None


@bp.get("/contributions")
@login_required
def list_contributions():
    """The caller's own contributions, newest first."""
    if not policy.can_contribute(current_user):
        raise ContributionForbidden("只有学校的教师可以投稿。")
    return jsonify(results=[contribution_json(c) for c in services.my_contributions(current_user)])


@bp.post("/contributions")
@login_required
def create_contribution():
    """Start a draft: {"kind", "title", "stage", "grade", "subject", …, "resource_id"?}."""
    data = _body()
    contribution = services.create_contribution(current_user, data.get("kind"), data)
    return jsonify(contribution_json(contribution)), 201


@bp.get("/contributions/<int:contribution_id>")
@login_required
def get_contribution(contribution_id):
    """One contribution (its author, the school's reviewers, district admins)."""
    return jsonify(contribution_json(services.get_visible_contribution(contribution_id, current_user)))


@bp.patch("/contributions/<int:contribution_id>")
@login_required
def patch_contribution(contribution_id):
    """Change a draft's details (only the keys given)."""
    return jsonify(contribution_json(services.update_details(current_user, contribution_id, _body())))


@bp.put("/contributions/<int:contribution_id>/parts/<role>")
@login_required
def put_part(contribution_id, role):
    """Write a part's text: {"title"?, "body"}."""
    part = services.set_part_text(current_user, contribution_id, role, _body())
    return jsonify(part_json(part))


@bp.post("/contributions/<int:contribution_id>/parts/<role>/file")
@login_required
def upload_part(contribution_id, role):
    """Upload a part's file (multipart `file`): a video for 微课, a PDF for the others."""
    if body_too_large(request.content_length):
        raise too_large("video" if role == "video" else "document")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ContributionInvalid("file", "请选择要上传的文件（字段 file）。")
    part = services.upload_part_file(current_user, contribution_id, role, upload.stream,
                                     upload.filename)
    return jsonify(part_json(part)), 201


@bp.put("/contributions/<int:contribution_id>/exercises")
@login_required
def put_exercises(contribution_id):
    """Write the 课后练习 in the text format: {"source"}; 422 lists each mistake by line."""
    data = _body()
    exercise_set = services.set_exercises(current_user, contribution_id, data.get("source"))
    return jsonify(id=exercise_set.id, items=len(exercise_set.items))


@bp.post("/contributions/<int:contribution_id>/submit")
@login_required
def submit_contribution(contribution_id):
    """Send to the school's reviewers; 422 says what is missing."""
    return jsonify(contribution_json(review.submit(current_user, contribution_id)))


@bp.post("/contributions/<int:contribution_id>/approve")
@login_required
def approve_contribution(contribution_id):
    """Approve and publish: {"audience": "school" | "public", "comment"?}."""
    data = _body()
    contribution = review.approve(current_user, contribution_id, data.get("audience"),
                                  data.get("comment", ""))
    return jsonify(contribution_json(contribution))


@bp.post("/contributions/<int:contribution_id>/return")
@login_required
def return_contribution(contribution_id):
    """Return to the author: {"comment"} (required)."""
    data = _body()
    return jsonify(contribution_json(review.return_for_changes(current_user, contribution_id,
                                                               data.get("comment"))))


@bp.post("/contributions/<int:contribution_id>/feature")
@login_required
def feature_contribution(contribution_id):
    """The district features an approved public contribution."""
    return jsonify(contribution_json(review.feature(current_user, contribution_id)))


@bp.get("/contributions/<int:contribution_id>/revisions/<int:number>/diff")
@login_required
def revision_diff(contribution_id, number):
    """What a revision changed: lines with op "+", "-", " " or "@" (a gap)."""
    contribution = services.get_visible_contribution(contribution_id, current_user)
    against = request.args.get("against")
    if against not in (None, "") and (not against.isdecimal() or len(against) > 6):
        raise ContributionInvalid("against", "against 必须是修订号（正整数）。")
    lines = revisions.diff_between(contribution, number, int(against) if against else None)
    if lines is None:
        raise ContributionNotFound("没有这个修订版本。")
    return jsonify(number=number, against=int(against) if against else number - 1,
                   lines=[{"op": line.op, "text": line.text} for line in lines])


@bp.get("/review/contributions")
@login_required
def review_queue():
    """The review queue of the caller's school (district admins: all), with counts by status."""
    status = review.parse_queue_status(request.args.get("status"))
    queue = review.review_queue(current_user, None, status)
    return jsonify(status=queue.status, counts=queue.counts,
                   results=[contribution_json(c) for c in queue.items])


def _school(code: str) -> School:
    if not policy.is_admin(current_user):
        raise ContributionForbidden("只有学校管理员和区管理员可以查看教师贡献记录。")
    school = db.session.scalar(select(School).where(School.code == code[:32]))
    if school is None or not policy.can_view_contribution_record(current_user, school.id):
        raise ContributionNotFound("没有找到这所学校。")
    return school


@bp.get("/schools/<code>/contribution-record")
@login_required
def contribution_record(code):
    """Each teacher's figures of a term (?term=YYYY-1|2)."""
    school = _school(code)
    term = record.parse_term(request.args.get("term"))
    rows = record.contribution_record(current_user, school, term)
    return jsonify(school=school.code, term=term, teachers=[{
        "username": r.teacher.username, "display_name": r.teacher.display_name,
        "submitted": r.submitted, "approved": r.approved, "answers": r.answers,
        "accepted_answers": r.accepted,
        "median_first_response_minutes": r.median_first_response_minutes,
        "afterschool_hours": r.afterschool_hours} for r in rows])
