"""Reports, hiding and restoring with reasons, held questions, alerts that need a person."""

import pytest
from sqlalchemy import select

from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from hplearn.qa import moderation, services
from hplearn.qa.models import Alert, Report
from tests.factories import UserFactory
from tests.qa_fixtures import ask


def actions():
    return [(e.action, e.actor_id) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action != "question.view_private")
        .order_by(AuditEntry.id)
    )]


def test_anyone_signed_in_who_sees_it_can_report(client, login, classmate, answered_question):
    login(classmate)
    response = client.post(f"/api/v1/questions/{answered_question.id}/report",
                           json={"reason": "答案有错误"})
    assert response.status_code == 201
    answer_id = answered_question.answers[0].id
    response = client.post(f"/qa/{answered_question.id}/report",
                           data={"reason": "回答不礼貌", "answer_id": str(answer_id)})
    assert response.status_code == 302
    reports = db.session.scalars(select(Report)).all()
    assert {(r.answer_id, r.reason) for r in reports} == {(None, "答案有错误"),
                                                         (answer_id, "回答不礼貌")}


def test_report_needs_a_reason_and_a_visible_question(client, login, classmate, question,
                                                      answered_question):
    login(classmate)
    empty = client.post(f"/api/v1/questions/{answered_question.id}/report", json={"reason": " "})
    assert empty.status_code == 422
    hidden_from_me = client.post(f"/api/v1/questions/{question.id}/report", json={"reason": "x"})
    assert hidden_from_me.status_code == 404
    assert client.post("/api/v1/questions/1/report", json=["x"]).status_code == 400


def test_signed_out_cannot_report(client, answered_question):
    assert client.post(f"/api/v1/questions/{answered_question.id}/report",
                       json={"reason": "x"}).status_code == 401


def test_admin_hides_and_restores_with_reason_and_audit(school_admin, answered_question):
    moderation.set_question_hidden(answered_question.id, school_admin, True, "含不当内容")
    assert answered_question.hidden and answered_question.hidden_reason == "含不当内容"
    moderation.set_question_hidden(answered_question.id, school_admin, False, "误判")
    assert not answered_question.hidden
    assert actions() == [("question.hide", school_admin.id), ("question.restore", school_admin.id)]


def test_hiding_needs_a_reason(school_admin, answered_question):
    with pytest.raises(services.InvalidQuestion):
        moderation.set_question_hidden(answered_question.id, school_admin, True, "")


@pytest.mark.parametrize("who", ["student", "teacher", "other_admin"])
def test_non_moderators_cannot_hide(who, request, other_school, answered_question):
    user = (UserFactory(username="sadmin9", role="school_admin", school=other_school)
            if who == "other_admin" else request.getfixturevalue(who))
    with pytest.raises(services.NotAllowed):
        moderation.set_question_hidden(answered_question.id, user, True, "理由")
    assert actions() == []


def test_page_hide_refused_for_teacher(client, login, teacher, answered_question):
    login(teacher)
    response = client.post(f"/qa/{answered_question.id}/hide", data={"reason": "理由"})
    assert response.status_code == 403


def test_hiding_an_answer_removes_it_for_students(client, login, classmate, district_admin,
                                                  answered_question):
    answer = answered_question.answers[0]
    moderation.set_answer_hidden(answered_question.id, answer.id, district_admin, True, "有误")
    login(classmate)
    assert client.get(f"/api/v1/questions/{answered_question.id}").json["answers"] == []
    assert actions() == [("answer.hide", district_admin.id)]


def test_held_question_is_approved_into_the_queue(client, login, student, school_admin, teacher):
    held = ask(student, title="同学们都在玩赌博游戏吗")
    login(school_admin)
    page = client.get("/qa/moderation").get_data(as_text=True)
    assert "同学们都在玩赌博游戏吗" in page
    client.post(f"/qa/{held.id}/approve", data={"reason": "是在问防范知识"})
    db.session.refresh(held)
    assert held.status == "open" and services.teacher_queue(teacher) == [held]
    assert ("question.approve", school_admin.id) in actions()


def test_held_question_is_invisible_to_teachers(client, login, student, teacher):
    held = ask(student, title="同学们都在玩赌博游戏吗")
    login(teacher)
    assert client.get(f"/qa/{held.id}").status_code == 404


def test_dismissing_a_report_is_audited(school_admin, classmate, answered_question):
    entry = moderation.report(answered_question.id, classmate, "看不懂")
    moderation.dismiss_report(entry.id, school_admin, "内容没有问题")
    assert entry.resolved
    assert ("question.report_dismiss", school_admin.id) in actions()


def test_moderation_page_is_for_admins_only(client, login, teacher, student):
    for user in (teacher, student):
        login(user)
        assert client.get("/qa/moderation").status_code == 403
        login.logout()


def test_counsellor_acknowledges_an_alert_once_and_it_is_audited(client, login, student,
                                                                 counsellor, second_teacher):
    distress = ask(student, title="我不想活了")
    alert = db.session.scalar(select(Alert))
    login(counsellor)
    page = client.get("/qa/alerts").get_data(as_text=True)
    assert "我不想活了" in page
    response = client.post(f"/qa/alerts/{alert.id}/acknowledge", data={"note": "已联系班主任"})
    assert response.status_code == 302
    db.session.refresh(alert)
    assert alert.acknowledged_by_id == counsellor.id and alert.note == "已联系班主任"
    assert ("question.alert_acknowledge", counsellor.id) in actions()
    with pytest.raises(services.AlreadyClaimed):
        moderation.acknowledge_alert(alert.id, counsellor)
    assert distress.status == "open"  # acknowledging never answers it


def test_alerts_are_refused_to_teachers_and_students(client, login, student, teacher,
                                                     other_school, counsellor):
    ask(student, title="我不想活了")
    alert = db.session.scalar(select(Alert))
    for user in (student, teacher):
        login(user)
        assert client.get("/qa/alerts").status_code == 403
        assert client.post(f"/qa/alerts/{alert.id}/acknowledge").status_code == 404
        login.logout()
    assert alert.acknowledged_at is None


def test_other_schools_counsellor_only_after_escalation(student, counsellor, district_counsellor):
    ask(student, title="我不想活了")
    alert = db.session.scalar(select(Alert))
    with pytest.raises(services.QuestionNotFound):
        moderation.acknowledge_alert(alert.id, district_counsellor,
                                     now=alert.question.created_at)
    later = alert.question.due_at
    services.run_maintenance(later)
    moderation.acknowledge_alert(alert.id, district_counsellor, now=later)
    assert alert.acknowledged_by_id == district_counsellor.id


def test_mental_health_question_is_never_auto_answered(student, counsellor):
    question = ask(student, title="我不想活了")
    services.run_maintenance(question.due_at)
    db.session.refresh(question)
    assert question.answers == [] and question.first_response_at is None
    assert question.status == "open"
