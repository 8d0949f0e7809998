"""The safeguarding lane (bullying, violence at home, abuse) and the audited 查看学生身份."""

import pytest
from sqlalchemy import select

from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from hplearn.notifications.models import Notification
from hplearn.qa import services
from hplearn.qa.models import Alert
from tests import factories
from tests.qa_fixtures import ask

BULLIED = "同学们天天欺负我，还抢我的零花钱"


@pytest.fixture
def guardian(school):
    """The school's safeguarding teacher (安全保护老师)."""
    return factories.UserFactory(username="anquan1", display_name="郑老师", role="teacher",
                                 school=school, subjects=["道德与法治"], is_safeguarding=True)


@pytest.fixture
def district_guardian(other_school):
    """The safeguarding teacher of another school."""
    return factories.UserFactory(username="anquan9", role="teacher", school=other_school,
                                 subjects=["道德与法治"], is_safeguarding=True)


def _notified(user):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def _reveals():
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "question.reveal_identity")))


def test_bullying_goes_to_the_safeguarding_staff_not_the_counsellors(student, guardian, counsellor):
    question = ask(student, title="在学校被欺负了怎么办", body=BULLIED, private=False)
    assert question.safeguarding and question.private and question.urgent
    assert not question.mental_health
    assert db.session.scalar(select(Alert).where(Alert.question_id == question.id)) is not None
    assert [n.kind for n in _notified(guardian)] == ["urgent_alert"]
    assert _notified(counsellor) == []
    assert question in services.teacher_queue(guardian)
    assert question not in services.teacher_queue(counsellor)


def test_ordinary_teachers_do_not_get_safeguarding_questions(student, guardian):
    teacher = factories.UserFactory(username="daode1", role="teacher", school=student.school,
                                    subjects=["道德与法治"])
    question = ask(student, title="爸爸喝醉了就打我", subject="道德与法治")
    assert question not in services.teacher_queue(teacher)
    with pytest.raises(services.QuestionNotFound):
        services.view_question(question.id, teacher)


def test_distress_and_danger_together_enter_both_lanes(student, guardian, counsellor):
    question = ask(student, title="被霸凌了，我不想活了")
    assert question.safeguarding and question.mental_health
    assert _notified(guardian) and _notified(counsellor)


def test_a_school_without_safeguarding_staff_escalates_at_once(student, district_guardian):
    question = ask(student, title="我不敢回家", body="后妈经常打我")
    assert question.safeguarding and question.is_escalated
    assert _notified(district_guardian)
    assert question in services.teacher_queue(district_guardian)


def test_the_page_shows_110(client, login, student, guardian):
    login(student)
    response = client.post("/qa/ask", data={
        "title": "我被同学欺负了", "body": "", "subject": "数学", "action": "submit",
    }, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="tel:110"' in page and "安全保护" in page


def test_a_follow_up_about_violence_enters_the_lane(answered_question, student, guardian):
    services.add_followup(answered_question.id, student, "还有，爸爸天天打我")
    assert answered_question.safeguarding and answered_question.private


# --- 查看学生身份 -------------------------------------------------------------------------


@pytest.fixture
def crisis(student, counsellor):
    student.display_name, student.class_name = "王小明", "2班"
    return ask(student, title="我真的撑不住了", anonymous=True)


def test_the_counsellor_sees_name_and_class_and_it_is_audited(client, login, crisis, counsellor):
    login(counsellor)
    page = client.get(f"/qa/{crisis.id}").get_data(as_text=True)
    assert "查看学生身份" in page and "王小明" not in page  # anonymous until revealed
    response = client.post(f"/qa/{crisis.id}/identity", data={"reason": "需要当面联系这位学生"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "王小明" in page and "2班" in page
    [entry] = _reveals()
    assert entry.actor_id == counsellor.id and "需要当面联系这位学生" in str(entry.details)


@pytest.mark.parametrize("reason", ["", "   ", "看看", "长" * 301])
def test_a_reason_is_required(crisis, counsellor, reason):
    with pytest.raises(services.InvalidQuestion):
        services.reveal_identity(crisis.id, counsellor, reason)
    assert _reveals() == []


def test_the_page_refuses_without_a_reason_and_shows_nothing(client, login, crisis, counsellor):
    login(counsellor)
    response = client.post(f"/qa/{crisis.id}/identity", data={"reason": ""}, follow_redirects=True)
    assert "王小明" not in response.get_data(as_text=True)
    assert _reveals() == []


def test_safeguarding_staff_see_the_asker_of_a_safeguarding_question(student, guardian):
    question = ask(student, title="爸爸经常打我")
    assert services.reveal_identity(question.id, guardian, "要通知学校保卫处").username == student.username


@pytest.mark.parametrize("who", ["teacher", "school_admin", "district_admin", "student",
                                 "district_counsellor", "guardian", "classmate"])
def test_no_one_else_sees_who_asked(request, crisis, who):
    crisis.escalated_at = crisis.created_at  # even escalated to the district's counsellors
    db.session.commit()
    viewer = request.getfixturevalue(who)
    with pytest.raises((services.NotAllowed, services.QuestionNotFound)):
        services.reveal_identity(crisis.id, viewer, "想知道是谁问的")
    assert _reveals() == []


def test_a_counsellor_cannot_unmask_an_ordinary_question(student, counsellor):
    question = ask(student, subject="数学", private=True)
    with pytest.raises((services.NotAllowed, services.QuestionNotFound)):
        services.reveal_identity(question.id, counsellor, "想知道是谁问的")


def test_refused_roles_get_403_and_no_name(client, login, crisis, school_admin):
    login(school_admin)
    response = client.post(f"/qa/{crisis.id}/identity", data={"reason": "想知道是谁问的"})
    assert response.status_code == 403
    assert "王小明" not in response.get_data(as_text=True)
    assert "查看学生身份" not in client.get(f"/qa/{crisis.id}").get_data(as_text=True)
