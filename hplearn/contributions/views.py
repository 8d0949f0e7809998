"""Contribution pages: the teacher's drafts and parts, the review queue, revisions, the record."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from hplearn import policy
from hplearn.accounts.models import School
from hplearn.afterschool.rules import term_label
from hplearn.catalog import services as catalog
from hplearn.catalog.models import Resource
from hplearn.contributions import record, review, revisions, services
from hplearn.contributions.models import AUDIENCES, KINDS, PART_ROLES, STATUSES
from hplearn.contributions.validation import ContributionInvalid
from hplearn.errors import Invalid
from hplearn.exercises import searching
from hplearn.exercises.format import item_from_fields
from hplearn.exercises.models import KIND_LABELS
from hplearn.exercises.services import item_source
from hplearn.extensions import db
from hplearn.media.uploads import body_too_large
from hplearn.vocab import GRADE_NAMES, STAGES, SUBJECTS, VOLUMES

bp = Blueprint("contributions", __name__)


def _form() -> dict:
    return {key: request.form.get(key) for key in request.form}


def _vocabulary() -> dict:
    return {"stages": STAGES, "grades": GRADE_NAMES, "subjects": SUBJECTS, "volumes": VOLUMES,
            "topics": catalog.all_topics(), "kinds": KINDS}


def _require_contributor():
    if not policy.can_contribute(current_user):
        abort(403, description="只有学校的教师可以投稿。")


@bp.get("/")
@login_required
def index():
    """My contributions (and, for admins, the way to the review queue)."""
    if not (policy.can_contribute(current_user) or policy.is_admin(current_user)):
        abort(403, description="只有教师和管理员使用投稿。")
    mine = services.my_contributions(current_user) if policy.can_contribute(current_user) else []
    return render_template("contributions/index.html", contributions=mine,
                           pending=review.pending_count(current_user))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Start a contribution: a resource, a lesson package, or exercises for a resource."""
    _require_contributor()
    values = _form() if request.method == "POST" else dict(request.args)
    if request.method == "POST":
        try:
            contribution = services.create_contribution(current_user, values.get("kind"), values)
        except Invalid as error:
            return render_template("contributions/new.html", values=values, error=error,
                                   **_vocabulary()), 422
        flash("草稿已保存。接着添加各部分内容，完成后提交审核。", "success")
        return redirect(url_for("contributions.detail", contribution_id=contribution.id))
    return render_template("contributions/new.html", values=values, error=None, **_vocabulary())


def _render_detail(contribution, status: int = 200, error=None, exercise_source=None):
    editable = policy.can_edit_contribution(current_user, contribution)
    exercise_set = services.exercise_set_of(contribution)
    return render_template(
        "contributions/detail.html", c=contribution, editable=editable, error=error,
        problems=review.problems(contribution) if editable else [],
        can_review=policy.can_review_contribution(current_user, contribution),
        can_feature=policy.can_feature_contribution(current_user), audiences=AUDIENCES,
        roles=PART_ROLES, upload_kinds=services.UPLOAD_KINDS, exercise_set=exercise_set,
        exercise_source=exercise_source if exercise_source is not None else (
            exercise_set.source if exercise_set else ""),
        item_kinds=KIND_LABELS, target=(db.session.get(Resource, contribution.target_resource_id)
                                        if contribution.target_resource_id else None),
        **_vocabulary(),
    ), status


@bp.get("/<int:contribution_id>")
@login_required
def detail(contribution_id):
    """One contribution: details, parts, what is missing, review steps, revisions."""
    return _render_detail(services.get_visible_contribution(contribution_id, current_user))[0]


def _back(contribution_id, anchor=""):
    return redirect(url_for("contributions.detail", contribution_id=contribution_id) + anchor)


def _or_form_error(contribution_id, action, success: str, anchor="", **kwargs):
    """Run an editing action; a refused input shows the page again with the message."""
    try:
        action()
    except Invalid as error:
        contribution = services.get_visible_contribution(contribution_id, current_user)
        return _render_detail(contribution, 422, error, **kwargs)
    flash(success, "success")
    return _back(contribution_id, anchor)


@bp.post("/<int:contribution_id>/details")
@login_required
def update_details(contribution_id):
    """Save the details of a draft."""
    return _or_form_error(contribution_id,
                          lambda: services.update_details(current_user, contribution_id, _form()),
                          "已保存。")


@bp.post("/<int:contribution_id>/parts/<role>")
@login_required
def save_part(contribution_id, role):
    """Save a part: its text, and its file if one was chosen (checked from its bytes)."""
    if body_too_large(request.content_length):
        abort(413, description="文件太大。")
    upload = request.files.get("file")

    def action():
        if upload is not None and upload.filename:
            services.upload_part_file(current_user, contribution_id, role, upload.stream,
                                      upload.filename)
        services.set_part_text(current_user, contribution_id, role, _form())

    return _or_form_error(contribution_id, action, f"“{PART_ROLES.get(role, role)}”已保存。",
                          f"#part-{role}")


@bp.post("/<int:contribution_id>/parts/<role>/remove")
@login_required
def remove_part(contribution_id, role):
    """Take a part out of the draft."""
    services.remove_part(current_user, contribution_id, role)
    flash("已删除这一部分。", "success")
    return _back(contribution_id)


@bp.post("/<int:contribution_id>/exercises")
@login_required
def save_exercises(contribution_id):
    """Save the 课后练习 text (strictly checked; mistakes listed by line)."""
    source = request.form.get("source", "")
    return _or_form_error(contribution_id,
                          lambda: services.set_exercises(current_user, contribution_id, source),
                          "课后练习已保存。", "#part-exercises", exercise_source=source)


@bp.post("/<int:contribution_id>/exercises/item")
@login_required
def add_exercise_item(contribution_id):
    """Add one item written in the form."""
    return _or_form_error(
        contribution_id,
        lambda: services.append_exercise(current_user, contribution_id, item_from_fields(_form())),
        "已添加一道题。", "#part-exercises")


@bp.get("/<int:contribution_id>/exercises/search")
@login_required
def search_exercises(contribution_id):
    """Find published items to copy into this draft's 课后练习."""
    contribution = services.get_editable_contribution(contribution_id, current_user)
    text, _, results = searching.run_search(current_user, request.args, current_app.config)
    return render_template("contributions/reuse.html", c=contribution, text=text, results=results,
                           item_source=item_source)


@bp.post("/<int:contribution_id>/exercises/reuse/<int:item_id>")
@login_required
def reuse_exercise(contribution_id, item_id):
    """Copy one published item into the draft."""
    return _or_form_error(
        contribution_id,
        lambda: services.reuse_exercise(current_user, contribution_id, item_id),
        "已把这道题加入课后练习。", "#part-exercises")


@bp.post("/<int:contribution_id>/submit")
@login_required
def submit(contribution_id):
    """Send the contribution to the school's reviewers."""
    return _or_form_error(contribution_id, lambda: review.submit(current_user, contribution_id),
                          "已提交审核，审核结果会通知你。")


@bp.post("/<int:contribution_id>/withdraw")
@login_required
def withdraw(contribution_id):
    """Take a submitted contribution back to a draft."""
    review.withdraw(current_user, contribution_id)
    flash("已撤回，可以继续修改。", "success")
    return _back(contribution_id)


@bp.post("/<int:contribution_id>/approve")
@login_required
def approve(contribution_id):
    """Approve and publish (to the school or to everyone)."""
    return _or_form_error(
        contribution_id,
        lambda: review.approve(current_user, contribution_id, request.form.get("audience"),
                               request.form.get("comment", "")),
        "已通过并发布。")


@bp.post("/<int:contribution_id>/return")
@login_required
def return_for_changes(contribution_id):
    """Return to the author with comments."""
    return _or_form_error(
        contribution_id,
        lambda: review.return_for_changes(current_user, contribution_id,
                                          request.form.get("comment", "")),
        "已退回，作者会收到你的修改意见。")


@bp.post("/<int:contribution_id>/feature")
@login_required
def feature(contribution_id):
    """Feature for the whole district."""
    review.feature(current_user, contribution_id, request.form.get("comment", ""))
    flash("已推荐为区级精品。", "success")
    return _back(contribution_id)


def _number(name: str, default=None):
    value = request.args.get(name)
    if value in (None, ""):
        return default
    if not value.isdecimal() or len(value) > 6:
        abort(400, description=f"参数 {name} 必须是修订号（正整数）。")
    return int(value)


@bp.get("/<int:contribution_id>/revisions/<int:number>")
@login_required
def revision(contribution_id, number):
    """What one revision changed (against the one before, or ?against=N)."""
    contribution = services.get_visible_contribution(contribution_id, current_user)
    against = _number("against")
    lines = revisions.diff_between(contribution, number, against)
    if lines is None:
        abort(404, description="没有这个修订版本。")
    return render_template("contributions/revision.html", c=contribution, number=number,
                           against=against if against is not None else number - 1, lines=lines)


def _school_arg() -> int | None:
    code = request.args.get("school")
    if not code:
        return None if policy.is_district_admin(current_user) else current_user.school_id
    school = db.session.scalar(select(School).where(School.code == code[:32]))
    if school is None or not policy.can_review_contributions(current_user, school.id):
        abort(404, description="没有找到这所学校。")
    return school.id


@bp.get("/review")
@login_required
def queue():
    """The review queue of the school (district admins: every school), with counts."""
    if not policy.is_admin(current_user):
        abort(403, description="只有学校管理员和区管理员可以审核投稿。")
    status = review.parse_queue_status(request.args.get("status"))
    found = review.review_queue(current_user, _school_arg(), status)
    return render_template("contributions/queue.html", queue=found, statuses=STATUSES)


def _record_school() -> School:
    if not policy.is_admin(current_user):
        abort(403, description="只有学校管理员和区管理员可以查看教师贡献记录。")
    code = request.args.get("school")
    if not code and current_user.school_id:
        return db.session.get(School, current_user.school_id)
    school = db.session.scalar(select(School).where(School.code == (code or "")[:32]))
    if school is None or not policy.can_view_contribution_record(current_user, school.id):
        if not code:
            raise ContributionInvalid("school", "请选择学校（?school=学校代码）。")
        abort(404, description="没有找到这所学校。")
    return school


def _record():
    school = _record_school()
    term = record.parse_term(request.args.get("term"))
    return school, term, record.contribution_record(current_user, school, term)


@bp.get("/record")
@login_required
def record_page():
    """Each teacher's contribution record of a term (优秀教师, 职称/绩效)."""
    school, term, rows = _record()
    return render_template("contributions/record.html", school=school, term=term,
                           term_label=term_label(term), rows=rows,
                           schools=(db.session.scalars(select(School).order_by(School.code)).all()
                                    if policy.is_district_admin(current_user) else []))


@bp.get("/record.csv")
@login_required
def record_csv():
    """The same record as CSV."""
    school, term, rows = _record()
    return Response(record.record_csv(school, term, rows), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f'attachment; filename="contribution-record-{school.code}-{term}.csv"'})
