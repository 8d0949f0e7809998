"""Sessions (issue 12): a network change keeps them, signing out ends every copy, typed text
posted after a session ended comes back after sign-in."""

from html import unescape

from sqlalchemy import select

from hplearn.accounts.models import KeptForm
from hplearn.accounts.services import load_user
from hplearn.extensions import db
from hplearn.qa import services as qa
from tests.conftest import DEFAULT_PASSWORD
from tests.qa_fixtures import ask

QUESTION = {"title": "分数除法为什么要颠倒相乘？", "body": "我想了一个晚上还是不明白。",
            "subject": "数学", "grade": "7", "anonymous": "y"}


def _sign_in(client, user, url="/auth/login"):
    return client.post(url, data={"username": user.username, "password": DEFAULT_PASSWORD})


def _end_session_elsewhere(app, user):
    """The user signs out on another device, which ends every session of theirs."""
    other = app.test_client()
    _sign_in(other, user)
    assert other.post("/auth/logout").status_code == 302


def test_a_new_network_address_keeps_the_session(client, login, student):
    login(student)
    response = client.get("/qa/ask", environ_base={"REMOTE_ADDR": "10.20.30.40"})
    assert response.status_code == 200
    again = client.get("/qa/ask", environ_base={"REMOTE_ADDR": "172.16.0.9"},
                       headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) 4G"})
    assert again.status_code == 200


def test_a_cookie_copied_before_sign_out_stops_working(app, client, login, student):
    login(student)
    copied = app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)
    assert copied.get("/auth/password").status_code == 200
    login.logout()
    response = copied.get("/auth/password")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_api_sign_out_ends_the_copied_cookie_too(app, client, student):
    assert client.post("/api/v1/auth/login", json={"username": student.username,
                                                   "password": DEFAULT_PASSWORD}).status_code == 200
    copied = app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)
    assert client.post("/api/v1/auth/logout").status_code == 200
    assert copied.get("/api/v1/questions").status_code == 401


def test_sign_out_ends_the_other_devices_and_sign_in_works_again(app, client, login, student):
    login(student)
    _end_session_elsewhere(app, student)
    assert client.get("/auth/password").status_code == 302
    login(student)
    assert client.get("/auth/password").status_code == 200


def test_session_ids_from_before_the_epoch_still_load(student):
    assert load_user(f"{student.id}.{student.password_fingerprint}") == student
    assert load_user(f"{student.id}.{student.password_fingerprint}.1") is None
    assert load_user(f"{student.id}.{student.password_fingerprint}.x") is None
    assert load_user(f"{student.id}.{student.password_fingerprint}.{'9' * 5000}") is None


def test_a_question_posted_after_the_session_ended_comes_back(app, client, login, student):
    login(student)
    _end_session_elsewhere(app, student)
    response = client.post("/qa/ask", data={**QUESTION, "password": "not-kept-1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/login?next=/qa/ask")
    kept = db.session.scalar(select(KeptForm))
    assert "password" not in kept.fields and kept.fields["body"] == QUESTION["body"]
    signed_in = _sign_in(client, student, response.headers["Location"])
    assert signed_in.headers["Location"] == "/qa/ask"
    page = unescape(client.get("/qa/ask").get_data(as_text=True))
    assert QUESTION["title"] in page and QUESTION["body"] in page
    assert "已填回你登录前填写的内容" in page
    assert db.session.scalar(select(KeptForm)) is None  # read once
    assert QUESTION["body"] not in unescape(client.get("/qa/ask").get_data(as_text=True))


def test_a_browser_without_its_cookie_keeps_the_question_despite_csrf(app, student):
    app.config["WTF_CSRF_ENABLED"] = True
    browser = app.test_client()
    response = browser.post("/qa/ask", data=QUESTION)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert db.session.scalar(select(KeptForm)).fields["title"] == QUESTION["title"]


def test_an_answer_posted_after_the_session_ended_comes_back(app, client, login, student,
                                                               teacher):
    question = ask(student)
    qa.claim_question(question.id, teacher)
    login(teacher)
    _end_session_elsewhere(app, teacher)
    text = "先通分，再把除以一个数变成乘它的倒数。"
    response = client.post(f"/qa/{question.id}/answer", data={"body": text})
    assert response.headers["Location"].endswith(f"/auth/login?next=/qa/{question.id}")
    signed_in = _sign_in(client, teacher, response.headers["Location"])
    assert signed_in.headers["Location"] == f"/qa/{question.id}"
    assert text in unescape(client.get(f"/qa/{question.id}").get_data(as_text=True))
    assert qa.answer_question(question.id, teacher, text).body == text


def test_a_followup_posted_after_the_session_ended_comes_back(app, client, login, student,
                                                                teacher):
    question = ask(student)
    qa.claim_question(question.id, teacher)
    qa.answer_question(question.id, teacher, "先通分。")
    login(student)
    _end_session_elsewhere(app, student)
    text = "通分以后分母不一样怎么办？"
    response = client.post(f"/qa/{question.id}/followup", data={"body": text})
    assert response.headers["Location"].endswith(f"/auth/login?next=/qa/{question.id}")
    _sign_in(client, student, response.headers["Location"])
    page = unescape(client.get(f"/qa/{question.id}").get_data(as_text=True))
    assert f"{text}</textarea>" in page
    # Shown once: the kept text is not filled in again on the next visit.
    assert text not in unescape(client.get(f"/qa/{question.id}").get_data(as_text=True))


def test_other_posts_after_the_session_ended_are_not_kept(app, client, login, student):
    login(student)
    _end_session_elsewhere(app, student)
    response = client.post("/auth/password", data={"current_password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert db.session.scalar(select(KeptForm)) is None
