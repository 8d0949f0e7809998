"""/api/v1/qa/closed-dates: admins read, add and remove the days without Q&A service."""

from datetime import datetime

import pytest

from hplearn.audit.models import AuditEntry
from hplearn.qa import closed_dates_api, services
from hplearn.qa.models import ClosedDate
from hplearn.timeutil import LOCAL_TZ
from tests import factories

TODAY = datetime(2026, 12, 2, 15, 0, tzinfo=LOCAL_TZ)
URL = "/api/v1/qa/closed-dates"


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(closed_dates_api, "utcnow", lambda: TODAY)


def test_a_school_admin_adds_lists_and_removes_a_range(client, login, school_admin):
    login(school_admin)
    created = client.post(URL, json={"first_day": "2026-12-09", "last_day": "2026-12-10",
                                     "reason": "期末考试"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["school"] == school_admin.school.code
    assert (body["first_day"], body["last_day"], body["reason"]) == (
        "2026-12-09", "2026-12-10", "期末考试")
    assert body["text"] == "2026年12月9日至2026年12月10日"
    listed = client.get(URL).get_json()
    assert listed["scope"] == school_admin.school.name
    assert [c["id"] for c in listed["results"]] == [body["id"]]
    assert client.delete(f"{URL}/{body['id']}").status_code == 204
    assert client.get(URL).get_json()["results"] == []
    actions = [e.action for e in AuditEntry.query.order_by(AuditEntry.id)]
    assert actions == ["qa.closed_dates.add", "qa.closed_dates.remove"]


def test_the_district_sets_its_own_and_a_schools(client, login, district_admin, school):
    login(district_admin)
    district = client.post(URL, json={"first_day": "2026-12-09"}).get_json()
    assert district["school"] is None and district["scope"] == "全区"
    assert district["last_day"] == "2026-12-09"
    school_day = client.post(URL, json={"first_day": "2026-12-10", "school": school.code})
    assert school_day.status_code == 201 and school_day.get_json()["school"] == school.code
    assert len(client.get(URL).get_json()["results"]) == 1
    assert len(client.get(f"{URL}?school={school.code}").get_json()["results"]) == 1
    # A school's range is removed in the school's scope, not the district's.
    school_id = school_day.get_json()["id"]
    assert client.delete(f"{URL}/{school_id}").status_code == 404
    assert client.delete(f"{URL}/{school_id}?school={school.code}").status_code == 204


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"first_day": "2026-13-40"}, 422, "格式不对"),
    ({"first_day": ""}, 422, "格式不对"),
    ({}, 422, "格式不对"),
    ({"first_day": "2026-12-10", "last_day": "2026-12-09"}, 422, "不能早于"),
    ({"first_day": "2026-11-30"}, 422, "已经过去"),
    ({"first_day": "2026-12-09", "last_day": "2027-03-01"}, 422, "一次最多"),
    ({"first_day": "2026-12-09", "reason": "长" * 101}, 422, "原因最多"),
    ({"first_day": "2026-12-14"}, 409, "重叠"),
    ({"first_day": 20261209}, 400, "必须是文字"),
    ({"first_day": "2026-12-09", "school": ["hp001"]}, 400, "学校代码"),
])
def test_bad_ranges_are_refused_in_chinese(client, login, school_admin, body, status, words):
    services.add_closed_dates(school_admin, services.scope_for(school_admin), "2026-12-14", "",
                              "", TODAY)
    login(school_admin)
    response = client.post(URL, json=body)
    assert response.status_code == status, response.get_json()
    assert words in response.get_json()["error"]["message"]
    assert ClosedDate.query.count() == 1


def test_not_json_is_a_400(client, login, school_admin):
    login(school_admin)
    response = client.post(URL, data="first_day=2026-12-09",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "JSON" in response.get_json()["error"]["message"]


def test_others_are_refused(client, login, student, teacher, school_admin, other_school):
    assert client.get(URL).status_code == 401
    assert client.post(URL, json={"first_day": "2026-12-09"}).status_code == 401
    for user in (student, teacher):
        login(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, json={"first_day": "2026-12-09"}).status_code == 403
        client.post("/api/v1/auth/logout")
    stranger = factories.UserFactory(username="otheradm1", role="school_admin",
                                      school=other_school)
    mine = services.add_closed_dates(school_admin, services.scope_for(school_admin),
                                     "2026-12-09", "", "", TODAY)
    login(stranger)
    assert client.get(f"{URL}?school={school_admin.school.code}").status_code == 404
    assert client.delete(f"{URL}/{mine.id}").status_code == 404
    assert client.delete(f"{URL}/{mine.id}?school={school_admin.school.code}").status_code == 404
    assert ClosedDate.query.count() == 1
