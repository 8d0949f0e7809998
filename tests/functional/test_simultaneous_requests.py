"""Requests that arrive together: one answer stored of six submissions, one account of six
creations of a name; the others get the stored answer back, or the documented 4xx. Runs on
SQLite and PostgreSQL; each thread is a client of its own, as browsers are."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from hplearn.accounts.models import User
from hplearn.accounts.services import users as user_services
from hplearn.extensions import db
from hplearn.qa import services as qa_services
from hplearn.qa.models import Answer
from tests.qa_fixtures import ask

pytestmark = pytest.mark.slow
TIMES = 6


def _at_once(app, login, user, method, url, json) -> list:
    """Send the same request from TIMES signed-in clients as close together as possible."""
    clients = [app.test_client() for _ in range(TIMES)]
    for client in clients:
        assert type(login)(client)(user).status_code == 302
    barrier = threading.Barrier(TIMES)
    responses = []

    def send(client):
        with app.app_context():
            barrier.wait(timeout=60)
            response = client.open(url, method=method, json=json)
            responses.append((response.status_code, response.get_json()))
            db.session.remove()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return responses


def test_six_simultaneous_submissions_of_an_answer_store_one(app, login, student, teacher):
    question = ask(student)
    qa_services.claim_question(question.id, teacher)
    responses = _at_once(app, login, teacher, "POST", f"/api/v1/questions/{question.id}/answer",
                         {"body": "两边同时减去 3。"})
    assert db.session.scalar(select(func.count(Answer.id))) == 1
    [stored] = db.session.scalars(select(Answer)).all()
    assert [status for status, _ in responses] == [201] * TIMES, responses
    assert {body["id"] for _, body in responses} == {stored.id}


def test_a_resubmitted_answer_is_the_stored_one_a_different_one_is_refused(student, teacher):
    question = ask(student)
    qa_services.claim_question(question.id, teacher)
    first = qa_services.answer_question(question.id, teacher, "两边同时减去 3。")
    assert qa_services.answer_question(question.id, teacher, "两边同时减去 3。").id == first.id
    with pytest.raises(qa_services.NotAllowed):
        qa_services.answer_question(question.id, teacher, "另一种解法。")
    assert db.session.scalar(select(func.count(Answer.id))) == 1


def test_six_simultaneous_creations_of_one_username_make_one_account(app, login, school,
                                                                     school_admin):
    responses = _at_once(app, login, school_admin, "POST", f"/api/v1/schools/{school.code}/users",
                         {"username": "twin01", "role": "student", "grade": 5})
    statuses = sorted(status for status, _ in responses)
    assert statuses == [201] + [422] * (TIMES - 1), responses
    for status, body in responses:
        if status == 422:
            assert body == {"error": {"code": "invalid_account",
                                      "message": "用户名 twin01 已被使用。"}}
    assert db.session.scalar(select(func.count(User.id)).where(User.username == "twin01")) == 1


def test_a_name_taken_between_the_check_and_the_insert_is_refused_not_a_500(
        client, login, school, school_admin, monkeypatch):
    """The race made certain: the check sees the name free, the unique index does not."""
    user_services.create_user("twin02", "student", "long-pass-12345", school=school, grade=5)
    real_check = user_services.user_by_username
    seen = []

    def free_once(username):
        seen.append(username)
        return None if len(seen) == 1 else real_check(username)

    monkeypatch.setattr(user_services, "user_by_username", free_once)
    login(school_admin)
    response = client.post(f"/api/v1/schools/{school.code}/users",
                           json={"username": "twin02", "role": "student", "grade": 5})
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "用户名 twin02 已被使用。"
