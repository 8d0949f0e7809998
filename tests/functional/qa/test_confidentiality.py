"""Private and mental-health questions across schools: escalation widens who may claim, not who reads.

Each case is a kind of question (after its reply target has passed) × a reader; the table says
who reads its page, its API record and its answer images. A confidential question escalated to
the district is shown to teachers of other schools as a placeholder until one of them claims it.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from hplearn.notifications.models import Notification
from hplearn.qa import services
from hplearn.qa.models import Question
from hplearn.timeutil import utcnow
from tests import factories
from tests.media_samples import PNG
from tests.qa_fixtures import ask

SECRET_TITLE = "我家里的事情想私下问老师"
CRISIS_TITLE = "我不想活了怎么办"


@pytest.fixture
def people(school, other_school, student, teacher, school_admin, district_admin):
    """Every reader of the table, by name."""
    make = factories.UserFactory
    return {
        "asker": student,
        "classmate": make(username="stu2", role="student", school=school, grade=7),
        "teacher": teacher,
        "second_teacher": make(username="tea2", role="teacher", school=school,
                               subjects=["数学"], grades=[7]),
        "other_teacher": make(username="tea9", role="teacher", school=other_school,
                              subjects=["数学"], grades=[7]),
        "third_teacher": make(username="tea8", role="teacher", school=other_school,
                              subjects=["数学"], grades=[7]),
        "counsellor": make(username="xinli1", role="teacher", school=school,
                           subjects=["心理健康"], is_counsellor=True),
        "other_counsellor": make(username="xinli9", role="teacher", school=other_school,
                                 subjects=["心理健康"], is_counsellor=True),
        "school_admin": school_admin,
        "other_admin": make(username="sadmin2", role="school_admin", school=other_school),
        "district_admin": district_admin,
    }


def _overdue(question: Question) -> None:
    """Move the question's reply target into the past (as if the evening had gone by)."""
    question.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()


def _escalate(question: Question) -> None:
    _overdue(question)
    services.run_maintenance(utcnow())
    db.session.refresh(question)


def _answered_in_time_private(people):
    question = ask(people["asker"], title=SECRET_TITLE, private=True)
    services.claim_question(question.id, people["teacher"])
    services.answer_question(question.id, people["teacher"], "我们当面聊聊。")
    _overdue(question)
    services.run_maintenance(utcnow())
    return question


def _escalated_private(people):
    question = ask(people["asker"], title=SECRET_TITLE, private=True)
    _escalate(question)
    return question


def _crisis_past_urgent_target(people):
    question = ask(people["asker"], title=CRISIS_TITLE)
    _overdue(question)  # the 30-minute urgent target has passed, but nobody escalated it
    return question


def _escalated_crisis(people):
    question = ask(people["asker"], title=CRISIS_TITLE)
    _escalate(question)
    return question


def _answered_public(people):
    question = ask(people["asker"], title="分数除法为什么要颠倒相乘？")
    services.claim_question(question.id, people["teacher"])
    services.answer_question(question.id, people["teacher"], "乘倒数。")
    _overdue(question)
    return question


ALL = {"asker", "classmate", "teacher", "second_teacher", "other_teacher", "third_teacher",
       "counsellor", "other_counsellor", "school_admin", "other_admin", "district_admin"}
# Who reads each kind of question by its id (page and API).
READERS = {
    "answered_in_time_private": ({"asker", "teacher", "school_admin", "district_admin"},
                                 _answered_in_time_private, SECRET_TITLE),
    "escalated_private": ({"asker", "teacher", "second_teacher", "school_admin",
                           "district_admin"}, _escalated_private, SECRET_TITLE),
    "crisis_past_urgent_target": ({"asker", "counsellor", "school_admin", "district_admin"},
                                  _crisis_past_urgent_target, CRISIS_TITLE),
    "escalated_crisis": ({"asker", "counsellor", "school_admin", "district_admin"},
                         _escalated_crisis, CRISIS_TITLE),
    "answered_public": (ALL, _answered_public, "分数除法"),
}
CASES = [
    pytest.param(kind, reader, id=f"{kind}-{reader}")
    for kind in READERS for reader in sorted(ALL)
]


@pytest.mark.parametrize(("kind", "reader"), CASES)
def test_who_reads_a_question_by_id(client, login, people, kind, reader):
    readers, make, secret = READERS[kind]
    question = make(people)
    login(people[reader])
    page = client.get(f"/qa/{question.id}")
    record = client.get(f"/api/v1/questions/{question.id}")
    if reader in readers:
        assert page.status_code == 200 and record.status_code == 200
        return
    assert (page.status_code, record.status_code) == (404, 404)
    assert secret not in page.get_data(as_text=True) + record.get_data(as_text=True)


def test_answer_images_of_a_private_question_answered_in_time_stay_with_its_readers(
    client, login, people
):
    question = ask(people["asker"], title=SECRET_TITLE, private=True)
    services.claim_question(question.id, people["teacher"])
    image = services.add_answer_image(question.id, people["teacher"], io.BytesIO(PNG), "a.png")
    services.answer_question(question.id, people["teacher"], services.with_image("看图", image))
    _overdue(question)
    services.run_maintenance(utcnow())
    for outsider in ("other_teacher", "other_counsellor", "other_admin", "classmate"):
        login(people[outsider])
        assert client.get(f"/media/{image.id}", buffered=True).status_code == 404, outsider
        login.logout()
    login(people["asker"])
    assert client.get(f"/media/{image.id}", buffered=True).status_code == 200


def test_an_answered_question_is_never_escalated(people):
    question = _answered_in_time_private(people)
    assert question.escalated_at is None and not question.is_escalated
    assert services.teacher_queue(people["other_teacher"]) == []


def test_escalation_is_recorded_once_and_ends_with_the_answer(people):
    question = _escalated_private(people)
    assert question.escalated_at is not None and question.is_escalated
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "question.escalate")).all()
    assert [entry.object_id for entry in entries] == [question.id]
    assert services.run_maintenance(utcnow()).escalated == 0
    services.claim_question(question.id, people["other_teacher"])
    services.answer_question(question.id, people["other_teacher"], "可以这样想。")
    db.session.refresh(question)
    assert question.escalated_at is None and not question.is_escalated


def test_the_queue_of_another_school_shows_a_placeholder_until_claimed(client, login, people):
    question = _escalated_private(people)
    login(people["other_teacher"])
    queue_page = client.get("/qa/queue").get_data(as_text=True)
    queue_api = client.get("/api/v1/teacher/queue").get_json()["results"]
    assert SECRET_TITLE not in queue_page and "一个私密问题（其他学校）" in queue_page
    assert [item["id"] for item in queue_api] == [question.id]
    assert SECRET_TITLE not in str(queue_api) and queue_api[0]["body_html"] == ""
    assert queue_api[0]["asker"] == ""


def test_the_one_who_claims_reads_it_and_the_claim_is_audited(client, login, people):
    question = _escalated_private(people)
    login(people["other_teacher"])
    claimed = client.post(f"/api/v1/questions/{question.id}/claim")
    assert claimed.status_code == 200 and claimed.get_json()["title"] == SECRET_TITLE
    assert client.get(f"/qa/{question.id}").status_code == 200
    actions = {(e.action, e.actor_id) for e in db.session.scalars(select(AuditEntry))}
    assert ("question.claim_private", people["other_teacher"].id) in actions
    assert ("question.view_private", people["other_teacher"].id) in actions
    login.logout()
    login(people["third_teacher"])
    assert client.get(f"/qa/{question.id}").status_code == 404
    assert client.post(f"/api/v1/questions/{question.id}/claim").status_code == 409


def test_claiming_from_the_queue_page_opens_the_question(client, login, people):
    question = _escalated_private(people)
    login(people["other_teacher"])
    response = client.post(f"/qa/{question.id}/claim")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/qa/{question.id}")
    assert SECRET_TITLE in client.get(f"/qa/{question.id}").get_data(as_text=True)


def test_a_teacher_of_another_subject_can_neither_read_nor_claim(client, login, people,
                                                                 other_school):
    question = _escalated_private(people)
    outsider = factories.UserFactory(username="tea7", role="teacher", school=other_school,
                                     subjects=["语文"], grades=[7])
    login(outsider)
    assert client.post(f"/api/v1/questions/{question.id}/claim").status_code == 404
    assert client.get(f"/qa/{question.id}").status_code == 404


def test_escalated_crisis_reaches_other_counsellors_only_by_claiming(client, login, people):
    question = _escalated_crisis(people)
    login(people["other_counsellor"])
    assert client.get(f"/qa/{question.id}").status_code == 404
    alerts_page = client.get("/qa/alerts").get_data(as_text=True)
    assert CRISIS_TITLE not in alerts_page and "一位学生的心理求助（其他学校）" in alerts_page
    queue = client.get("/api/v1/teacher/queue").get_json()["results"]
    assert [item["id"] for item in queue] == [question.id]
    assert CRISIS_TITLE not in str(queue)
    assert client.post(f"/api/v1/questions/{question.id}/claim").status_code == 200
    assert CRISIS_TITLE in client.get(f"/qa/{question.id}").get_data(as_text=True)


def test_escalation_notices_of_private_questions_name_no_title(people):
    question = _escalated_private(people)
    notices = db.session.scalars(select(Notification).where(
        Notification.user_id == people["other_teacher"].id)).all()
    assert notices and all(SECRET_TITLE not in n.message for n in notices)
    assert all(n.link != f"/qa/{question.id}" for n in notices)
    crisis = _escalated_crisis(people)
    notices = db.session.scalars(select(Notification).where(
        Notification.user_id == people["other_counsellor"].id)).all()
    assert notices and all(CRISIS_TITLE not in n.message for n in notices)
    assert all(n.link != f"/qa/{crisis.id}" for n in notices)
