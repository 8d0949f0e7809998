"""Account administration at /admin/users: list, create, CSV import, edit, deactivate, reset,
the new school year's promotion, and the district's list of schools.

School admins work on their own school; district admins pick any school. Every rule is in
accounts.services and policy. A refusal (NotAllowed, UserNotFound, SchoolNotFound) reaches the
app's error page; other AccountErrors of a form are shown on that form.
"""

import re

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.accounts import services
from hplearn.accounts.forms import PromotionForm, UserCreateForm, UserEditForm, UserImportForm
from hplearn.accounts.models import ROLE_LABELS
from hplearn.formbase import HplearnForm
from hplearn.pagination import parse_page
from hplearn.vocab import SCHOOL_STAGES, SCHOOL_TYPES, Role

bp = Blueprint("account_admin", __name__)


@bp.before_request
@login_required
def require_user_manager():
    """Every page here needs an admin."""
    if not policy.can_manage_users(current_user):
        abort(403)


def _school_from_code(code: str | None):
    """The school named by a form or query value, or the admin's own school."""
    if not code:
        return None if policy.can_choose_any_school(current_user) else current_user.school
    return services.managed_school(current_user, code)


def _school_choices() -> list[tuple[str, str]]:
    if policy.can_choose_any_school(current_user):
        return [("", "（不属于学校：仅区管理员）")] + [
            (school.code, f"{school.name}（{school.code}）") for school in services.all_schools()
        ]
    return [(current_user.school.code, current_user.school.name)]


def _one_time_sheet(accounts, title: str):
    """The printable sheet of one-time passwords; never cached, shown only this once."""
    response = make_response(
        render_template("accounts/one_time_passwords.html", accounts=accounts, title=title)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def index():
    """The accounts of the admin's school (district admins: any or every school)."""
    page_request = parse_page(request.args, default_per_page=50, max_per_page=200)
    school = _school_from_code(request.args.get("school"))
    role = request.args.get("role") or None
    page = services.list_users(
        school_id=school.id if school else None, role=role,
        query=request.args.get("q"), page_request=page_request,
    )
    return render_template(
        "accounts/admin_users.html", page=page, school=school, role=role,
        schools=services.all_schools() if policy.can_choose_any_school(current_user) else [],
        role_labels=ROLE_LABELS,
    )


def _split(text: str | None) -> list[str]:
    return [part for part in re.split(r"[;；,，、/\s]+", text or "") if part]


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Create one account and show its one-time password once."""
    form = UserCreateForm()
    form.school.choices = _school_choices()
    form.role.choices = [(r, ROLE_LABELS[r]) for r in policy.creatable_roles(current_user)]
    error = None
    if form.validate_on_submit():
        school = _school_from_code(form.school.data)
        try:
            created = services.admin_create_user(
                current_user, school,
                username=form.username.data, role=form.role.data,
                display_name=form.display_name.data, grade=form.grade.data,
                class_name=form.class_name.data, subjects=_split(form.subjects.data),
                grades=_split(form.grades.data), is_counsellor=form.is_counsellor.data,
            )
        except services.NotAllowed:
            raise  # the 403 page, not a message on the form
        except services.AccountError as refused:
            error = str(refused)
        else:
            return _one_time_sheet([created], "新账号")
    status = 422 if error or form.errors else 200
    return render_template("accounts/admin_user_new.html", form=form, error=error), status


@bp.route("/import", methods=["GET", "POST"])
def import_users():
    """Create accounts from a CSV file; every bad row is listed and nothing is written."""
    form = UserImportForm()
    form.school.choices = _school_choices()[1:] if policy.can_choose_any_school(
        current_user) else _school_choices()
    error, problems = None, []
    if form.validate_on_submit():
        school = _school_from_code(form.school.data)
        try:
            if school is None:
                raise services.AccountError("请选择学校。")
            text = services.decode_upload(form.file.data.read(services.MAX_IMPORT_BYTES + 1))
            created = services.import_users(current_user, school, text)
        except services.ImportRejected as rejected:
            error, problems = str(rejected), rejected.problems
        except services.AccountError as refused:
            error = str(refused)
        else:
            return _one_time_sheet(created, f"{school.name} 批量导入的账号")
    status = 422 if error or form.errors else 200
    return render_template(
        "accounts/admin_import.html", form=form, error=error, problems=problems,
        columns=services.IMPORT_COLUMNS, max_rows=services.MAX_IMPORT_ROWS,
    ), status


def _back():
    return redirect(url_for("account_admin.index", school=request.args.get("school") or None))


@bp.post("/<int:user_id>/deactivate")
def deactivate(user_id):
    """Deactivate an account; its sessions end at their next request."""
    user = services.managed_user(current_user, user_id)
    try:
        services.set_active(current_user, user, False)
    except services.AccountError as error:
        flash(str(error), "error")
    else:
        flash(f"已停用 {user.username}。", "info")
    return _back()


@bp.post("/<int:user_id>/activate")
def activate(user_id):
    """Reactivate an account."""
    user = services.managed_user(current_user, user_id)
    services.set_active(current_user, user, True)
    flash(f"已启用 {user.username}。", "info")
    return _back()


@bp.post("/<int:user_id>/reset-password")
def reset_password(user_id):
    """Give an account a new one-time password to change at the next sign-in."""
    user = services.managed_user(current_user, user_id)
    return _one_time_sheet([services.reset_password(current_user, user)], "重置后的初始密码")


def _edit_form(user) -> UserEditForm:
    form = UserEditForm(data={
        "school": user.school.code if user.school else "", "role": user.role,
        "display_name": user.display_name, "grade": user.grade or "",
        "class_name": user.class_name or "", "subjects": "、".join(user.subjects or []),
        "grades": ", ".join(str(grade) for grade in user.grades or []),
        "is_counsellor": user.is_counsellor, "is_safeguarding": user.is_safeguarding,
    })
    form.role.choices = [(r, ROLE_LABELS[r]) for r in services.assignable_roles(current_user, user)]
    form.school.choices = _school_choices()
    return form


def _form_changes(form: UserEditForm, user) -> dict:
    """The fields the form showed for this account (teacher fields only for a teacher)."""
    role = form.role.data or user.role
    changes = {"display_name": form.display_name.data, "role": role}
    if user.role == Role.STUDENT:
        changes.update(grade=form.grade.data, class_name=form.class_name.data)
    if role == Role.TEACHER:
        changes.update(subjects=_split(form.subjects.data), grades=_split(form.grades.data),
                       is_counsellor=form.is_counsellor.data, is_safeguarding=form.is_safeguarding.data)
    if policy.can_choose_any_school(current_user):
        changes["school"] = form.school.data
    return changes


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
def edit(user_id):
    """Change an account's name, grade and class, or subjects, teaching grades and role."""
    user = services.managed_user(current_user, user_id)
    form = _edit_form(user)
    error = None
    if form.validate_on_submit():
        try:
            changed = services.update_user(current_user, user, **_form_changes(form, user))
        except services.NotAllowed:
            raise  # the 403 page, not a message on the form
        except services.AccountError as refused:
            error = str(refused)
        else:
            flash(f"已保存 {user.username} 的修改。" if changed else "没有修改任何内容。", "info")
            return redirect(url_for("account_admin.index",
                                    school=user.school.code if user.school else None))
    status = 422 if error or form.errors else 200
    return render_template("accounts/admin_user_edit.html", form=form, user=user,
                           error=error), status


def _promotion_preview(school):
    """The dry run shown before confirming, or the reason a real run would be refused."""
    try:
        return services.promote_school(current_user, school, dry_run=True), None
    except services.AlreadyPromoted as refused:
        return None, f"{refused}如确需再次升级，请联系区管理员。"


@bp.route("/promote", methods=["GET", "POST"])
def promote():
    """The new school year: preview every student moving up a grade, then confirm."""
    school = _school_from_code(request.values.get("school"))
    if school is None:
        return render_template("accounts/admin_promote.html", school=None,
                               schools=services.all_schools())
    form = PromotionForm(data={"school": school.code})
    error = None
    if form.validate_on_submit():
        try:
            if not form.confirm.data:
                raise services.AccountError("请先勾选确认，再开始升级。")
            done = services.promote_school(current_user, school)
        except services.AccountError as refused:
            error = str(refused)
        else:
            for line in done.lines():
                flash(line, "info")
            return redirect(url_for("account_admin.index", school=school.code))
    plan, refusal = _promotion_preview(school)
    return render_template(
        "accounts/admin_promote.html", school=school, form=form, plan=plan, refusal=refusal,
        error=error, school_year=services.school_year_label(services.current_school_year()),
    ), 422 if error else 200


@bp.get("/counsellors")
def counsellors():
    """District admins: every school's 心理老师 and who set the flag, since it opens crisis questions."""
    rows, history = services.counsellor_overview(current_user)
    return render_template("accounts/admin_counsellors.html", rows=rows, history=history,
                           guardians=services.safeguarding_staff_overview(current_user))


@bp.route("/schools", methods=["GET", "POST"])
def schools():
    """District admins: every school with its accounts, and a form to add one."""
    if not policy.can_manage_schools(current_user):
        abort(403, description="只有区级管理员可以管理学校。")
    error = None
    if request.method == "POST":
        if not HplearnForm().validate():
            abort(400, description="表单已过期，请刷新页面后重试。")
        try:
            school = services.create_school(request.form.get("code", ""), request.form.get("name", ""),
                                            request.form.get("stage", ""), actor=current_user,
                                            school_type=request.form.get("school_type") or None)
        except services.AccountError as refusal:
            error = str(refusal)
        else:
            flash(f"已添加“{school.name}”（代码 {school.code}）。现在可以为它新建账号了。", "info")
            return redirect(url_for("account_admin.schools"))
    return render_template("accounts/admin_schools.html", overview=services.school_overview(),
                           stages=SCHOOL_STAGES, types=SCHOOL_TYPES, error=error, form=HplearnForm(),
                           values=request.form), 422 if error else 200


@bp.post("/schools/<code>")
def rename_school(code):
    """District admins correct a school's name or stage."""
    if not HplearnForm().validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    try:
        school = services.rename_school(current_user, code, request.form.get("name", ""),
                                        request.form.get("stage", ""),
                                        request.form.get("school_type") or None)
    except services.AccountError as refusal:
        if refusal.status != 422:  # refusals (403, 404) reach the error page
            raise
        flash(str(refusal), "error")
    else:
        flash(f"已保存“{school.name}”。", "info")
    return redirect(url_for("account_admin.schools"))
