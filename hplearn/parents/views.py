"""The parents' pages (phone first): their children, binding a child with the school's code.
Thin: parse, call services, render."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.accounts.services import school_by_code
from hplearn.afterschool import records
from hplearn.afterschool import services as afterschool
from hplearn.errors import DomainError, Forbidden, Invalid, NotFound
from hplearn.formbase import HplearnForm
from hplearn.notifications.services import inbox
from hplearn.parents import feedback, services
from hplearn.parents.feedback import CATEGORIES
from hplearn.timeutil import utcnow

bp = Blueprint("parents", __name__)

# Every Q&A page and API route: a parent's session reads none of them (policy.may_read_questions).
QUESTION_PATHS = ("/qa", "/api/v1/questions")


def refuse_questions_to_parents() -> None:
    """Answer 403 to a parent for every Q&A page and API call, before any view runs."""
    path = request.path
    if any(path == prefix or path.startswith(prefix + "/") for prefix in QUESTION_PATHS) and (
            not policy.may_read_questions(current_user)):
        raise Forbidden("家长账号不能查看答疑内容：孩子的提问只属于孩子本人和答疑老师。")


def _require_parent() -> None:
    if not policy.is_parent(current_user):
        abort(403, description="这个页面是给家长的。")


def _child_view(child, term: str) -> dict:
    """What the home page shows of one child this term."""
    guide = afterschool.find_guide(child.school, term) if child.school else None
    published = guide if guide and guide.published else None
    return {"child": child, "guide": published,
            "signup": afterschool.student_signup(child, term),
            "signup_open": bool(published and afterschool.signup_is_open(
                published, afterschool.today())),
            "enrolments": afterschool.student_enrolments(child, term),
            "attendance": records.student_attendance(child, term)[:10]}


def _term() -> str:
    return afterschool.term_or_current(request.values.get("term"))


def _home(status: int = 200):
    term = _term()
    notes = inbox(current_user, limit=5)
    return render_template(
        "parents/home.html", term=term,
        children=[_child_view(c, term) for c in services.children_of(current_user)],
        notes=notes, committees=feedback.committee_schools(current_user)), status


@bp.get("/")
@login_required
def home():
    """A parent's home: each child's places, schedule, attendance, guide and sign-up."""
    _require_parent()
    return _home()


@bp.post("/children/<int:student_id>/confirm")
@login_required
def confirm(student_id):
    """Confirm the choices the child made."""
    _require_parent()
    child = services.child_of(current_user, student_id)
    try:
        afterschool.confirm_signup(current_user, child, _term())
    except DomainError as error:
        if error.status == 404:
            raise
        flash(str(error), "error")
        return _home(error.status)
    flash("已确认孩子的报名，学校将统一安排。", "info")
    return redirect(url_for("parents.home", term=request.form.get("term")))


@bp.post("/children/<int:student_id>/withdraw")
@login_required
def withdraw_signup(student_id):
    """Withdraw the child's sign-up (their choices, not places already given)."""
    _require_parent()
    child = services.child_of(current_user, student_id)
    try:
        afterschool.sign_up(current_user, child, _term(), [])
    except DomainError as error:
        if error.status == 404:
            raise
        flash(str(error), "error")
        return _home(error.status)
    flash("已撤回孩子的报名。", "info")
    return redirect(url_for("parents.home", term=request.form.get("term")))


@bp.post("/bind")
@login_required
def bind():
    """Bind a child with the code the school printed."""
    if not policy.is_parent(current_user):
        abort(403, description="这个页面是给家长的。")
    try:
        child = services.bind(current_user, request.form.get("code", ""))
    except DomainError as error:
        if error.status != 422:
            raise
        flash(str(error), "error")
        return _home(422)
    flash(f"已绑定孩子：{child.display_name or child.alias}。", "info")
    return redirect(url_for("parents.home"))


# --- 意见建议 ------------------------------------------------------------------------------------


def _schools_of_children() -> list:
    schools = {c.school.id: c.school for c in services.children_of(current_user) if c.school}
    return sorted(schools.values(), key=lambda school: school.code)


@bp.route("/feedback", methods=["GET", "POST"])
@login_required
def feedback_page():
    """A parent writes to a school and reads the answers."""
    _require_parent()
    status = 200
    if request.method == "POST":
        try:
            feedback.submit(current_user, request.form.get("school"), request.form.get("category"),
                            request.form.get("body"), request.form.get("anonymous"))
        except DomainError as error:
            if error.status != 422:
                raise
            flash(str(error), "error")
            status = 422
        else:
            flash("已提交，学校会在答复时限内答复；逾期未答复的会转交区教育局。", "info")
            return redirect(url_for("parents.feedback_page"))
    return render_template(
        "parents/feedback.html", items=feedback.visible_to(current_user), now=utcnow(),
        schools=_schools_of_children(), categories=CATEGORIES, form=request.form), status


def _admin_school(code):
    school = school_by_code(code)
    if not policy.is_admin(current_user):
        raise Forbidden("这个页面是给学校管理员的。")
    if school is None or not policy.can_manage_school(current_user, school.id):
        raise NotFound("没有找到这所学校。")
    return school


@bp.get("/school/feedback")
@login_required
def school_feedback_home():
    """A school admin's own school's feedback."""
    if not policy.is_admin(current_user) or current_user.school is None:
        abort(403, description="这个页面是给学校管理员的。")
    return redirect(url_for("parents.school_feedback", code=current_user.school.code))


@bp.get("/school/<code>/feedback")
@login_required
def school_feedback(code):
    """The school's feedback inbox, with its answers, and its 家委会."""
    school = _admin_school(code)
    return render_template(
        "parents/school_feedback.html", school=school, now=utcnow(),
        items=feedback.visible_to(current_user, school.code),
        parents=feedback.school_parents(school))


@bp.post("/school/<code>/feedback/<int:feedback_id>/reply")
@login_required
def school_reply(code, feedback_id):
    """Answer one feedback."""
    school = _admin_school(code)
    try:
        feedback.reply(current_user, feedback_id, request.form.get("body"))
    except DomainError as error:
        if error.status not in (409, 422):
            raise
        flash(str(error), "error")
    else:
        flash("已答复，家长会收到通知。", "info")
    return redirect(url_for("parents.school_feedback", code=school.code))


@bp.post("/school/<code>/committee")
@login_required
def school_committee(code):
    """Put a parent on the school's 家委会, or take them off it."""
    school = _admin_school(code)
    feedback.set_committee_member(current_user, school, request.form.get("parent_id", type=int),
                                  request.form.get("member") == "1")
    flash("家委会成员已更新。", "info")
    return redirect(url_for("parents.school_feedback", code=school.code) + "#committee")


@bp.get("/committee/<code>")
@login_required
def committee(code):
    """The school's feedback for its 家委会: in aggregate, with the answers, without names."""
    return render_template("parents/committee.html", view=feedback.committee_view(current_user, code),
                           now=utcnow())


@bp.get("/district")
@login_required
def district():
    """Response times and open feedback per school (district admins)."""
    return render_template("parents/district.html", rows=feedback.district_figures(current_user),
                           now=utcnow())


@bp.route("/school/<code>/binding-codes", methods=["GET", "POST"])
@login_required
def binding_codes(code):
    """School admins pick students (a grade at a time) and print one-use binding codes."""
    school = _admin_school(code)
    if request.method == "POST":
        if not HplearnForm().validate():
            abort(400, description="表单已过期，请刷新页面后重试。")
        try:
            issued = services.issue_binding_codes(current_user, school,
                                                  request.form.getlist("student_id"))
        except Invalid as refusal:
            flash(str(refusal), "error")
            return redirect(url_for("parents.binding_codes", code=school.code,
                                    grade=request.form.get("grade", "")))
        response = make_response(render_template("parents/binding_sheet.html", school=school,
                                                 issued=issued))
        response.headers["Cache-Control"] = "no-store"  # the codes are shown this once
        return response
    grade = _grade_arg()
    return render_template("parents/binding_codes.html", school=school, grade=grade,
                           students=services.school_students(school, grade) if grade else [],
                           form=HplearnForm())


def _grade_arg():
    value = request.args.get("grade", "")
    if not value:
        return None
    if not value.isdecimal() or not 1 <= int(value) <= 12:
        abort(400, description="年级要填 1–12 的数字。")
    return int(value)
