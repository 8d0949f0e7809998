"""作业时长: students and parents record tonight's minutes; schools and the district read medians."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hplearn.extensions import db
from hplearn.homework import services
from hplearn.homework.models import HomeworkReport
from hplearn.stats.period import today
from tests import factories
from tests.openapi_check import checked
from tests.parents_fixtures import parent_of


def _reports() -> int:
    return db.session.scalar(select(func.count()).select_from(HomeworkReport))


def _post(client, body):
    return client.post("/api/v1/homework-time", json=body)


def test_limits_follow_the_plan():
    assert [services.limit_minutes(g) for g in (1, 2, 3, 6, 7, 9)] == [0, 0, 60, 60, 90, 90]
    assert services.limit_minutes(None) is None and services.limit_minutes(12) is None


def test_a_student_records_tonight_and_a_second_tap_replaces_it(client, login, student):
    login(student)
    first = checked(_post(client, {"date": today().isoformat(), "minutes": 45}), 201)
    assert first["student_id"] == student.id and first["limit_minutes"] == 90
    again = checked(_post(client, {"date": today().isoformat(), "minutes": 70}), 201)
    assert again["id"] == first["id"] and _reports() == 1
    assert db.session.get(HomeworkReport, first["id"]).minutes == 70


def test_the_page_records_with_one_tap(client, login, student):
    login(student)
    page = client.get("/homework/").get_data(as_text=True)
    assert "没有书面作业" in page and "90 分钟" in page
    response = client.post("/homework/", data={"student_id": student.id, "date": today().isoformat(),
                                               "minutes": "30"})
    assert response.status_code == 302
    assert "30 分钟" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_typed_number_wins_over_the_first_button(client, login, student):
    # Pressing Enter in the number field sends the first button (0) along with the number.
    login(student)
    client.post("/homework/", data={"student_id": student.id, "date": today().isoformat(),
                                    "minutes": "0", "other_minutes": "75"})
    assert db.session.scalar(select(HomeworkReport.minutes)) == 75


def test_a_parent_records_for_their_child_and_must_name_them(client, login, student, school):
    sibling = factories.UserFactory(username="stu2", role="student", school=school, grade=3)
    parent = parent_of(student, sibling)
    login(parent)
    refused = _post(client, {"date": today().isoformat(), "minutes": 20})
    assert refused.status_code == 422 and "哪个孩子" in refused.get_json()["error"]["message"]
    checked(_post(client, {"student_id": sibling.id, "date": today().isoformat(), "minutes": 20}), 201)
    page = client.get(f"/homework/?student_id={sibling.id}").get_data(as_text=True)
    assert "20 分钟" in page and "60 分钟" in page  # grade 3: at most 60


def test_nobody_records_for_a_child_not_theirs(client, login, student, school):
    stranger = factories.UserFactory(username="stu9", role="student", school=school, grade=7)
    parent = parent_of(student)
    login(parent)
    assert _post(client, {"student_id": stranger.id, "date": today().isoformat(),
                          "minutes": 10}).status_code == 404
    login.logout()
    login(stranger)
    assert _post(client, {"student_id": student.id, "date": today().isoformat(),
                          "minutes": 10}).status_code == 404
    assert _reports() == 0


@pytest.mark.parametrize("role", ["teacher", "school_admin", "district_admin"])
def test_staff_do_not_record_homework(client, login, request, role, student):
    login(request.getfixturevalue(role))
    assert _post(client, {"student_id": student.id, "date": today().isoformat(),
                          "minutes": 10}).status_code == 403
    assert client.get("/homework/").status_code == 403


@pytest.mark.parametrize(("body", "message"), [
    ({"date": "2026-13-01", "minutes": 10}, "YYYY-MM-DD"),
    ({"date": "tomorrow", "minutes": 10}, "YYYY-MM-DD"),
    ({"minutes": 10}, "YYYY-MM-DD"),
    ({"date": "FUTURE", "minutes": 10}, "提前"),
    ({"date": "OLD", "minutes": 10}, "前 7 天"),
    ({"date": "TODAY", "minutes": -1}, "0 到 600"),
    ({"date": "TODAY", "minutes": 601}, "0 到 600"),
    ({"date": "TODAY", "minutes": "abc"}, "0 到 600"),
    ({"date": "TODAY", "minutes": True}, "0 到 600"),
    ({"date": "TODAY", "minutes": 1.5}, "0 到 600"),
    ({"date": "TODAY", "minutes": None}, "0 到 600"),
    ({"date": "TODAY", "minutes": 10, "student_id": "x"}, "student_id"),
])
def test_bad_reports_are_refused_in_chinese(client, login, student, body, message):
    days = {"TODAY": today(), "FUTURE": today() + timedelta(days=1), "OLD": today() - timedelta(days=8)}
    if body.get("date") in days:
        body = {**body, "date": days[body["date"]].isoformat()}
    login(student)
    response = _post(client, body)
    assert response.status_code == 422, response.get_json()
    assert message in response.get_json()["error"]["message"]
    assert _reports() == 0


def test_not_json_is_refused(client, login, student):
    login(student)
    response = client.post("/api/v1/homework-time", data="minutes=5")
    assert response.status_code == 422 and "JSON" in response.get_json()["error"]["message"]


def test_a_bad_tap_on_the_page_keeps_the_page(client, login, student):
    login(student)
    response = client.post("/homework/", data={"student_id": student.id, "date": "x", "minutes": "5"})
    assert response.status_code == 422 and "YYYY-MM-DD" in response.get_data(as_text=True)


def test_anonymous_visitors_cannot_record(client):
    assert _post(client, {"date": today().isoformat(), "minutes": 5}).status_code == 401
    assert client.get("/homework/").status_code == 302


# --- reading -----------------------------------------------------------------------------------


def _class_of(school, grade, count, minutes, class_name="1班", start=0):
    students = [factories.UserFactory(username=f"g{grade}c{class_name}s{start + n}", role="student",
                                      school=school, grade=grade, class_name=class_name)
                for n in range(count)]
    for student, value in zip(students, minutes, strict=True):
        services.record_minutes(student, None, today().isoformat(), value)
    return students


def test_school_medians_against_limits_hide_small_groups(client, login, school, school_admin):
    _class_of(school, 3, 5, [30, 40, 70, 80, 90])  # median 70 > 60
    _class_of(school, 7, 4, [10, 20, 30, 40])  # four students: hidden
    login(school_admin)
    data = checked(client.get(f"/api/v1/stats/homework/schools/{school.code}"), 200)
    by_grade = {row["grade"]: row for row in data["grades"]}
    assert by_grade[3] == {"grade": 3, "median_minutes": 70, "limit_minutes": 60, "reports": 5,
                           "over_limit_share": 0.6}
    assert by_grade[7]["median_minutes"] == "<5" and by_grade[7]["reports"] == "<5"
    page = client.get(f"/homework/schools/{school.code}").get_data(as_text=True)
    assert "超过要求" in page and "人数不足 5 人" in page and "1班" in page


def test_the_district_sees_schools_over_the_limit_first(client, login, school, other_school,
                                                         district_admin):
    _class_of(school, 3, 5, [10, 20, 30, 40, 50])  # within 60
    _class_of(other_school, 8, 5, [100, 100, 120, 60, 95])  # over 90
    login(district_admin)
    data = checked(client.get("/api/v1/stats/homework/district"), 200)
    assert [(row["school"], row["exceeds_limit"]) for row in data["schools"]] == [
        (other_school.code, True), (school.code, False)]
    assert "和平区第二中学" in client.get("/homework/district").get_data(as_text=True)


def test_stats_are_refused_outside_the_school_and_to_teachers(client, login, school, other_school,
                                                              school_admin, teacher, student):
    login(school_admin)
    assert client.get(f"/api/v1/stats/homework/schools/{other_school.code}").status_code == 404
    assert client.get(f"/homework/schools/{other_school.code}").status_code == 404
    assert client.get("/api/v1/stats/homework/district").status_code == 403
    assert client.get("/homework/district").status_code == 403
    assert client.get("/api/v1/stats/homework/schools/nope").status_code == 404
    for user in (teacher, student, parent_of(student)):
        login.logout()
        login(user)
        assert client.get(f"/api/v1/stats/homework/schools/{school.code}").status_code == 403


def test_bad_ranges_are_refused(client, login, school, school_admin):
    login(school_admin)
    response = client.get(f"/api/v1/stats/homework/schools/{school.code}?from=2026-99-01")
    assert 400 <= response.status_code < 500
