"""The evening promise on the page and in the API, escalation after one missed evening, and
the closed dates admins set (issue 12)."""

from datetime import date, datetime, timedelta
from html import unescape

import pytest

from hplearn.audit.models import AuditEntry
from hplearn.qa import closed_dates_views, services, views
from hplearn.qa.models import ClosedDate
from hplearn.timeutil import LOCAL_TZ
from tests import factories
from tests.qa_fixtures import ask

WEDNESDAY_MORNING = datetime(2026, 12, 9, 11, 22, tzinfo=LOCAL_TZ)
TODAY = datetime(2026, 12, 2, 15, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def frozen(monkeypatch):
    """Freeze the clock the Q&A pages read at a given local moment."""
    def freeze(moment):
        monkeypatch.setattr(views, "utcnow", lambda: moment)
        monkeypatch.setattr(closed_dates_views, "utcnow", lambda: moment)
    return freeze


def test_the_page_promises_this_evening(client, login, student, teacher, frozen):
    question = ask(student, now=WEDNESDAY_MORNING)
    assert question.due_at == datetime(2026, 12, 9, 20, 30, tzinfo=LOCAL_TZ)
    frozen(WEDNESDAY_MORNING + timedelta(minutes=1))
    login(student)
    page = unescape(client.get(f"/qa/{question.id}").get_data(as_text=True))
    assert "预计今晚 20:30 前回复" in page and "预计最晚" not in page


def test_asking_on_the_page_says_when(client, login, student, teacher, monkeypatch):
    from hplearn.qa.services import asking

    monkeypatch.setattr(asking, "utcnow", lambda: WEDNESDAY_MORNING)
    login(student)
    response = client.post("/qa/ask", data={"title": "分数除法为什么要颠倒相乘？",
                                            "subject": "数学"}, follow_redirects=True)
    assert "提问成功！老师预计今晚 20:30 前回复你。" in unescape(response.get_data(as_text=True))


def test_the_api_keeps_expected_reply_by_and_adds_the_words(client, student):
    question = ask(student, now=WEDNESDAY_MORNING - timedelta(days=7, hours=-9))  # 12-02 20:22
    client.post("/api/v1/auth/login", json={"username": student.username,
                                            "password": factories.DEFAULT_PASSWORD})
    data = client.get(f"/api/v1/questions/{question.id}").get_json()
    assert data["expected_reply_by"].startswith("2026-12-03T12:30:00")
    assert "20:30 前" in data["expected_reply_text"]


def test_escalation_comes_after_one_missed_evening(student, teacher, other_school_teacher):
    asked = ask(student, title="三角形内角和为什么是180度？", now=WEDNESDAY_MORNING)
    evening_end = datetime(2026, 12, 9, 20, 30, tzinfo=LOCAL_TZ)
    services.run_maintenance(evening_end - timedelta(minutes=1))
    assert services.teacher_queue(other_school_teacher, evening_end) == []
    services.run_maintenance(evening_end + timedelta(minutes=1))
    assert services.teacher_queue(other_school_teacher, evening_end) == [asked]


def test_a_school_closed_date_moves_only_that_schools_promise(
        school_admin, student, other_school_student):
    scope = services.scope_for(school_admin)
    services.add_closed_dates(school_admin, scope, "2026-12-09", "", "校运动会", TODAY)
    assert ask(student, now=WEDNESDAY_MORNING).due_at.date() == date(2026, 12, 10)
    assert ask(other_school_student, now=WEDNESDAY_MORNING).due_at.date() == date(2026, 12, 9)


def test_a_district_closed_date_moves_every_schools_promise(
        district_admin, student, other_school_student):
    scope = services.scope_for(district_admin)
    services.add_closed_dates(district_admin, scope, "2026-12-09", "2026-12-10", "", TODAY)
    for asker in (student, other_school_student):
        assert ask(asker, now=WEDNESDAY_MORNING).due_at.date() == date(2026, 12, 11)


def test_the_closed_dates_setting_still_counts_district_wide(app, student):
    app.config["QA_CLOSED_DATES"] = ["2026-12-09"]
    assert ask(student, now=WEDNESDAY_MORNING).due_at.date() == date(2026, 12, 10)


def test_a_school_admin_sets_and_removes_a_closed_date(client, login, school_admin, frozen):
    frozen(TODAY)
    login(school_admin)
    assert "和平区第一小学" in client.get("/qa/closed-dates").get_data(as_text=True)
    response = client.post("/qa/closed-dates", data={
        "first_day": "2026-12-09", "last_day": "2026-12-10", "reason": "期末考试"})
    assert response.status_code == 302
    closed = ClosedDate.query.one()
    assert closed.school_id == school_admin.school_id and closed.reason == "期末考试"
    assert "2026年12月9日至2026年12月10日" in client.get("/qa/closed-dates").get_data(as_text=True)
    assert client.post(f"/qa/closed-dates/{closed.id}/delete").status_code == 302
    assert ClosedDate.query.count() == 0
    actions = [e.action for e in AuditEntry.query.order_by(AuditEntry.id)]
    assert actions == ["qa.closed_dates.add", "qa.closed_dates.remove"]


@pytest.mark.parametrize(("fields", "status", "message"), [
    ({"first_day": "12月9日"}, 422, "格式不对"),
    ({"first_day": "2026-02-30"}, 422, "格式不对"),
    ({"first_day": ""}, 422, "格式不对"),
    ({"first_day": "2026-12-09", "last_day": "明天"}, 422, "格式不对"),
    ({"first_day": "2026-11-30"}, 422, "已经过去"),
    ({"first_day": "2026-12-10", "last_day": "2026-12-09"}, 422, "不能早于"),
    ({"first_day": "2026-12-09", "last_day": "2027-03-01"}, 422, "最多设置"),
    ({"first_day": "2026-12-09", "reason": "很" * 101}, 422, "最多 100"),
    ({"first_day": "2026-12-16"}, 409, "重叠"),
])
def test_bad_closed_dates_are_refused_in_chinese(client, login, school_admin, frozen, fields,
                                                 status, message):
    frozen(TODAY)
    services.add_closed_dates(school_admin, services.scope_for(school_admin), "2026-12-14",
                              "2026-12-18", "", TODAY)
    login(school_admin)
    response = client.post("/qa/closed-dates", data=fields)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert ClosedDate.query.count() == 1


def test_the_same_dates_in_another_scope_are_not_duplicates(school_admin, district_admin):
    services.add_closed_dates(district_admin, services.scope_for(district_admin), "2026-12-09",
                              "", "", TODAY)
    services.add_closed_dates(school_admin, services.scope_for(school_admin), "2026-12-09",
                              "", "", TODAY)
    assert ClosedDate.query.count() == 2


def test_a_district_admin_manages_the_district_and_any_school(client, login, district_admin,
                                                              other_school, frozen):
    frozen(TODAY)
    login(district_admin)
    assert "全区" in client.get("/qa/closed-dates").get_data(as_text=True)
    client.post("/qa/closed-dates", data={"first_day": "2026-12-09"})
    client.post("/qa/closed-dates", data={"first_day": "2026-12-10", "school": "hp002"})
    scopes = {(c.school_id, c.first_day.day) for c in ClosedDate.query}
    assert scopes == {(None, 9), (other_school.id, 10)}


@pytest.mark.parametrize("role", ["student", "teacher", "parent"])
def test_students_teachers_and_parents_are_refused(client, login, school, role, frozen):
    frozen(TODAY)
    user = factories.UserFactory(username=f"u_{role}", role=role,
                                 school=None if role == "parent" else school)
    login(user)
    assert client.get("/qa/closed-dates").status_code == 403
    assert client.post("/qa/closed-dates", data={"first_day": "2026-12-09"}).status_code == 403
    assert ClosedDate.query.count() == 0


def test_another_schools_admin_is_refused(client, login, school_admin, other_school, frozen):
    frozen(TODAY)
    theirs = factories.UserFactory(username="sadmin2", role="school_admin", school=other_school)
    district = services.add_closed_dates(
        factories.UserFactory(username="dadmin9", role="district_admin", school=None),
        services.ClosedDatesScope(None), "2026-12-11", "", "", TODAY)
    mine = services.add_closed_dates(school_admin, services.scope_for(school_admin),
                                     "2026-12-09", "", "", TODAY)
    login(theirs)
    assert client.get("/qa/closed-dates?school=hp001").status_code == 404
    assert client.post("/qa/closed-dates",
                       data={"first_day": "2026-12-10", "school": "hp001"}).status_code == 404
    assert client.post(f"/qa/closed-dates/{mine.id}/delete").status_code == 404
    assert client.post(f"/qa/closed-dates/{district.id}/delete").status_code == 404
    assert ClosedDate.query.count() == 2


def test_signed_out_visitors_go_to_sign_in(client):
    response = client.get("/qa/closed-dates")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
