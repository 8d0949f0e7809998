"""The Q&A pages under /qa."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.accounts.kept_forms import keep_form_on, restore_kept_form
from hplearn.markup import render_markdown
from hplearn.media.uploads import (
    MediaError,
    body_too_large,
    describe_size,
    size_limit,
    too_large,
)
from hplearn.pagination import parse_int, parse_page
from hplearn.qa import forms, moderation, safety, services
from hplearn.timeutil import utcnow
from hplearn.vocab import QuestionStatus

bp = Blueprint("qa", __name__)


@bp.before_request
@login_required
def require_login():
    """Every Q&A page needs a signed-in user (questions are about minors)."""


def keep_forms() -> None:
    """A question, an answer or a follow-up typed while the session ended comes back after
    sign-in (its text; photos are chosen again)."""
    keep_form_on("qa.ask", ("title", "body", "subject", "grade", "anonymous", "private",
                            "resource_id"), lambda: url_for("qa.ask"))
    keep_form_on("qa.answer", ("body",),
                 lambda question_id: url_for("qa.detail", question_id=question_id))
    keep_form_on("qa.followup", ("body",),
                 lambda question_id: url_for("qa.detail", question_id=question_id))


def resource_questions(resource):
    """Template helper for the resource page: its answered questions for the current user."""
    return services.questions_for_resource(resource.id, current_user)


def _back_to(question_id: int):
    return redirect(url_for("qa.detail", question_id=question_id))


@bp.get("/")
def index():
    """A student's own questions, the district's answered questions, and search over them."""
    mine = request.args.get("mine") == "1"
    text = request.args.get("q", "").strip()
    subject = request.args.get("subject") or None
    try:
        page_request = parse_page(request.args, default_per_page=20, max_per_page=50)
        if text:
            page = services.search_questions(text, current_user, page_request, subject)
        else:
            page = services.list_questions(current_user, page_request, subject=subject, mine=mine)
    except services.InvalidQuestion as error:
        # A bad filter in the address is a bad request on this page; the API answers 422.
        abort(400, description=str(error))
    own = None
    if policy.is_student(current_user) and not mine and not text:
        own = services.list_questions(
            current_user, parse_page({}, default_per_page=10), mine=True
        )
    return render_template("qa/index.html", page=page, own=own, mine=mine, q=text,
                           subject=subject or "")


@bp.route("/ask", methods=["GET", "POST"])
def ask():
    """Ask a question: write, preview (similar questions, checks), submit."""
    if not policy.can_ask_question(current_user):
        abort(403, description="只有学生账号可以提问。")
    _refuse_oversized_photos()
    form = forms.AskForm()
    if request.method == "GET":
        form.resource_id.data = request.args.get("resource_id", "")
        form.subject.data = request.args.get("subject", "")
        restore_kept_form(form, "qa.ask")
        return _ask_page(form, _resource(form))
    if not form.validate():
        return _ask_page(form, None, 400)
    fields = {
        "title": form.title.data, "body": form.body.data, "subject": form.subject.data,
        "grade": form.grade.data, "anonymous": form.anonymous.data, "private": form.private.data,
        "resource_id": form.resource_id.data,
    }
    try:
        photos = services.prepare_photos(_chosen_photos())
        if request.form.get("action") == "preview":
            draft = services.validate_question(current_user, **fields)
            return _ask_page(
                form, _resource(form), preview=draft, preview_html=render_markdown(draft.body),
                previewed_photos=len(photos),
                similar=services.similar_questions(draft.title, current_user),
            )
        question = services.ask_question(current_user, **fields)
        services.store_photos(question, current_user, photos)
    except services.InvalidQuestion as error:
        getattr(form, error.field or "title").errors.append(str(error))
        return _ask_page(form, None, 422)
    except MediaError as error:
        form.photos.errors.append(str(error))
        return _ask_page(form, None, error.status)
    if question.safeguarding:
        flash("你的问题已经悄悄转给学校负责安全保护的老师。如果现在有危险，请马上拨打 110。", "info")
    elif question.mental_health:
        flash("你的问题已经悄悄转给学校的心理老师。下面是现在就可以联系的求助方式。", "info")
    elif question.status == QuestionStatus.HELD:
        flash("你的问题已提交，管理员审核后会交给老师。", "info")
    else:
        note = services.route_note(question, services.route_of(question), question.created_at)
        when = services.describe_reply_target(question, question.created_at)
        flash(f"提问成功！{note or f'老师预计{when}回复你。'}", "info")
    return _back_to(question.id)


def _ask_page(form, resource, status: int = 200, **extra):
    return render_template(
        "qa/ask.html", form=form, resource=resource, photo_reminder=services.PRIVACY_REMINDER,
        image_limit=describe_size(size_limit("image")), **extra,
    ), status


def _refuse_oversized_photos() -> None:
    """Refuse, before parsing, a body bigger than PHOTOS_MAX images and the text may be."""
    limit = services.PHOTOS_MAX * size_limit("image") + 64 * 1024
    if request.content_length is not None and request.content_length > limit:
        abort(413, description=str(too_large("image")))


def _chosen_photos() -> list:
    """The (stream, file name) of each photo chosen in the form's photos field."""
    return [(f.stream, f.filename) for f in request.files.getlist("photos") if f and f.filename]


def _resource(form):
    from hplearn.catalog.models import Resource
    from hplearn.extensions import db

    raw = str(form.resource_id.data or "")
    return db.session.get(Resource, int(raw)) if raw.isdecimal() and len(raw) < 12 else None


@bp.get("/similar")
def similar():
    """Answered questions similar to a title being typed (for the ask page's script)."""
    title = request.args.get("title", "")[:200]
    found = services.similar_questions(title, current_user) if len(title.strip()) >= 2 else []
    return jsonify(results=[
        {"id": q.id, "title": q.title, "subject": q.subject,
         "url": url_for("qa.detail", question_id=q.id)}
        for q in found
    ])


@bp.get("/<int:question_id>")
def detail(question_id):
    """One question with its answers, follow-ups and the actions this user may take."""
    now = utcnow()
    question = services.view_question(question_id, current_user, now)
    answer_form = forms.AnswerForm()
    restore_kept_form(answer_form, "qa.answer")
    followup_form = forms.FollowupForm()
    restore_kept_form(followup_form, "qa.followup")
    return _render_detail(question, now, answer_form, followup_form=followup_form)


def _render_detail(question, now, answer_form=None, answer_preview=None, status=200,
                   followup_form=None):
    alerts = []
    if (question.mental_health or question.safeguarding) and policy.can_view_alerts(current_user):
        alerts = [a for a in moderation.alerts_for(current_user, include_acknowledged=True, now=now)
                  if a.question_id == question.id]
    return render_template(
        "qa/detail.html",
        question=question,
        now=now,
        asker_name=services.asker_name(question, current_user),
        answers=services.visible_answers(question, current_user),
        answer_form=answer_form or forms.AnswerForm(),
        answer_preview=answer_preview,
        image_limit=describe_size(size_limit("image")),
        followup_form=followup_form or forms.FollowupForm(),
        photos=services.photos_of(question),
        photo_reminder=services.PRIVACY_REMINDER,
        photos_max=services.PHOTOS_MAX,
        reason_form=forms.ReasonForm(),
        note_form=forms.NoteForm(),
        action_form=forms.ActionForm(),
        counsellors=safety.school_counsellors(question.school_id) if question.mental_health else [],
        hotlines=safety.HOTLINES,
        safeguarding_hotlines=safety.SAFEGUARDING_HOTLINES,
        schedule=services.schedule(),
        in_service=services.in_service_hours(now, question.school_id),
        due_text=services.describe_reply_target(question, now),
        route_note=_route_note(question, now),
        assign_form=forms.AssignForm(),
        assign_teachers=_assign_teachers(question, now),
        alerts=alerts,
    ), status


def _route_note(question, now) -> str:
    """Who answers a waiting question when it is not its school's teachers (see routing)."""
    crisis = question.mental_health or question.safeguarding
    if crisis or question.hidden or question.effective_status(now) not in ("open", "claimed"):
        return ""
    return services.route_note(question, services.route_of(question), now)


def _assign_teachers(question, now) -> list | None:
    """Whom this admin may assign a waiting question to; None when there is nothing to assign."""
    waiting = question.effective_status(now) == "open" and not question.hidden
    if not waiting or not policy.can_assign_question(current_user, question):
        return None
    return services.assignable_teachers(current_user, question)


def _post_action(question_id, action, success_message):
    form = forms.ActionForm()
    if not form.validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    try:
        action()
    except services.AlreadyClaimed as error:
        flash(str(error), "warning")
    else:
        flash(success_message, "info")
    return _back_to(question_id)


@bp.post("/<int:question_id>/claim")
def claim(question_id):
    """Take a queued question so no other teacher answers it twice."""
    form = forms.ActionForm()
    if not form.validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    try:
        services.claim_question(question_id, current_user)
    except services.AlreadyClaimed as error:
        # A confidential question of another school is readable only by its claimer.
        flash(str(error), "warning")
        return redirect(url_for("qa.queue"))
    flash("认领成功，请在认领到期前回答。", "info")
    return _back_to(question_id)


@bp.post("/<int:question_id>/release")
def release(question_id):
    """Give a claimed question back to the queue."""
    return _post_action(
        question_id, lambda: services.release_question(question_id, current_user),
        "已放弃认领，问题回到了待答列表。",
    )


@bp.post("/<int:question_id>/accept")
def accept(question_id):
    """The asker accepts an answer."""
    answer_id = request.form.get("answer_id", "")
    chosen = int(answer_id) if answer_id.isdecimal() and len(answer_id) < 12 else None
    return _post_action(
        question_id, lambda: services.accept_answer(question_id, current_user, chosen),
        "已采纳回答，谢谢你！",
    )


def _add_uploaded_image(question_id, form, now) -> None:
    """Store the image chosen on the answer form and add its Markdown line to the answer."""
    upload = form.image.data
    if upload is None or not upload.filename:
        return
    media = services.add_answer_image(question_id, current_user, upload.stream, upload.filename,
                                      now)
    form.body.data = services.with_image(form.body.data, media)


@bp.post("/<int:question_id>/answer")
def answer(question_id):
    """The claiming teacher answers (or previews the answer), optionally adding an image."""
    if body_too_large(request.content_length, "image"):
        abort(413, description=str(too_large("image")))
    now = utcnow()
    form = forms.AnswerForm()
    if not form.validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    try:
        question = services.view_question(question_id, current_user, now)
        _add_uploaded_image(question_id, form, now)
        if request.form.get("action") == "preview":
            return _render_detail(question, now, form, render_markdown(form.body.data))
        services.answer_question(question_id, current_user, form.body.data, now)
    except MediaError as error:
        form.image.errors.append(str(error))
        return _render_detail(question, now, form, status=error.status)
    except services.InvalidQuestion as error:
        form.body.errors.append(str(error))
        return _render_detail(question, now, form, status=422)
    flash("回答已发布，学生会收到通知。", "info")
    return _back_to(question_id)


@bp.post("/<int:question_id>/followup")
def followup(question_id):
    """The asker follows up, optionally with photos; the question goes back to the same teacher."""
    _refuse_oversized_photos()
    form = forms.FollowupForm()
    if not form.validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    now = utcnow()
    try:
        photos = services.prepare_photos(_chosen_photos())
        entry = services.add_followup(question_id, current_user, form.body.data, now)
        services.store_photos(entry.question, current_user, photos, entry.id)
    except MediaError as error:
        form.photos.errors.append(str(error))
        question = services.view_question(question_id, current_user, now)
        return _render_detail(question, now, status=error.status, followup_form=form)
    except services.InvalidQuestion as error:
        if error.field == "photos":
            form.photos.errors.append(str(error))
            question = services.view_question(question_id, current_user, now)
            return _render_detail(question, now, status=error.status, followup_form=form)
        flash(str(error), "error")
        return _back_to(question_id)
    flash("追问已发送给回答你的老师。", "info")
    return _back_to(question_id)


def _reason_action(question_id, action, success_message):
    form = forms.ReasonForm()
    if not form.validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    try:
        action(form)
    except services.InvalidQuestion as error:
        flash(str(error), "error")
    else:
        flash(success_message, "info")
    if request.form.get("next_page") == "moderation":
        return redirect(url_for("qa.moderation_page"))
    return _back_to(question_id)


@bp.post("/<int:question_id>/identity")
def reveal_identity(question_id):
    """The school's counsellor (or safeguarding staff) sees who asked a crisis question."""
    form = forms.ReasonForm()
    if not form.validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    try:
        identity = services.reveal_identity(question_id, current_user, form.reason.data)
    except services.InvalidQuestion as error:
        flash(str(error), "error")
        return _back_to(question_id)
    question = services.get_question(question_id)
    return render_template("qa/identity.html", identity=identity, question=question,
                           reason=" ".join(str(form.reason.data).split()))


@bp.post("/<int:question_id>/report")
def report(question_id):
    """Report a question or one of its answers to the moderators."""
    return _reason_action(question_id, lambda f: moderation.report(
        question_id, current_user, f.reason.data, f.answer_id.data or None
    ), "举报已提交，管理员会尽快处理。")


@bp.post("/<int:question_id>/hide")
def hide(question_id):
    """A moderator hides a question."""
    return _reason_action(question_id, lambda f: moderation.set_question_hidden(
        question_id, current_user, True, f.reason.data), "问题已隐藏。")


@bp.post("/<int:question_id>/restore")
def restore(question_id):
    """A moderator restores a hidden question."""
    return _reason_action(question_id, lambda f: moderation.set_question_hidden(
        question_id, current_user, False, f.reason.data), "问题已恢复。")


@bp.post("/<int:question_id>/answers/hide")
def hide_answer(question_id):
    """A moderator hides one answer."""
    return _reason_action(question_id, lambda f: moderation.set_answer_hidden(
        question_id, f.answer_id.data, current_user, True, f.reason.data), "回答已隐藏。")


@bp.post("/<int:question_id>/answers/restore")
def restore_answer(question_id):
    """A moderator restores one answer."""
    return _reason_action(question_id, lambda f: moderation.set_answer_hidden(
        question_id, f.answer_id.data, current_user, False, f.reason.data), "回答已恢复。")


@bp.post("/<int:question_id>/approve")
def approve(question_id):
    """A moderator publishes a held question."""
    return _reason_action(question_id, lambda f: moderation.release_held(
        question_id, current_user, f.reason.data), "问题已通过审核，进入老师的待答列表。")


@bp.post("/reports/<int:report_id>/dismiss")
def dismiss_report(report_id):
    """A moderator closes a report without hiding anything."""
    form = forms.ReasonForm()
    if not form.validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    try:
        moderation.dismiss_report(report_id, current_user, form.reason.data)
    except services.InvalidQuestion as error:
        flash(str(error), "error")
    else:
        flash("举报已关闭。", "info")
    return redirect(url_for("qa.moderation_page"))


@bp.get("/queue")
def queue():
    """A teacher's queue, open claims, and answered questions with response times."""
    if not policy.is_staff(current_user):
        abort(403, description="只有老师可以查看待答问题。")
    now = utcnow()
    me = current_user._get_current_object()  # read per question: not through the proxy each time
    answered = services.my_answered(me)
    return render_template(
        "qa/queue.html",
        queue=services.teacher_queue(me, now),
        claims=services.my_claims(me, now),
        answered=answered,
        median_minutes=services.median_response_minutes(answered),
        action_form=forms.ActionForm(),
        now=now,
    )


@bp.get("/alerts")
def alerts():
    """Mental-health alerts for counsellors and admins to acknowledge."""
    now = utcnow()
    show_all = parse_int(request.args, "all", default=0, minimum=0, maximum=1) == 1
    found = moderation.alerts_for(current_user, include_acknowledged=show_all, now=now)
    return render_template("qa/alerts.html", alerts=found, show_all=show_all,
                           note_form=forms.NoteForm(), now=now)


@bp.post("/alerts/<int:alert_id>/acknowledge")
def acknowledge(alert_id):
    """Confirm that a person has seen an alert and is acting on it."""
    form = forms.NoteForm()
    if not form.validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    try:
        moderation.acknowledge_alert(alert_id, current_user, form.note.data)
    except services.AlreadyClaimed as error:
        flash(str(error), "warning")
    except services.InvalidQuestion as error:
        flash(str(error), "error")
    else:
        flash("已确认。请按学校心理危机干预流程跟进。", "info")
    return redirect(request.referrer if _same_site(request.referrer) else url_for("qa.alerts"))


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


@bp.get("/moderation")
def moderation_page():
    """Held questions, reports and hidden questions for moderators."""
    items = moderation.moderation_queue(current_user)
    return render_template("qa/moderation.html", reason_form=forms.ReasonForm(), **items)
