"""Answering, accepting, following up; scripts in questions and answers never become HTML."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from hplearn import policy
from hplearn.extensions import db
from hplearn.notifications.models import Notification
from hplearn.qa import services
from hplearn.timeutil import utcnow
from tests.qa_fixtures import ask

PAYLOADS = (
    '<script>alert("x")</script>',
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">link</a>',
    "<svg onload=alert(1)>",
)


def test_claimer_answers_and_student_is_notified(question, teacher, student):
    services.claim_question(question.id, teacher)
    answer = services.answer_question(question.id, teacher, "先把 *x* 移到左边。")
    db.session.refresh(question)
    assert question.status == "answered" and question.first_response_at is not None
    note = db.session.scalar(select(Notification).where(Notification.user_id == student.id))
    assert note.kind == "answered" and note.link == f"/qa/{question.id}"
    assert answer.teacher_id == teacher.id


def test_answer_needs_a_live_claim(question, teacher, second_teacher):
    with pytest.raises(services.NotAllowed):
        services.answer_question(question.id, teacher, "没认领就回答")
    services.claim_question(question.id, teacher)
    with pytest.raises(services.NotAllowed):
        services.answer_question(question.id, second_teacher, "别人的认领")


def test_empty_answer_is_refused(question, teacher):
    services.claim_question(question.id, teacher)
    with pytest.raises(services.InvalidQuestion):
        services.answer_question(question.id, teacher, "   ")


def test_only_the_asker_accepts(answered_question, classmate, teacher, student):
    for other in (classmate, teacher):
        with pytest.raises(services.QAError):
            services.accept_answer(answered_question.id, other)
    accepted = services.accept_answer(answered_question.id, student)
    assert accepted.status == "closed" and accepted.answers[0].accepted


def test_accept_before_answer_is_refused(question, student):
    with pytest.raises(services.NotAllowed):
        services.accept_answer(question.id, student)


def test_followup_reopens_to_the_same_teacher(answered_question, student, teacher,
                                              second_teacher, classmate):
    services.add_followup(answered_question.id, student, "那 3/4 ÷ 2 呢？")
    db.session.refresh(answered_question)
    assert answered_question.status == "open"
    assert answered_question.reserved_for_id == teacher.id
    assert services.teacher_queue(teacher) == [answered_question]
    assert services.teacher_queue(second_teacher) == []
    assert policy.can_view_question(classmate, answered_question, utcnow())  # answer stays public
    with pytest.raises(services.NotAllowed):
        services.claim_question(answered_question.id, second_teacher)
    note = db.session.scalars(select(Notification).where(
        Notification.user_id == teacher.id, Notification.kind == "followup"
    )).first()
    assert note is not None
    services.claim_question(answered_question.id, teacher)
    services.answer_question(answered_question.id, teacher, "等于 3/8。")
    db.session.refresh(answered_question)
    assert answered_question.status == "answered" and len(answered_question.answers) == 2


def test_unclaimed_followup_escalates_after_the_target(answered_question, student,
                                                       second_teacher):
    services.add_followup(answered_question.id, student, "还是不懂")
    db.session.refresh(answered_question)
    later = answered_question.due_at + timedelta(minutes=1)
    assert services.teacher_queue(second_teacher, later) == []
    services.run_maintenance(later)
    assert services.teacher_queue(second_teacher, later) == [answered_question]


def test_only_the_asker_follows_up(answered_question, classmate):
    with pytest.raises(services.QAError):
        services.add_followup(answered_question.id, classmate, "我也想问")


def test_followup_is_screened_for_personal_information(answered_question, student):
    with pytest.raises(services.PersonalInformationFound):
        services.add_followup(answered_question.id, student, "加我微信 wxid_abc123 细说")


def test_distress_in_a_followup_enters_the_mental_health_lane(answered_question, student,
                                                              counsellor):
    services.add_followup(answered_question.id, student, "其实我最近不想活了")
    db.session.refresh(answered_question)
    assert answered_question.mental_health and answered_question.private
    assert answered_question.urgent


def test_answer_preview_renders_without_storing(client, login, question, teacher):
    services.claim_question(question.id, teacher)
    login(teacher)
    response = client.post(f"/qa/{question.id}/answer",
                           data={"body": "**预览**", "action": "preview"})
    assert response.status_code == 200
    assert "<strong>预览</strong>" in response.get_data(as_text=True)
    db.session.refresh(question)
    assert question.answers == [] and question.status == "claimed"


def test_api_answer_accept_followup(client, login, question, teacher, student):
    login(teacher)
    assert client.post(f"/api/v1/questions/{question.id}/claim").status_code == 200
    answered = client.post(f"/api/v1/questions/{question.id}/answer", json={"body": "答案"})
    assert answered.status_code == 201 and answered.json["body_html"] == "<p>答案</p>"
    login.logout()
    login(student)
    followed = client.post(f"/api/v1/questions/{question.id}/followup", json={"body": "追问"})
    assert followed.status_code == 201
    detail = client.get(f"/api/v1/questions/{question.id}").json
    assert detail["status"] == "open" and len(detail["followups"]) == 1
    login.logout()
    login(teacher)
    client.post(f"/api/v1/questions/{question.id}/claim")
    client.post(f"/api/v1/questions/{question.id}/answer", json={"body": "再答"})
    login.logout()
    login(student)
    accepted = client.post(f"/api/v1/questions/{question.id}/accept")
    assert accepted.status_code == 200 and accepted.json["status"] == "closed"


def test_api_student_cannot_answer(client, login, question, student):
    login(student)
    response = client.post(f"/api/v1/questions/{question.id}/answer", json={"body": "我来答"})
    assert response.status_code == 403


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_never_become_active_html(client, login, student, teacher, payload):
    asked = ask(student, title=f"脚本测试 {payload}"[:200], body=payload)
    services.claim_question(asked.id, teacher)
    services.answer_question(asked.id, teacher, payload)
    login(teacher)
    page = client.get(f"/qa/{asked.id}").get_data(as_text=True)
    api = client.get(f"/api/v1/questions/{asked.id}").json
    for html in (page, api["body_html"], api["answers"][0]["body_html"]):
        assert active_parts(html) == []


class _ActiveHTML(HTMLParser):
    """Collects what a browser would run: inline scripts, on* handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}")
            if name in ("href", "src") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}={value}")

    def handle_data(self, data):
        if self._in_script and "alert" in data:
            self.found.append(f"script {data}")

    def handle_endtag(self, tag):
        self._in_script = False


def active_parts(html: str) -> list[str]:
    """Everything in html that would execute."""
    parser = _ActiveHTML()
    parser.feed(html)
    return parser.found


def test_teacher_sees_answered_questions_and_response_times(client, login, student, teacher):
    asked = ask(student, now=utcnow() - timedelta(minutes=90))
    services.claim_question(asked.id, teacher)
    services.answer_question(asked.id, teacher, "回答")
    answered = services.my_answered(teacher)
    assert [item.question.id for item in answered] == [asked.id]
    assert 89 <= answered[0].response_minutes <= 91
    assert services.median_response_minutes(answered) == answered[0].response_minutes
    login(teacher)
    page = client.get("/qa/queue").get_data(as_text=True)
    assert "我回答过的" in page and str(answered[0].response_minutes) in page
