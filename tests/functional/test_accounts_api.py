"""/api/v1/auth/* and /api/v1/schools/<code>/users as INTERFACES.md describes them."""

from sqlalchemy import select

from hplearn.extensions import db
from hplearn.stats import events as stats_events
from hplearn.stats.models import StatEvent
from tests import factories
from tests.conftest import DEFAULT_PASSWORD


def _login(client, user):
    return client.post("/api/v1/auth/login",
                       json={"username": user.username, "password": DEFAULT_PASSWORD})


def test_login_returns_user_token_and_cookie(client, student):
    response = _login(client, student)
    assert response.status_code == 200
    data = response.get_json()
    assert data["user"]["username"] == "stu1" and data["user"]["role"] == "student"
    assert data["csrf_token"]
    assert "session=" in response.headers["Set-Cookie"]


def test_json_sign_in_is_counted_for_statistics(client, student):
    _login(client, student)
    stats_events.flush()
    kinds = db.session.scalars(select(StatEvent.kind).where(StatEvent.school_id == student.school_id))
    assert list(kinds) == ["sign_in"]


def test_login_errors(client, student):
    assert client.post("/api/v1/auth/login", json=["x"]).status_code == 400
    assert client.post("/api/v1/auth/login", json={"username": "stu1"}).status_code == 422
    assert client.post("/api/v1/auth/login",
                       json={"username": 5, "password": 6}).status_code == 422
    wrong = client.post("/api/v1/auth/login", json={"username": "stu1", "password": "x"})
    assert wrong.status_code == 401
    assert wrong.get_json()["error"]["code"] == "invalid_credentials"


def test_logout(client, student):
    _login(client, student)
    assert client.post("/api/v1/auth/logout").get_json() == {}
    assert client.post("/api/v1/auth/logout").status_code == 401


def test_list_school_users(client, school_admin, student, teacher):
    _login(client, school_admin)
    data = client.get("/api/v1/schools/hp001/users").get_json()
    assert data["total"] == 3
    assert {"id", "username", "display_name", "role", "grade", "subjects", "active"} <= set(
        data["results"][0])
    students = client.get("/api/v1/schools/hp001/users?role=student").get_json()
    assert [u["username"] for u in students["results"]] == ["stu1"]
    bad = client.get("/api/v1/schools/hp001/users?role=wizard")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_parameter"


def test_create_school_user(client, school_admin):
    _login(client, school_admin)
    response = client.post("/api/v1/schools/hp001/users", json={
        "username": "kid77", "role": "student", "grade": 4, "display_name": "赵小燕",
    })
    assert response.status_code == 201
    data = response.get_json()
    assert data["one_time_password"] and data["grade"] == 4
    assert data["must_change_password"] is True


def test_create_school_user_errors(client, school_admin):
    _login(client, school_admin)
    cases = [
        ({"username": "kid78", "role": "student", "grade": 0}, 422),
        ({"username": "kid78", "role": "student", "grade": "x"}, 422),
        ({"username": "kid78", "role": "admin"}, 422),
        ({"username": "stu 1", "role": "student"}, 422),
        ({"username": "kid78", "role": "teacher", "subjects": "数学"}, 201),
        ({"username": "kid78", "role": "teacher"}, 422),
        ({"username": "kid79", "role": "teacher", "subjects": ["炼丹"]}, 422),
        ({"username": "kid79", "role": "teacher", "subjects": 5}, 422),
        ({"username": "kid79", "role": "student", "phone": "13800000000"}, 422),
        ({"username": "kid79", "role": "district_admin"}, 403),
    ]
    for body, status in cases:
        response = client.post("/api/v1/schools/hp001/users", json=body)
        assert response.status_code == status, (body, response.get_json())
    assert client.post("/api/v1/schools/hp001/users", data="nope").status_code == 400


def test_api_shows_staff_the_display_name(client, school_admin, school):
    factories.UserFactory(username="named01", school=school, display_name="王小明")
    _login(client, school_admin)
    names = [u["display_name"] for u in client.get("/api/v1/schools/hp001/users").get_json()[
        "results"]]
    assert "王小明" in names
