"""Who may read what: private questions, anonymous askers, lists that leak nothing."""

import pytest
from sqlalchemy import select

from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from hplearn.qa import services
from tests.qa_fixtures import ask


@pytest.fixture
def private_question(student, teacher):
    return ask(student, title="我的私密数学问题", private=True)


def test_student_cannot_read_another_students_private_question_page(
    client, login, classmate, private_question
):
    login(classmate)
    response = client.get(f"/qa/{private_question.id}")
    assert response.status_code == 404
    assert "我的私密数学问题" not in response.get_data(as_text=True)


def test_student_cannot_read_another_students_private_question_api(
    client, login, classmate, private_question
):
    login(classmate)
    response = client.get(f"/api/v1/questions/{private_question.id}")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_private_question_stays_private_after_answer(client, login, classmate, teacher,
                                                     private_question):
    services.claim_question(private_question.id, teacher)
    services.answer_question(private_question.id, teacher, "答案")
    login(classmate)
    assert client.get(f"/qa/{private_question.id}").status_code == 404
    listed = client.get("/api/v1/questions").json
    assert listed["total"] == 0


def test_unanswered_question_is_not_public(client, login, classmate, question):
    login(classmate)
    assert client.get(f"/qa/{question.id}").status_code == 404


def test_teacher_not_routed_cannot_read_private_question(client, login, chinese_teacher,
                                                         other_school_teacher, private_question):
    for outsider in (chinese_teacher, other_school_teacher):
        login(outsider)
        assert client.get(f"/qa/{private_question.id}").status_code == 404
        login.logout()


def test_routed_teacher_and_admin_read_private_question_and_it_is_audited(
    client, login, teacher, school_admin, private_question
):
    for staff in (teacher, school_admin):
        login(staff)
        assert client.get(f"/qa/{private_question.id}").status_code == 200
        login.logout()
    views = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "question.view_private"
    )).all()
    assert {entry.actor_id for entry in views} == {teacher.id, school_admin.id}
    assert all(entry.object_id == private_question.id for entry in views)


def test_asker_reading_own_private_question_is_not_audited(client, login, student,
                                                           private_question):
    login(student)
    assert client.get(f"/qa/{private_question.id}").status_code == 200
    assert db.session.scalar(select(AuditEntry)) is None


def test_other_schools_admin_cannot_read_private_question(client, login, other_school,
                                                          private_question):
    from tests.factories import UserFactory

    admin = UserFactory(username="sadmin2", role="school_admin", school=other_school)
    login(admin)
    assert client.get(f"/qa/{private_question.id}").status_code == 404


def test_answered_public_question_is_readable_across_the_district(
    client, login, other_school_student, answered_question
):
    login(other_school_student)
    response = client.get(f"/api/v1/questions/{answered_question.id}")
    assert response.status_code == 200
    assert response.json["answers"][0]["body_html"].count("<strong>倒数</strong>") == 1


def test_anonymous_asker_is_a_neutral_name_to_other_students(
    client, login, student, classmate, teacher
):
    asked = ask(student, anonymous=True, title="匿名问一个数学问题")
    services.claim_question(asked.id, teacher)
    services.answer_question(asked.id, teacher, "回答")
    login(classmate)
    page = client.get(f"/qa/{asked.id}").get_data(as_text=True)
    body = client.get(f"/api/v1/questions/{asked.id}").json
    listing = client.get("/api/v1/questions").json
    assert body["asker"] == services.ANONYMOUS_NAME
    assert listing["results"][0]["asker"] == services.ANONYMOUS_NAME
    for text in (page, str(body), str(listing)):
        assert student.display_name not in text and student.username not in text
        assert student.alias not in text
    assert "asker_id" not in body


def test_teacher_sees_who_asked_anonymously(client, login, student, teacher):
    asked = ask(student, anonymous=True)
    login(teacher)
    assert student.display_name in client.get(f"/api/v1/questions/{asked.id}").json["asker"]


def test_named_asker_is_shown_by_alias_to_other_students(client, login, student, classmate,
                                                         answered_question):
    login(classmate)
    assert client.get(f"/api/v1/questions/{answered_question.id}").json["asker"] == student.alias


def test_lists_of_others_do_not_show_askers(client, login, student, classmate, teacher):
    asked = ask(student, anonymous=True, title="匿名的问题标题")
    services.claim_question(asked.id, teacher)
    services.answer_question(asked.id, teacher, "回答")
    login(classmate)
    page = client.get("/qa/").get_data(as_text=True)
    assert "匿名的问题标题" in page
    assert student.display_name not in page and student.alias not in page


def test_mine_lists_only_the_callers_own_questions(client, login, student, classmate,
                                                   answered_question):
    own = ask(classmate, title="同学自己的一个问题")
    login(classmate)
    mine = client.get("/api/v1/questions?mine=1").json
    assert [q["id"] for q in mine["results"]] == [own.id]
    assert mine["total"] == 1


def test_hidden_question_is_gone_for_other_students(client, login, classmate, school_admin,
                                                    answered_question):
    from hplearn.qa import moderation

    moderation.set_question_hidden(answered_question.id, school_admin, True, "不适合公开")
    login(classmate)
    assert client.get(f"/qa/{answered_question.id}").status_code == 404
    assert client.get("/api/v1/questions").json["total"] == 0


@pytest.mark.parametrize("query", ["status=bogus", "subject=炼金术", "page=x", "per_page=-1"])
def test_list_refuses_bad_query_strings_with_400_or_422(client, login, student, query):
    login(student)
    response = client.get(f"/api/v1/questions?{query}")
    assert response.status_code in (400, 422)
    assert "error" in response.json
    assert client.get(f"/qa/?{query}").status_code in (200, 400)


def test_unknown_question_is_404(client, login, student):
    login(student)
    assert client.get("/qa/99999").status_code == 404
    assert client.get("/api/v1/questions/99999").status_code == 404


def test_lists_show_staff_no_private_text_without_an_audited_view(client, login, teacher,
                                                                  school_admin, private_question):
    login(teacher)
    queued = client.get("/api/v1/teacher/queue").json["results"]
    assert [q["id"] for q in queued] == [private_question.id]
    assert queued[0]["body_html"] == "" and queued[0]["title"] == "我的私密数学问题"
    login.logout()
    login(school_admin)
    assert client.get("/api/v1/questions").json["total"] == 0
    assert db.session.scalar(select(AuditEntry)) is None
    detail = client.get(f"/api/v1/questions/{private_question.id}").json
    assert "移项" in detail["body_html"]
    assert db.session.scalar(select(AuditEntry)).action == "question.view_private"


def test_admin_lists_their_schools_open_questions(client, login, school_admin, question):
    login(school_admin)
    listed = client.get("/api/v1/questions?status=open").json
    assert [q["id"] for q in listed["results"]] == [question.id]
