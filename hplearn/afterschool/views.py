"""After-school pages: the public guides, families' sign-up, roll call, the school's desk and
the district's 督导 dashboard. Thin: parse, call services, render."""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.accounts.models import User
from hplearn.afterschool import records, rules, services, supervision
from hplearn.afterschool.validation import (
    STAFF_KINDS,
    AfterschoolError,
    AfterschoolForbidden,
    parse_date,
)
from hplearn.extensions import db
from hplearn.vocab import Role

bp = Blueprint("afterschool", __name__)
public = Blueprint("afterschool_public", __name__)


def _term() -> str:
    return services.term_or_current(request.args.get("term") or request.form.get("term"))


@lru_cache(maxsize=256)  # a pure function of the address, asked on every view of a guide
def qr_svg(url: str) -> str:
    """An inline SVG QR code of the address (segno), for the printed guide at the school gate."""
    import segno

    buffer = BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=3, border=2, xmldecl=False,
                                    svgns=True, title="本页二维码", omitsize=True)
    return buffer.getvalue().decode()


# --- public ----------------------------------------------------------------------------------


@public.get("/schools/<code>/afterschool")
def school_guide(code):
    """A school's published 课后服务指南, printable, with a QR code to this page."""
    school = services.public_school(code)
    term = _term()
    guide = services.visible_guide(current_user, school, term)
    page_url = url_for("afterschool_public.school_guide", code=school.code, term=term,
                       _external=True)
    waiting = services.waitlisted_count(p.id for p in guide.programmes) if guide else {}
    return render_template(
        "afterschool/guide.html", school=school, term=term, guide=guide, waiting=waiting,
        checks=services.checks_of(guide) if guide else [], qr=qr_svg(page_url), page_url=page_url,
        signup_open=bool(guide and services.signup_is_open(guide, services.today())),
    )


@bp.get("/")
def index():
    """Every school's guide of the term."""
    term = _term()
    return render_template("afterschool/index.html", term=term,
                           schools=services.published_guides(term))


# --- families ----------------------------------------------------------------------------------


@bp.route("/mine", methods=["GET", "POST"])
@login_required
def mine():
    """A student's sign-up (up to three choices), places, waitlists and attendance."""
    if not policy.may_sign_up_at_all(current_user):
        abort(403, description="这个页面是给学生和家长的。")
    term = _term()
    student = services.student_for(current_user, request.values.get("student_id", type=int))
    guide = services.find_guide(student.school, term) if student.school else None
    status = 200
    if request.method == "POST":
        choices = [int(v) for v in request.form.getlist("choice") if v.isdecimal()]
        try:
            result = services.sign_up(current_user, student, term, choices)
        except AfterschoolError as error:
            flash(str(error), "error")
            status = error.status
        else:
            flash(_signup_message(result), "info")
            return redirect(_mine_url(student, term))
    signup = services.student_signup(student, term)
    return render_template(
        "afterschool/mine.html", student=student, term=term,
        guide=guide if guide and guide.published else None,
        eligible=[p for p in guide.programmes if student.grade in p.grades] if guide else [],
        signup=signup, enrolments=services.student_enrolments(student, term),
        attendance=records.student_attendance(student, term),
        signup_open=bool(guide and services.signup_is_open(guide, services.today())),
    ), status


@bp.post("/mine/withdraw/<int:programme_id>")
@login_required
def withdraw(programme_id):
    """Give up a place; the next on the waitlist moves up."""
    student = services.student_for(current_user, request.form.get("student_id", type=int))
    services.withdraw(current_user, student, programme_id)
    flash("已退出，名额已让给候补的同学。", "info")
    return redirect(_mine_url(student))


def _mine_url(student, term: str | None = None) -> str:
    """The family's page of this student (a parent's names the child)."""
    child = None if student.id == current_user.id else student.id
    return url_for("afterschool.mine", term=term, student_id=child)


def _signup_message(result) -> str:
    if result.awaiting_parent:
        return "报名已保存，等待家长确认：家长确认后才参加学校的统一安排。"
    if not result.confirmed:
        return "报名已保存，学校将在报名截止后统一安排。"
    return "报名已处理，结果见下方。"


# --- teachers ----------------------------------------------------------------------------------


@bp.get("/teach")
@login_required
def teach():
    """A teacher's programmes (roll call) and service hours this month."""
    if not policy.is_staff(current_user) or current_user.school is None:
        abort(403)
    term = _term()
    first, last = records.parse_month(request.args.get("month"))
    hours = records.service_hours(current_user.school, first, last, teacher_id=current_user.id)
    return render_template("afterschool/teach.html", term=term, month=first,
                           programmes=services.staffed_programmes(current_user, term),
                           hours=hours[0] if hours else None, today=services.today())


@bp.route("/programmes/<int:programme_id>/attendance", methods=["GET", "POST"])
@login_required
def attendance(programme_id):
    """Roll call on a phone: every enrolled student, present / absent / leave, one save."""
    programme = records.attendance_programme(current_user, programme_id)
    day_text = request.values.get("date") or services.today().isoformat()
    students = records.roll(programme)
    status = 200
    if request.method == "POST":
        lists = {key: [] for key in records.STATUSES}
        for student in students:
            mark = request.form.get(f"s{student.id}")
            if mark in lists:
                lists[mark].append(student.id)
        try:
            taken = records.record_attendance(current_user, programme, day_text, lists["present"],
                                              lists["absent"], lists["leave"])
        except AfterschoolError as error:
            flash(str(error), "error")
            status = error.status
        else:
            flash(f"已保存 {taken.day.isoformat()} 的点名：出勤 {taken.present} 人，"
                  f"缺勤 {taken.absent} 人，请假 {taken.leave} 人。", "info")
            return redirect(url_for("afterschool.attendance", programme_id=programme.id,
                                    date=taken.day.isoformat()))
    try:
        marks = records.attendance_on(programme, parse_date(day_text, "date", "日期"))
    except AfterschoolError:
        marks = {}
    return render_template("afterschool/attendance.html", programme=programme, day=day_text,
                           students=students, marks=marks, statuses=records.STATUSES), status


# --- the school's desk -------------------------------------------------------------------------


def _managed(code):
    return services.managed_school(current_user, code)


@bp.get("/manage/")
@login_required
def manage_home():
    """An admin's way in: their school's desk, or (district admins) the 督导 page."""
    if policy.is_district_admin(current_user):
        return redirect(url_for("afterschool.district"))
    if not policy.is_admin(current_user):
        abort(403)
    return redirect(url_for("afterschool.manage", code=current_user.school.code))


@bp.get("/manage/<code>")
@login_required
def manage(code):
    """The school's after-school desk for a term."""
    school = _managed(code)
    term = _term()
    guide = services.find_guide(school, term)
    monday, friday = records.week_bounds(request.args.get("week"))
    first, last = records.parse_month(request.args.get("month"))
    by_programme, by_grade = records.attendance_tallies(guide, monday, friday) if guide else ([], [])
    return render_template(
        "afterschool/manage.html", school=school, term=term, guide=guide,
        checks=services.checks_of(guide) if guide else [],
        waiting=services.waitlisted_count(p.id for p in guide.programmes) if guide else {},
        signups=services.signups_of(guide) if guide else [],
        priority=services.priority_ids(guide) if guide else set(),
        unplaced=services.unplaced_students(guide) if guide and guide.allocated_at else [],
        run=guide.runs[-1] if guide and guide.runs else None,
        by_programme=by_programme, by_grade=by_grade, week=records.week_label(monday),
        hours=records.service_hours(school, first, last), month=first,
        signup_open=bool(guide and services.signup_is_open(guide, services.today())),
        signup_over=bool(guide and services.signup_is_over(guide, services.today())),
        rules=rules,
    )


def _back(code, term, anchor=""):
    return redirect(url_for("afterschool.manage", code=code, term=term) + anchor)


def _programme_form_data(school) -> dict:
    form = request.form
    slots = [{"weekday": day, "start": form.get(f"start{day}", ""), "end": form.get(f"end{day}", "")}
             for day in rules.WEEKDAYS if form.get(f"start{day}") or form.get(f"end{day}")]
    staff = [{"kind": "teacher", "user_id": int(v)} for v in form.getlist("teacher") if v.isdecimal()]
    for index in (1, 2):
        name = form.get(f"other_name{index}", "").strip()
        if name:
            staff.append({"kind": form.get(f"other_kind{index}", "volunteer"), "name": name,
                          "qualification": form.get(f"other_qualification{index}", "")})
    return {
        "name": form.get("name", ""), "category": form.get("category", ""),
        "description": form.get("description", ""), "grades": form.getlist("grades"),
        "capacity": form.get("capacity", ""), "fee_per_month": form.get("fee_per_month", ""),
        "fee_waiver": form.get("fee_waiver", ""), "slots": slots, "place": form.get("place", ""),
        "staff": staff,
    }


def _school_teachers(school):
    from sqlalchemy import select

    return list(db.session.scalars(
        select(User).where(User.school_id == school.id, User.role == Role.TEACHER,
                           User.active.is_(True)).order_by(User.display_name)))


@bp.route("/manage/<code>/programmes/new", methods=["GET", "POST"])
@bp.route("/manage/<code>/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@login_required
def programme_form(code, programme_id=None):
    """Add or change a programme (works without JavaScript)."""
    school = _managed(code)
    term = _term()
    programme = services.managed_programme(current_user, school, programme_id) if programme_id else None
    error, status = None, 200
    if request.method == "POST":
        data = _programme_form_data(school)
        try:
            if programme is None:
                services.create_programme(current_user, school, term, data)
            else:
                services.update_programme(current_user, school, programme.id, data)
        except AfterschoolError as refused:
            error, status = refused, refused.status
        else:
            flash("项目已保存。", "info")
            return _back(school.code, term, "#programmes")
    return render_template(
        "afterschool/programme_form.html", school=school, term=term, programme=programme,
        form=request.form if request.method == "POST" else None, error=error,
        teachers=_school_teachers(school), grades=rules.school_grades(school.stage),
        categories=rules.CATEGORIES, weekdays=rules.WEEKDAYS, staff_kinds=STAFF_KINDS,
    ), status


def _run_on_desk(code, action, success: str, anchor: str = ""):
    school = _managed(code)
    term = _term()
    try:
        outcome = action(school, term)
    except AfterschoolError as error:
        flash(str(error), "error")
    else:
        flash(success.format(outcome=outcome), "info")
    return _back(school.code, term, anchor)


@bp.post("/manage/<code>/plan")
@login_required
def save_plan(code):
    """Save the 实施方案 text."""
    return _run_on_desk(code, lambda school, term: services.update_plan(
        current_user, school, term, request.form.get("plan", "")), "实施方案已保存。", "#plan")


@bp.post("/manage/<code>/publish")
@login_required
def publish(code):
    """Publish the guide with its sign-up window and the reasons for broken rules."""
    reasons = {rule: request.form.get(f"reason_{rule}", "") for rule in rules.RULES}
    return _run_on_desk(code, lambda school, term: services.publish(
        current_user, school, term, signup_opens=request.form.get("signup_opens"),
        signup_closes=request.form.get("signup_closes"), reasons=reasons),
        "指南已发布，家长无需登录即可查看。", "#publish")


@bp.post("/manage/<code>/close-signup")
@login_required
def close_signup(code):
    """End the sign-up now."""
    return _run_on_desk(code, lambda school, term: services.close_signup(
        current_user, school, term), "报名已截止，可以开始分配。", "#allocate")


@bp.post("/manage/<code>/priority")
@login_required
def priority(code):
    """Mark or unmark one student as needing 延时托管."""
    student_id = request.form.get("student_id", type=int)
    needed = request.form.get("needed") == "1"
    return _run_on_desk(code, lambda school, term: services.set_priority(
        current_user, school, term, [student_id] if student_id else [], needed),
        "已更新延时托管优先名单。", "#signups")


@bp.post("/manage/<code>/allocate")
@login_required
def allocate(code):
    """Run the allocation."""
    seed_text = request.form.get("seed", "").strip()
    seed = int(seed_text) if seed_text.isdecimal() else (seed_text or None)
    return _run_on_desk(code, lambda school, term: services.allocate(
        current_user, school, term, seed=seed),
        "分配完成：{outcome.enrolled} 个名额，{outcome.unplaced} 名学生待手动安排，"
        "第一志愿满足率 {outcome.first_choice_share:.0%}，随机种子 {outcome.seed}。", "#allocate")


@bp.post("/manage/<code>/place")
@login_required
def place(code):
    """Place an unplaced student by hand."""
    return _run_on_desk(code, lambda school, term: services.place_by_hand(
        current_user, school, request.form.get("programme_id", type=int) or 0,
        request.form.get("student_id", type=int)), "已安排。", "#unplaced")


@bp.get("/manage/<code>/hours.csv")
@login_required
def hours_csv(code):
    """Teachers' service hours of a month as CSV."""
    school = _managed(code)
    first, last = records.parse_month(request.args.get("month"))
    text = records.service_hours_csv(school, first, records.service_hours(school, first, last))
    name = f"afterschool-hours-{school.code}-{first.strftime('%Y-%m')}.csv"
    return Response(text, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


# --- the district ------------------------------------------------------------------------------


def _require_district():
    if not policy.can_view_afterschool_supervision(current_user):
        raise AfterschoolForbidden("只有区管理员可以查看全区课后服务督导数据。")


@bp.get("/district")
@login_required
def district():
    """督导: coverage, rule flags with reasons, participation, demand, attendance ("<5")."""
    _require_district()
    term = _term()
    report = supervision.supervision(term)
    return render_template("afterschool/district.html", term=term, report=report,
                           entries=[supervision.school_json(r) for r in report.rows],
                           totals=supervision.district_json(report)["totals"],
                           hidden_text=supervision.PAGE_HIDDEN, rules=rules)


@bp.get("/district.csv")
@login_required
def district_csv():
    """The 督导 figures as CSV."""
    _require_district()
    term = _term()
    text = supervision.district_csv(supervision.supervision(term))
    return Response(text, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=afterschool-district-{term}.csv"})
