"""/api/v1/questions, /api/v1/teacher/queue and /api/v1/qa/counts: the Q&A board for other
systems and apps."""

from __future__ import annotations

from functools import lru_cache

from flask import jsonify, request
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.api import bp, json_object
from hplearn.errors import json_error
from hplearn.markup import render_markdown
from hplearn.media.uploads import body_too_large, too_large
from hplearn.pagination import parse_page
from hplearn.qa import moderation, services
from hplearn.security import absolute_url
from hplearn.timeutil import utcnow
from hplearn.vocab import Role

_CACHED_TEXT_MAX = 2000


@lru_cache(maxsize=4096)
def _cached_html(text: str) -> str:
    return str(render_markdown(text))


def _html(text: str | None) -> str:
    """Rendered Markdown; short texts are cached, as queues show the same questions repeatedly."""
    if text and len(text) <= _CACHED_TEXT_MAX:
        return _cached_html(text)
    return str(render_markdown(text))


def _iso(moment):
    return moment.isoformat() if moment is not None else None


def answer_json(answer) -> dict:
    """An answer as the API shows it."""
    return {
        "id": answer.id,
        "question_id": answer.question_id,
        Role.TEACHER: answer.teacher.display_name,
        "body_html": _html(answer.body),
        "accepted": answer.accepted,
        "hidden": answer.hidden,
        "created_at": _iso(answer.created_at),
    }


def _photos_json(photos) -> list[dict]:
    return [{"id": m.id, "url": absolute_url("media.serve", media_id=m.id)} for m in photos]


def question_json(question, viewer, now, *, detail: bool = False) -> dict:
    """Q: a question as this viewer may see it (anonymous askers stay anonymous).

    In lists, a private question shows only its title and state to staff: its text is read on
    its own page (or GET /questions/<id>), where every staff view is audited. In the queue of
    a teacher of another school, an escalated confidential question shows not even its title
    until that teacher claims it.
    """
    readable = policy.can_view_question(viewer, question, now)
    content_shown = readable and (
        detail or not question.private or policy.is_question_asker(viewer, question)
    )
    data = {
        "id": question.id,
        "title": question.title if readable else _placeholder_title(question),
        "body_html": _html(question.body) if content_shown else "",
        "subject": question.subject,
        "grade": question.grade,
        "status": question.effective_status(now),
        "urgent": question.urgent,
        "private": question.private,
        "anonymous": question.anonymous,
        "asker": services.asker_name(question, viewer) if readable else "",
        "claimed_by": (
            question.claimed_by.display_name
            if question.claimed_by is not None and question.claim_is_live(now) else None
        ),
        "created_at": _iso(question.created_at),
        "first_response_at": _iso(question.first_response_at),
        "expected_reply_by": _iso(question.due_at),
        "expected_reply_text": services.describe_reply_target(question, now),
        "resource_id": question.resource_id,
        "url": absolute_url("qa.detail", question_id=question.id),
        "answers": (
            [answer_json(a) for a in services.visible_answers(question, viewer)]
            if content_shown else []
        ),
    }
    if detail:
        photos = services.photos_of(question) if content_shown else {}
        data["images"] = _photos_json(photos.get(None, []))
        data["followups"] = [
            {"id": f.id, "body_html": _html(f.body), "created_at": _iso(f.created_at),
             "images": _photos_json(photos.get(f.id, []))}
            for f in question.followups
        ]
    return data


def _placeholder_title(question) -> str:
    if question.safeguarding:
        return "一位学生的安全求助（其他学校）"
    return "一位学生的心理求助（其他学校）" if question.mental_health else "一个私密问题（其他学校）"


@bp.post("/questions")
@login_required
def create_question():
    """A student asks; 422 with the reason when personal information or bad input is found."""
    body = json_object()
    if body is None:
        return json_error(400, "请求体必须是 JSON 对象。")
    fields = {key: body.get(key) for key in (
        "title", "body", "subject", "grade", "anonymous", "private", "resource_id"
    )}
    question = services.ask_question(current_user, **fields)
    return jsonify(question_json(question, current_user, utcnow(), detail=True)), 201


@bp.get("/questions")
@login_required
def list_questions():
    """Questions the caller may see; mine=1 for the caller's own; q= searches answered ones."""
    mine = request.args.get("mine", "") in ("1", "true", "yes")
    text = request.args.get("q", "").strip()
    subject = request.args.get("subject") or None
    page_request = parse_page(request.args, default_per_page=20, max_per_page=50)
    if text:
        found = services.search_questions(text, current_user, page_request, subject)
        page, questions = found, [hit.object for hit in found.items]
    else:
        page = services.list_questions(
            current_user, page_request, status=request.args.get("status") or None,
            subject=subject, mine=mine, exact_total=True,  # (the contract: an exact total)
        )
        questions = page.items
    now = utcnow()
    return jsonify(total=page.total, page=page.page, per_page=page.per_page,
                   results=[question_json(q, current_user, now) for q in questions])


@bp.get("/questions/<int:question_id>")
@login_required
def get_question(question_id):
    """One question with answers and follow-ups, if the caller may see it."""
    now = utcnow()
    question = services.view_question(question_id, current_user, now)
    return jsonify(question_json(question, current_user, now, detail=True))


@bp.get("/teacher/queue")
@login_required
def teacher_queue():
    """The questions this teacher may claim, most urgent first, then oldest."""
    now = utcnow()
    me = current_user._get_current_object()  # read per question: not through the proxy each time
    found = services.teacher_queue(me, now)
    return jsonify(results=[question_json(q, me, now) for q in found])


@bp.get("/qa/counts")
@login_required
def qa_counts():
    """The caller's badges: questions they may claim now; unconfirmed alerts (null without the list)."""
    if not policy.is_staff(current_user):
        return json_error(403, "只有老师和管理员可以查看待答数量。")
    alerts = moderation.open_alert_count(current_user) if policy.can_view_alerts(current_user) else None
    return jsonify(queue=services.queue_count(current_user), alerts=alerts)


@bp.post("/questions/<int:question_id>/claim")
@login_required
def claim_question(question_id):
    """Claim a question; 409 when another teacher holds it."""
    now = utcnow()
    question = services.claim_question(question_id, current_user, now)
    return question_json(question, current_user, now, detail=True)


@bp.post("/questions/<int:question_id>/release")
@login_required
def release_question(question_id):
    """Give a claimed question back to the queue."""
    now = utcnow()
    question = services.release_question(question_id, current_user, now)
    return question_json(question, current_user, now, detail=True)


@bp.post("/questions/<int:question_id>/answer")
@login_required
def answer_question(question_id):
    """The claiming teacher answers in Markdown."""
    body = json_object()
    if body is None:
        return json_error(400, "请求体必须是 JSON 对象。")
    return answer_json(services.answer_question(question_id, current_user, body.get("body"))), 201


@bp.post("/questions/<int:question_id>/images")
@login_required
def add_question_image(question_id):
    """An image (multipart: file): the asker's photo of the problem, or one for an answer.

    The asker's photo (re-encoded, no EXIF) belongs to the question, or to the follow-up named
    by followup_id; at most services.PHOTOS_MAX each. The one who may answer gets the image's
    Markdown line to put in the answer.
    """
    if body_too_large(request.content_length, "image"):
        return json_error(413, str(too_large("image")))
    upload = request.files.get("file")
    stream, name = (upload.stream, upload.filename) if upload and upload.filename else (None, None)
    if policy.is_student(current_user):
        media = services.attach_photo(question_id, current_user, stream, name,
                                      request.form.get("followup_id"))
    else:
        media = services.add_answer_image(question_id, current_user, stream, name)
    return jsonify(
        id=media.id, url=absolute_url("media.serve", media_id=media.id),
        markdown=services.image_markdown(media), content_type=media.content_type, size=media.size,
        followup_id=media.followup_id,
    ), 201


@bp.post("/questions/<int:question_id>/accept")
@login_required
def accept_answer(question_id):
    """The asker accepts the newest answer (or answer_id)."""
    body = json_object() or {}
    answer_id = body.get("answer_id")
    if answer_id is not None and (not isinstance(answer_id, int) or isinstance(answer_id, bool)):
        return json_error(400, "answer_id 必须是整数。", code="invalid_parameter")
    question = services.accept_answer(question_id, current_user, answer_id)
    return question_json(question, current_user, utcnow(), detail=True)


@bp.post("/questions/<int:question_id>/followup")
@login_required
def followup(question_id):
    """The asker follows up; the question reopens to its teacher."""
    body = json_object()
    if body is None:
        return json_error(400, "请求体必须是 JSON 对象。")

    entry = services.add_followup(question_id, current_user, body.get("body"))
    return {"id": entry.id, "question_id": entry.question_id,
            "body_html": _html(entry.body), "created_at": _iso(entry.created_at),
            "images": []}, 201


@bp.post("/questions/<int:question_id>/report")
@login_required
def report_question(question_id):
    """Anyone signed in who can see the question reports it (or an answer)."""
    body = json_object()
    if body is None:
        return json_error(400, "请求体必须是 JSON 对象。")

    entry = moderation.report(question_id, current_user, body.get("reason"), body.get("answer_id"))
    return {"id": entry.id, "question_id": entry.question_id, "answer_id": entry.answer_id}, 201



def _teacher_json(teacher) -> dict:
    return {"id": teacher.id, "name": teacher.display_name, "subjects": list(teacher.subjects or []),
            "grades": list(teacher.grades or []),
            "school": teacher.school.code if teacher.school is not None else None}


@bp.get("/qa/unrouted")
@login_required
def unrouted_questions():
    """Waiting questions nobody of their school takes (admins; district admins: ?school= or all)."""
    code = request.args.get("school") or None
    school = services.unrouted_school(current_user, code)
    now = utcnow()
    found = services.unrouted_questions(school.id if school else None, now)
    return jsonify(school=school.code if school else None, results=[
        {**question_json(item.question, current_user, now), "route": item.route.kind,
         "route_text": services.route_note(item.question, item.route, now)}
        for item in found
    ])


@bp.get("/questions/<int:question_id>/assignable-teachers")
@login_required
def assignable_teachers(question_id):
    """Whom the caller (an admin of the question's school, or a district admin) may assign it to."""
    question = services.assignable_question(question_id, current_user)
    return jsonify(results=[_teacher_json(t) for t in services.assignable_teachers(current_user,
                                                                                   question)])


@bp.post("/questions/<int:question_id>/assign")
@login_required
def assign_question(question_id):
    """An admin names the teacher who answers a waiting question (teacher_id); audited."""
    body = json_object()
    if body is None:
        return json_error(400, "请求体必须是 JSON 对象。")
    now = utcnow()
    question = services.assign_question(question_id, current_user, body.get("teacher_id"), now)
    return {**question_json(question, current_user, now, detail=True),
            "assigned_to": _teacher_json(question.reserved_for)}
