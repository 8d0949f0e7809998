"""/api/v1 routes of the after-school service (the contract: shared/INTERFACES.md)."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.afterschool import records, services, supervision
from hplearn.afterschool.models import EnrolmentStatus
from hplearn.afterschool.validation import AfterschoolForbidden, AfterschoolInvalid, parse_int
from hplearn.api import bp, json_object
from hplearn.markup import render_markdown


def programme_json(programme, waitlisted: int = 0) -> dict:
    """P: a programme as the API shows it."""
    return {
        "id": programme.id,
        "term": programme.term,
        "name": programme.name,
        "category": programme.category,
        "description": programme.description,
        "description_html": str(render_markdown(programme.description)),
        "grades": list(programme.grades),
        "capacity": programme.capacity,
        "enrolled": programme.enrolled_count,
        "waitlisted": waitlisted,
        "fee_per_month": programme.fee_cents / 100,
        "fee_waiver": programme.fee_waiver,
        "slots": list(programme.slots),
        "place": programme.place,
        "staff": [{"name": m.name, "kind": m.kind, "user_id": m.user_id,
                   "qualification": m.qualification} for m in programme.staff],
    }


def guide_json(school, term: str, guide) -> dict:
    """The school's guide of the term with its rule checks."""
    programmes = guide.programmes if guide else []
    waiting = services.waitlisted_count(p.id for p in programmes)
    checks = services.checks_of(guide) if guide else []
    return {
        "school": {"code": school.code, "name": school.name, "stage": school.stage},
        "term": term,
        "published": bool(guide and guide.published),
        "plan_html": str(render_markdown(guide.plan if guide else "")),
        "signup_opens": guide.signup_opens.isoformat() if guide and guide.signup_opens else None,
        "signup_closes": guide.signup_closes.isoformat() if guide and guide.signup_closes else None,
        "signup_open": bool(guide and services.signup_is_open(guide, services.today())),
        "allocated": bool(guide and guide.allocated_at),
        "programmes": [programme_json(p, waiting.get(p.id, 0)) for p in programmes],
        "checks": [{"rule": c.rule, "ok": c.ok, "detail": c.detail} for c in checks],
        "exceptions": [{"rule": rule, "reason": reason}
                       for rule, reason in sorted((guide.exceptions or {}).items())] if guide else [],
    }


def _body() -> dict:
    data = json_object()
    if data is None:
        raise AfterschoolInvalid(None, "请求内容必须是 JSON 对象（Content-Type: application/json）。")
    return data


def _term(data: dict | None = None) -> str:
    value = (data or {}).get("term") if data is not None else request.args.get("term")
    return services.term_or_current(value)


@bp.get("/schools/<code>/afterschool")
def afterschool_guide(code):
    """A school's guide: published for anyone, drafts too for its admins."""
    school = services.public_school(code)
    term = _term()
    guide = services.visible_guide(current_user, school, term)
    return jsonify(guide_json(school, term, guide))


@bp.patch("/schools/<code>/afterschool")
@login_required
def afterschool_update_plan(code):
    """Write the school's 实施方案 for a term."""
    school = services.managed_school(current_user, code)
    data = _body()
    term = _term(data)
    guide = services.update_plan(current_user, school, term, data.get("plan", ""))
    return jsonify(guide_json(school, term, guide))


@bp.post("/schools/<code>/afterschool/programmes")
@login_required
def afterschool_create_programme(code):
    """Add a programme to a term's guide."""
    school = services.managed_school(current_user, code)
    data = _body()
    programme = services.create_programme(current_user, school, _term(data), data)
    return jsonify(programme_json(programme)), 201


@bp.patch("/schools/<code>/afterschool/programmes/<int:programme_id>")
@login_required
def afterschool_update_programme(code, programme_id):
    """Change a programme."""
    school = services.managed_school(current_user, code)
    programme = services.update_programme(current_user, school, programme_id, _body())
    waiting = services.waitlisted_count([programme.id]).get(programme.id, 0)
    return jsonify(programme_json(programme, waiting))


@bp.post("/schools/<code>/afterschool/publish")
@login_required
def afterschool_publish(code):
    """Publish a term's guide (broken rules need a written reason)."""
    school = services.managed_school(current_user, code)
    data = _body()
    term = _term(data)
    guide = services.publish(current_user, school, term, signup_opens=data.get("signup_opens"),
                             signup_closes=data.get("signup_closes"), reasons=data.get("reasons"))
    return jsonify(guide_json(school, term, guide))


@bp.post("/schools/<code>/afterschool/close-signup")
@login_required
def afterschool_close_signup(code):
    """End the sign-up window now."""
    school = services.managed_school(current_user, code)
    data = _body()
    term = _term(data)
    guide = services.close_signup(current_user, school, term)
    return jsonify(guide_json(school, term, guide))


@bp.post("/schools/<code>/afterschool/allocate")
@login_required
def afterschool_allocate(code):
    """Run the allocation of a term once its window has closed."""
    school = services.managed_school(current_user, code)
    data = _body()
    summary = services.allocate(current_user, school, _term(data), seed=data.get("seed"))
    return jsonify(enrolled=summary.enrolled, waitlisted=summary.waitlisted,
                   unplaced=summary.unplaced, first_choice_share=summary.first_choice_share,
                   seed=summary.seed)


@bp.post("/schools/<code>/afterschool/priority")
@login_required
def afterschool_priority(code):
    """Mark students as needing 延时托管 (needed: false unmarks them)."""
    school = services.managed_school(current_user, code)
    data = _body()
    needed = data.get("needed", True)
    if not isinstance(needed, bool):
        raise AfterschoolInvalid("needed", "needed 必须是 true 或 false。")
    changed = services.set_priority(current_user, school, _term(data), data.get("student_ids"),
                                    needed)
    return jsonify(changed=changed)


@bp.post("/schools/<code>/afterschool/programmes/<int:programme_id>/enrol")
@login_required
def afterschool_place(code, programme_id):
    """Place a student in a programme by hand."""
    school = services.managed_school(current_user, code)
    data = _body()
    enrolment = services.place_by_hand(current_user, school, programme_id, data.get("student_id"))
    return jsonify(enrolment_json(enrolment)), 201


@bp.get("/schools/<code>/afterschool/hours")
@login_required
def afterschool_hours(code):
    """Teachers' after-school service hours in a month."""
    school = services.managed_school(current_user, code)
    first, last = records.parse_month(request.args.get("month"))
    rows = records.service_hours(school, first, last)
    return jsonify(month=first.strftime("%Y-%m"), results=[
        {"user_id": r.teacher.id, "username": r.teacher.username,
         "display_name": r.teacher.display_name, "sessions": r.sessions, "hours": r.hours}
        for r in rows])


def _signup_json(result) -> dict:
    return {"term": result.term, "choices": result.choices, "confirmed": result.confirmed,
            "awaiting_parent": result.awaiting_parent,
            "enrolments": [enrolment_json(e) for e in result.enrolments]}


@bp.put("/afterschool/signup")
@login_required
def afterschool_signup():
    """A student's ranked choices (a parent's for a bound child)."""
    data = _body()
    student = services.student_for(current_user, data.get("student_id"))
    result = services.sign_up(current_user, student, _term(data), data.get("choices"))
    return jsonify(_signup_json(result))


@bp.post("/afterschool/signup/confirm")
@login_required
def afterschool_confirm_signup():
    """A parent confirms the choices their bound child made."""
    data = _body()
    if not policy.is_parent(current_user):
        raise AfterschoolForbidden("只有家长可以确认孩子的报名。")
    student = services.student_for(current_user, data.get("student_id"))
    result = services.confirm_signup(current_user, student, _term(data))
    return jsonify(_signup_json(result))


def enrolment_json(enrolment) -> dict:
    """One place: the student, the programme, the status."""
    programme = enrolment.programme
    return {
        "student_id": enrolment.student_id,
        "programme": {"id": programme.id, "name": programme.name,
                      "category": programme.category},
        "status": enrolment.status,
        "rank": enrolment.rank,
        "position": enrolment.position if enrolment.status == EnrolmentStatus.WAITLISTED else None,
    }


@bp.get("/afterschool/enrolments")
@login_required
def afterschool_enrolments():
    """Places of a student (theirs, a child's, a pupil's), or of the caller's school (staff)."""
    term = _term()
    student_id = request.args.get("student_id")
    if student_id:
        student = services.viewable_student(
            current_user, parse_int(student_id, "student_id", "student_id", 1, services.MAX_ID))
        rows = services.student_enrolments(student, term)
    elif policy.is_student(current_user):
        rows = services.student_enrolments(current_user, term)
    elif policy.is_staff(current_user) and current_user.school_id is not None:
        rows = services.school_enrolments(current_user.school, term)
    elif policy.may_sign_up_at_all(current_user):
        raise AfterschoolInvalid("student_id", "请指定孩子的编号（student_id）。")
    else:
        raise AfterschoolForbidden("区管理员请按学生编号（student_id）查询。")
    return jsonify(results=[enrolment_json(e) for e in rows])


@bp.post("/afterschool/programmes/<int:programme_id>/withdraw")
@login_required
def afterschool_withdraw(programme_id):
    """Give up a place or waitlist place; the next on the waitlist moves up."""
    data = _body()
    if policy.may_sign_up_at_all(current_user):
        student = services.student_for(current_user, data.get("student_id"))
    else:
        student = services.viewable_student(
            current_user, parse_int(data.get("student_id"), "student_id", "student_id", 1,
                                    services.MAX_ID))
    enrolment = services.withdraw(current_user, student, programme_id)
    return jsonify(enrolment_json(enrolment))


@bp.post("/afterschool/programmes/<int:programme_id>/attendance")
@login_required
def afterschool_attendance(programme_id):
    """Record one session's attendance (the programme's staff)."""
    data = _body()
    programme = records.attendance_programme(current_user, programme_id)
    taken = records.record_attendance(current_user, programme, data.get("date"),
                                      data.get("present"), data.get("absent"), data.get("leave"))
    return jsonify(date=taken.day.isoformat(), present=taken.present, absent=taken.absent,
                   leave=taken.leave), 201


@bp.get("/stats/afterschool/district")
@login_required
def afterschool_district():
    """The district's 督导 figures of a term ("<5" rule)."""
    if not policy.can_view_afterschool_supervision(current_user):
        raise AfterschoolForbidden("只有区管理员可以查看全区课后服务督导数据。")
    return jsonify(supervision.district_json(supervision.supervision(_term())))
