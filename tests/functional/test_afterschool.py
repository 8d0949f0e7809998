"""After-school service: the guide, its rules, sign-up, allocation, waitlists, records, 督导."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hplearn.afterschool import records, services
from hplearn.afterschool.models import AllocationRun, Programme
from hplearn.extensions import db
from tests import factories
from tests.afterschool_fixtures import TERM, compliant_guide, programme_data, slots
from tests.openapi_check import assert_matches_spec


@pytest.fixture
def middle(app):
    """A middle school (grades 7-9)."""
    return factories.SchoolFactory(code="hp010", name="和平区第十中学", stage="初中")


@pytest.fixture
def admin(middle):
    return factories.UserFactory(username="as_admin", role="school_admin", school=middle)


@pytest.fixture
def coach(middle):
    return factories.UserFactory(username="as_coach", role="teacher", school=middle,
                                 display_name="周老师")


@pytest.fixture
def pupils(middle):
    return [factories.UserFactory(username=f"as_s{n}", role="student", school=middle,
                                  grade=7 + n % 3) for n in range(12)]


def _checked(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    assert_matches_spec(response)
    return response.get_json()


def _api_programme(client, data, status=201):
    return _checked(client.post("/api/v1/schools/hp010/afterschool/programmes", json=data), status)


# --- programmes and bad input ----------------------------------------------------------------

BAD_PROGRAMMES = [
    ({"slots": [{"weekday": 1, "start": "16:00", "end": "17:00"},
                {"weekday": 1, "start": "16:30", "end": "18:00"}]}, "重叠"),
    ({"slots": [{"weekday": 2, "start": "18:00", "end": "17:00"}]}, "必须晚于开始时间"),
    ({"slots": [{"weekday": 6, "start": "16:00", "end": "17:00"}]}, "星期"),
    ({"slots": [{"weekday": 1, "start": "25:00", "end": "26:00"}]}, "时:分"),
    ({"slots": []}, "上课时间"),
    ({"capacity": 0}, "容纳人数"),
    ({"capacity": -3}, "容纳人数"),
    ({"capacity": "很多"}, "容纳人数"),
    ({"fee_per_month": "一百"}, "数字"),
    ({"fee_per_month": -1}, "负数"),
    ({"fee_per_month": "12.345"}, "两位小数"),
    ({"fee_per_month": None}, "数字"),
    ({"grades": [3]}, "本校没有"),
    ({"grades": []}, "年级"),
    ({"category": "补课"}, "类别"),
    ({"name": ""}, "项目名称"),
    ({"place": ""}, "地点"),
    ({"staff": []}, "工作人员"),
    ({"staff": [{"kind": "volunteer", "name": "孙同学"}]}, "资质说明"),
    ({"staff": [{"kind": "teacher", "user_id": 999999}]}, "本校"),
    ({"staff": [{"kind": "chef", "name": "x"}]}, "类别"),
    ({"category": "初中晚自习", "grades": [7], "term": "2025-3"}, "学期"),
    ({"unknown": 1}, "不认识"),
]


@pytest.mark.parametrize(("change", "words"), BAD_PROGRAMMES)
def test_bad_programme_is_a_422_in_chinese(client, login, admin, coach, change, words):
    login(admin)
    body = _api_programme(client, programme_data(coach, **change), status=422)
    assert words in body["error"]["message"]


def test_programme_p_shape_and_patch(client, login, admin, coach):
    login(admin)
    created = _api_programme(client, programme_data(coach, staff=[
        {"kind": "teacher", "user_id": coach.id},
        {"kind": "retired", "name": "钱老师", "qualification": "退休美术教师"}]))
    assert created["enrolled"] == 0 and created["fee_per_month"] == 100
    assert created["staff"][0]["name"] == "周老师" and created["fee_waiver"]
    changed = _checked(client.patch(f"/api/v1/schools/hp010/afterschool/programmes/{created['id']}",
                                    json={"capacity": 12, "fee_per_month": "95.5"}), 200)
    assert changed["capacity"] == 12 and changed["fee_per_month"] == 95.5
    _checked(client.patch(f"/api/v1/schools/hp010/afterschool/programmes/{created['id']}",
                          json={"capacity": 0}), 422)
    _checked(client.patch("/api/v1/schools/hp010/afterschool/programmes/999999",
                          json={"capacity": 3}), 404)


def test_drafts_only_for_the_school_admin(client, login, admin, coach):
    services.create_programme(admin, admin.school, TERM, programme_data(coach))
    anonymous = _checked(client.get(f"/api/v1/schools/hp010/afterschool?term={TERM}"), 200)
    assert anonymous["published"] is False and anonymous["programmes"] == []
    login(admin)
    draft = _checked(client.get(f"/api/v1/schools/hp010/afterschool?term={TERM}"), 200)
    assert len(draft["programmes"]) == 1 and draft["checks"]
    _checked(client.get("/api/v1/schools/hp010/afterschool?term=2025"), 422)
    _checked(client.get("/api/v1/schools/nowhere/afterschool"), 404)


# --- the plan's rules -------------------------------------------------------------------------


def test_publish_refused_until_every_broken_rule_has_a_reason(client, login, admin, coach):
    login(admin)
    _api_programme(client, programme_data(coach, name="足球", category="体育", fee_per_month=200,
                                          slots=slots((1, 2, 3, 4), "16:30", "17:30")))
    refused = _checked(client.post("/api/v1/schools/hp010/afterschool/publish",
                                   json={"term": TERM}), 422)
    message = refused["error"]["message"]
    for words in ("周一至周五", "2 小时", "18:30", "180 元", "延时托管"):
        assert words in message
    broken = ("five_weekdays", "two_hours_daily", "ends_after_1830", "fee_cap", "extended_care")
    reasons = dict.fromkeys(broken, "场地所限，已报区教育局")
    _checked(client.post("/api/v1/schools/hp010/afterschool/publish",
                         json={"term": TERM, "reasons": {"fee_cap": "x"}}), 422)
    body = _checked(client.post("/api/v1/schools/hp010/afterschool/publish",
                                json={"term": TERM, "reasons": reasons}), 200)
    assert body["published"] and {e["rule"] for e in body["exceptions"]} == set(reasons)
    login.logout()
    public = client.get(f"/schools/hp010/afterschool?term={TERM}").get_data(as_text=True)
    assert "足球" in public and "场地所限" in public


def test_evening_study_and_its_fee(admin, coach):
    services.create_programme(admin, admin.school, TERM, programme_data(coach))
    services.create_programme(admin, admin.school, TERM, programme_data(
        coach, name="晚自习", category="初中晚自习", grades=[9], fee_per_month=120,
        slots=slots(range(1, 6), "18:40", "21:00")))
    checks = {c.rule: c for c in services.checks_of(services.find_guide(admin.school, TERM))}
    assert not checks["evening_study_by_2030"].ok and "晚自习" in checks["evening_study_by_2030"].detail
    assert not checks["fee_cap"].ok
    assert checks["all_grades"].ok and checks["five_weekdays"].ok


@pytest.mark.parametrize(("window", "words"), [
    ({"signup_opens": "2025-09-10", "signup_closes": "2025-09-01"}, "不能早于"),
    ({"signup_opens": "2025-09-10"}, "一起填写"),
    ({"signup_opens": "9月1日", "signup_closes": "2025-09-10"}, "年-月-日"),
])
def test_bad_window(client, login, admin, coach, window, words):
    compliant_guide(admin, admin.school, coach)
    login(admin)
    body = _checked(client.post("/api/v1/schools/hp010/afterschool/publish",
                                json={"term": TERM, **window}), 422)
    assert words in body["error"]["message"]


# --- sign-up, allocation, waitlists --------------------------------------------------------------


def test_signup_rules(client, login, admin, coach, pupils, middle):
    care, ball, art = compliant_guide(admin, middle, coach)
    login(pupils[0])
    body = _checked(client.put("/api/v1/afterschool/signup",
                               json={"term": TERM, "choices": [ball.id, care.id]}), 200)
    assert body == {"term": TERM, "choices": [ball.id, care.id], "confirmed": False,
                    "awaiting_parent": False, "enrolments": []}
    for choices, words in (([ball.id, ball.id], "重复"), ([1, 2, 3, 4], "最多 3"),
                           ([999999], "没有编号"), ("x", "编号列表")):
        message = _checked(client.put("/api/v1/afterschool/signup",
                                      json={"term": TERM, "choices": choices}), 422)
        assert words in message["error"]["message"]
    _checked(client.put("/api/v1/afterschool/signup",
                        json={"term": TERM, "choices": [], "student_id": pupils[1].id}), 404)
    services.update_programme(admin, middle, art.id, {"grades": [8, 9]})
    message = _checked(client.put("/api/v1/afterschool/signup",
                                  json={"term": TERM, "choices": [art.id]}), 422)
    assert "不招收七年级" in message["error"]["message"]
    services.close_signup(admin, middle, TERM)
    message = _checked(client.put("/api/v1/afterschool/signup",
                                  json={"term": TERM, "choices": [ball.id]}), 422)
    assert "不在报名时间" in message["error"]["message"]


def test_signup_after_the_last_day(client, login, admin, coach, pupils, middle):
    today = services.today()
    care, _, _ = compliant_guide(admin, middle, coach, opens=today - timedelta(days=9),
                                 closes=today - timedelta(days=1))
    login(pupils[0])
    message = _checked(client.put("/api/v1/afterschool/signup",
                                  json={"term": TERM, "choices": [care.id]}), 422)
    assert "报名时间" in message["error"]["message"]


def _sign_everyone_up(pupils, choices):
    for pupil in pupils:
        services.sign_up(pupil, pupil, TERM, choices)


def test_allocation_capacity_overlap_priority_and_replay(client, login, runner, admin, coach,
                                                         pupils, middle):
    care, ball, art = compliant_guide(admin, middle, coach, capacity=4)
    _sign_everyone_up(pupils, [ball.id, art.id, care.id])  # ball and art clash on Monday
    services.set_priority(admin, middle, TERM, [pupils[-1].id], True)
    login(admin)
    _checked(client.post("/api/v1/schools/hp010/afterschool/allocate", json={"term": TERM}), 422)
    services.close_signup(admin, middle, TERM)
    summary = _checked(client.post("/api/v1/schools/hp010/afterschool/allocate",
                                   json={"term": TERM, "seed": 42}), 200)
    assert summary["seed"] == 42 and summary["enrolled"] == 12
    assert summary["first_choice_share"] == round(4 / 12, 4)
    _checked(client.post("/api/v1/schools/hp010/afterschool/allocate",
                         json={"term": TERM, "seed": 42}), 409)
    for programme in (care, ball, art):
        db.session.refresh(programme)
        assert programme.enrolled_count == 4 == programme.capacity
    places = {p.id: services.student_enrolments(p, TERM) for p in pupils}
    for enrolments in places.values():
        held = {e.programme_id for e in enrolments if e.status == "enrolled"}
        assert not {ball.id, art.id} <= held
    assert any(e.status == "enrolled" for e in places[pupils[-1].id])
    assert summary["unplaced"] == len(services.unplaced_students(services.find_guide(middle, TERM)))
    result = runner.invoke(args=["afterschool", "replay", "hp010", TERM])
    assert result.exit_code == 0 and "same as recorded" in result.output


def test_waitlist_moves_up_on_withdrawal(client, login, admin, coach, pupils, middle):
    care, _ball, _art = compliant_guide(admin, middle, coach, capacity=2)
    _sign_everyone_up(pupils[:5], [care.id])
    services.close_signup(admin, middle, TERM)
    services.allocate(admin, middle, TERM, seed=1)
    enrolled = [p for p in pupils[:5] if services.student_enrolments(p, TERM)[0].status == "enrolled"]
    waiting = sorted((services.student_enrolments(p, TERM)[0].position, p.id) for p in pupils[:5]
                     if services.student_enrolments(p, TERM)[0].status == "waitlisted")
    assert len(enrolled) == 2 and len(waiting) == 3
    login(enrolled[0])
    body = _checked(client.post(f"/api/v1/afterschool/programmes/{care.id}/withdraw", json={}), 200)
    assert body["status"] == "withdrawn"
    first_waiting = db.session.get(type(pupils[0]), waiting[0][1])
    assert services.student_enrolments(first_waiting, TERM)[0].status == "enrolled"
    db.session.refresh(care)
    assert care.enrolled_count == 2
    listed = _checked(client.get(f"/api/v1/afterschool/enrolments?term={TERM}"), 200)
    assert listed["results"][0]["status"] == "withdrawn"


def test_unplaced_student_placed_by_hand(client, login, admin, coach, pupils, middle):
    care, ball, _art = compliant_guide(admin, middle, coach, capacity=1)
    _sign_everyone_up(pupils[:3], [care.id])
    services.close_signup(admin, middle, TERM)
    summary = services.allocate(admin, middle, TERM, seed=3)
    assert summary.unplaced == 2
    guide = services.find_guide(middle, TERM)
    left = services.unplaced_students(guide)
    login(admin)
    assert left[0].display_name in client.get(f"/afterschool/manage/hp010?term={TERM}").get_data(
        as_text=True)
    _checked(client.post(f"/api/v1/schools/hp010/afterschool/programmes/{care.id}/enrol",
                         json={"student_id": left[0].id}), 422)  # full
    _checked(client.post(f"/api/v1/schools/hp010/afterschool/programmes/{ball.id}/enrol",
                         json={"student_id": left[0].id}), 201)
    assert len(services.unplaced_students(guide)) == 1


# --- records ------------------------------------------------------------------------------------


def _allocated(admin, coach, pupils, middle):
    care, _ball, _art = compliant_guide(admin, middle, coach)
    _sign_everyone_up(pupils, [care.id])
    services.close_signup(admin, middle, TERM)
    services.allocate(admin, middle, TERM, seed=5)
    return care


def _last_weekday():
    day = services.today()
    while day.isoweekday() > 5:
        day -= timedelta(days=1)
    return day


def test_attendance_hours_and_family_view(client, login, admin, coach, pupils, middle):
    care = _allocated(admin, coach, pupils, middle)
    day = _last_weekday()
    ids = [p.id for p in pupils]
    login(coach)
    taken = _checked(client.post(f"/api/v1/afterschool/programmes/{care.id}/attendance", json={
        "date": day.isoformat(), "present": ids[:10], "absent": ids[10:11], "leave": ids[11:]}), 201)
    assert (taken["present"], taken["absent"], taken["leave"]) == (10, 1, 1)
    for body, words in (
        ({"date": day.isoformat(), "present": ids[:2], "absent": ids[:1]}, "同时出现"),
        ({"date": (day + timedelta(days=7)).isoformat(), "present": ids}, "以后的日期"),
        ({"date": "昨天", "present": ids}, "年-月-日"),
        ({"date": day.isoformat(), "present": [coach.id]}, "不在本项目名单"),
    ):
        assert words in _checked(client.post(
            f"/api/v1/afterschool/programmes/{care.id}/attendance", json=body), 422)["error"]["message"]
    page = client.get(f"/afterschool/programmes/{care.id}/attendance?date={day.isoformat()}")
    assert page.status_code == 200 and 'value="absent" checked' in page.get_data(as_text=True)
    rows = records.service_hours(middle, day.replace(day=1), day)
    assert rows[0].teacher.id == coach.id and rows[0].hours == 2.0
    login.logout()
    login(admin)
    csv_text = client.get(f"/afterschool/manage/hp010/hours.csv?month={day.strftime('%Y-%m')}")
    assert "周老师" in csv_text.get_data(as_text=True) and csv_text.mimetype == "text/csv"
    hours = _checked(client.get(f"/api/v1/schools/hp010/afterschool/hours?month={day:%Y-%m}"), 200)
    assert hours["results"][0]["hours"] == 2.0
    login.logout()
    login(pupils[10])
    assert "缺勤" in client.get(f"/afterschool/mine?term={TERM}").get_data(as_text=True)


def test_district_dashboard_hides_small_and_derivable_figures(client, login, admin, coach, pupils,
                                                             middle, district_admin, school):
    _allocated(admin, coach, pupils, middle)
    login(district_admin)
    body = _checked(client.get(f"/api/v1/stats/afterschool/district?term={TERM}"), 200)
    rows = {row["school"]["code"]: row for row in body["schools"]}
    assert rows["hp010"]["participants"] == "<5"  # other school's 0 is hidden: would be total - 0
    assert rows["hp001"]["participants"] == "<5" and rows["hp001"]["published"] is False
    assert body["totals"]["participants"] == 12
    grades = {g["grade"]: g["participants"] for g in rows["hp010"]["by_grade"]}
    assert set(grades.values()) == {"<5"}  # 4 a grade: each under five
    page = client.get(f"/afterschool/district?term={TERM}").get_data(as_text=True)
    assert "人数不足 5 人" in page
    assert "人数不足 5 人" in client.get(f"/afterschool/district.csv?term={TERM}").get_data(as_text=True)


# --- public pages --------------------------------------------------------------------------------


def test_public_pages_need_no_sign_in(client, admin, coach, middle):
    compliant_guide(admin, middle, coach)
    page = client.get(f"/schools/hp010/afterschool?term={TERM}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in text and "篮球" in text and "扫码" in text
    assert "和平区第十中学" in client.get(f"/afterschool/?term={TERM}").get_data(as_text=True)
    assert client.get("/afterschool/?term=20251").status_code == 422
    assert client.get("/schools/none/afterschool").status_code == 404
    css = client.get("/static/css/afterschool.css").get_data(as_text=True)
    assert "@media print" in css and "size: A4" in css
    assert "课后服务" in client.get("/").get_data(as_text=True)


def test_programme_form_page(client, login, admin, coach, middle):
    login(admin)
    form = {"name": "合唱", "category": "艺术", "grades": ["7", "8"], "capacity": "20",
            "fee_per_month": "0", "start2": "16:30", "end2": "16:00", "place": "音乐教室",
            "teacher": [str(coach.id)], "term": TERM}
    refused = client.post("/afterschool/manage/hp010/programmes/new", data=form)
    assert refused.status_code == 422 and "必须晚于开始时间" in refused.get_data(as_text=True)
    form["end2"] = "18:30"
    assert client.post("/afterschool/manage/hp010/programmes/new", data=form).status_code == 302
    assert db.session.query(Programme).filter_by(name="合唱").one().staff[0].user_id == coach.id


@pytest.mark.slow
def test_demo_is_idempotent(app):
    from hplearn.afterschool import demo

    lines = []
    first = demo.load(lines.append)
    assert "2 after-school guide(s)" in first and any("demo_district" in line for line in lines)
    again = []
    assert demo.load(again.append) == "0 after-school guide(s) for " + first.split(" for ")[1].split(
        ",")[0] + ", 0 new demo account(s)"
    # Run again, it still tells how to sign in.
    assert any("演示账号：demo_district / demo2025pass" in line for line in again)
    assert any("演示学生：" in line for line in again)
    assert db.session.query(AllocationRun).count() == 1


# --- families are told --------------------------------------------------------------------------


def _notices(student):
    from hplearn.notifications.services import inbox

    return [n.message for n in inbox(student) if n.kind == "afterschool"]


def test_families_are_told_the_result_and_moves_up(client, login, admin, coach, pupils, middle):
    care, ball, _art = compliant_guide(admin, middle, coach, capacity=1)
    _sign_everyone_up(pupils[:3], [care.id])
    services.close_signup(admin, middle, TERM)
    services.allocate(admin, middle, TERM, seed=3)
    told = {p.id: _notices(p) for p in pupils[:3]}
    assert all(len(messages) == 1 for messages in told.values())
    enrolled = [p for p in pupils[:3] if "已录取" in told[p.id][0]]
    waiting = [p for p in pupils[:3] if "候补第" in told[p.id][0]]
    assert len(enrolled) == 1 and len(waiting) == 2 and care.name in told[enrolled[0].id][0]
    assert _notices(pupils[3]) == []  # did not sign up: told nothing
    login(enrolled[0])
    _checked(client.post(f"/api/v1/afterschool/programmes/{care.id}/withdraw", json={}), 200)
    moved = [p for p in waiting if any("候补转正" in m for m in _notices(p))]
    assert len(moved) == 1
    other = next(p for p in waiting if p is not moved[0])
    services.place_by_hand(admin, middle, ball.id, other.id)
    assert any(ball.name in m and "学校已为你安排" in m for m in _notices(other))


def test_a_student_without_a_place_is_told_the_school_will_place_them(admin, coach, pupils,
                                                                      middle):
    from hplearn.afterschool import allocation

    guide = services.find_guide(middle, TERM) or compliant_guide(admin, middle, coach)[0].guide
    result = allocation.Allocation(unplaced=[pupils[0].id])
    message = services.result_messages(guide, result)[pupils[0].id]
    assert "学校会为你另行安排" in message
