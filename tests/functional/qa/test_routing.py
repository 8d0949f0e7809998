"""No question reaches nobody (issue 12): a question nobody of its school teaches goes straight to
the district pool, its school admins are told once, the student reads who answers and when;
admins assign such a question to a named teacher (audited), and every refused side of that."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from hplearn.notifications.models import Notification
from hplearn.qa import moderation, routing_views, services, views
from hplearn.qa.models import Question
from hplearn.timeutil import LOCAL_TZ
from tests import factories
from tests.openapi_check import assert_matches_spec
from tests.qa_fixtures import ask

WEDNESDAY_MORNING = datetime(2026, 12, 9, 10, 0, tzinfo=LOCAL_TZ)
AFTER_ASKING = WEDNESDAY_MORNING + timedelta(minutes=5)


@pytest.fixture
def frozen(monkeypatch):
    """The Q&A pages read the clock at AFTER_ASKING."""
    monkeypatch.setattr(views, "utcnow", lambda: AFTER_ASKING)
    monkeypatch.setattr(routing_views, "utcnow", lambda: AFTER_ASKING)


@pytest.fixture
def eighth_grader(school):
    """A grade-8 student of `school`."""
    return factories.UserFactory(username="stu8", role="student", school=school, grade=8)


@pytest.fixture
def seventh_grade_maths(school):
    """The school's only maths teacher, who teaches grade 7 alone."""
    return factories.UserFactory(username="tea7", role="teacher", school=school,
                                 display_name="李老师", subjects=["数学"], grades=[7])


@pytest.fixture
def district_maths(other_school):
    """A grade-8 maths teacher of another school: the district pool."""
    return factories.UserFactory(username="tea98", role="teacher", school=other_school,
                                 display_name="赵老师", subjects=["数学"], grades=[8])


def _notes(user, kind: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)))


def _ask_maths(student, **fields):
    return ask(student, title="一次函数的图像怎么画？", now=WEDNESDAY_MORNING, **fields)


def test_a_question_nobody_of_the_school_teaches_goes_to_the_district_pool(
        client, login, frozen, eighth_grader, seventh_grade_maths, district_maths, school_admin):
    question = _ask_maths(eighth_grader)
    assert question.escalated_at == WEDNESDAY_MORNING
    assert services.teacher_queue(district_maths, AFTER_ASKING) == [question]
    assert services.teacher_queue(seventh_grade_maths, AFTER_ASKING) == []
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "question.escalate"))
    assert entry.details == {"reason": "no_school_teacher"} and entry.object_id == question.id
    [alert] = _notes(school_admin, "unrouted")
    assert "本校没有教八年级数学的老师，已转给全区的数学老师" in alert.message
    assert _notes(district_maths, "escalated")
    login(eighth_grader)
    page = unescape(client.get(f"/qa/{question.id}").get_data(as_text=True))
    assert "本校暂时没有教这门课的老师，问题已转给全区的数学老师，预计今晚 20:30 前回复。" in page
    # The escalation run does not tell the admins again.
    services.run_maintenance(question.due_at + timedelta(minutes=1))
    assert len(_notes(school_admin, "unrouted")) == 1


def test_asking_on_the_page_says_who_answers(client, login, eighth_grader, district_maths,
                                             monkeypatch):
    from hplearn.qa.services import asking

    monkeypatch.setattr(asking, "utcnow", lambda: WEDNESDAY_MORNING)
    login(eighth_grader)
    response = client.post("/qa/ask", data={"title": "一次函数的图像怎么画？", "subject": "数学"},
                           follow_redirects=True)
    page = unescape(response.get_data(as_text=True))
    assert "提问成功！本校暂时没有教这门课的老师，问题已转给全区的数学老师，预计" in page


def test_a_school_with_a_teacher_of_the_subject_and_grade_routes_as_before(
        client, login, frozen, eighth_grader, teacher, district_maths, school_admin):
    question = _ask_maths(eighth_grader)
    assert question.escalated_at is None
    assert services.teacher_queue(teacher, AFTER_ASKING) == [question]
    assert services.teacher_queue(district_maths, AFTER_ASKING) == []
    assert _notes(school_admin, "unrouted") == []
    assert services.unrouted_questions(eighth_grader.school_id, AFTER_ASKING) == []
    login(eighth_grader)
    page = unescape(client.get(f"/qa/{question.id}").get_data(as_text=True))
    assert "预计今晚 20:30 前回复（答疑时间" in page and "本校暂时没有" not in page


def test_nobody_in_the_district_either_is_said_and_left_for_the_admins(
        client, login, frozen, eighth_grader, seventh_grade_maths, school_admin, district_admin):
    question = _ask_maths(eighth_grader)
    assert question.escalated_at is not None
    assert "本校和全区都没有教八年级数学的老师" in _notes(school_admin, "unrouted")[0].message
    assert len(_notes(district_admin, "unrouted")) == 1
    [item] = services.unrouted_questions(eighth_grader.school_id, AFTER_ASKING)
    assert item.question == question and item.route.kind == "nobody"
    login(eighth_grader)
    page = unescape(client.get(f"/qa/{question.id}").get_data(as_text=True))
    assert "本校和全区暂时都没有教八年级数学的老师。学校管理员已收到提醒" in page


def test_a_held_question_is_routed_when_a_moderator_releases_it(
        eighth_grader, district_maths, school_admin):
    held = _ask_maths(eighth_grader, body="同学们都在玩赌博游戏吗")
    assert held.status == "held" and held.escalated_at is None
    assert _notes(school_admin, "unrouted") == []
    moderation.release_held(held.id, school_admin, "是在问防范知识", AFTER_ASKING)
    assert held.escalated_at == AFTER_ASKING
    assert services.teacher_queue(district_maths, AFTER_ASKING) == [held]
    assert len(_notes(school_admin, "unrouted")) == 1


def test_crisis_questions_keep_their_own_lane(eighth_grader, school_admin, counsellor):
    question = ask(eighth_grader, title="我不想活了", now=WEDNESDAY_MORNING)
    assert question.mental_health and question.escalated_at is None
    assert _notes(school_admin, "unrouted") == []


def test_an_admin_assigns_the_question_to_a_named_teacher(
        eighth_grader, seventh_grade_maths, district_maths, school_admin):
    question = _ask_maths(eighth_grader)
    assigned = services.assign_question(question.id, school_admin, str(seventh_grade_maths.id),
                                        AFTER_ASKING)
    assert assigned.reserved_for_id == seventh_grade_maths.id and assigned.escalated_at is None
    assert services.teacher_queue(seventh_grade_maths, AFTER_ASKING) == [question]
    assert services.teacher_queue(district_maths, AFTER_ASKING) == []
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "question.assign"))
    assert entry.actor_id == school_admin.id and entry.object_id == question.id
    assert entry.details == {"teacher": seventh_grade_maths.id, "previous_teacher": None}
    [told] = _notes(seventh_grade_maths, "assigned")
    assert told.message == "管理员请你解答《一次函数的图像怎么画？》（八年级数学），预计今晚 20:30 前回复。"
    [student_told] = _notes(eighth_grader, "assigned")
    assert "已请李老师解答，预计今晚 20:30 前回复" in student_told.message
    assert services.unrouted_questions(eighth_grader.school_id, AFTER_ASKING) == []
    services.claim_question(question.id, seventh_grade_maths, AFTER_ASKING)
    services.answer_question(question.id, seventh_grade_maths, "先列表，再描点，最后连线。",
                             AFTER_ASKING + timedelta(minutes=1))
    assert db.session.get(Question, question.id).status == "answered"


def test_the_student_page_names_the_assigned_teacher(client, login, frozen, eighth_grader,
                                                     seventh_grade_maths, school_admin):
    question = _ask_maths(eighth_grader)
    services.assign_question(question.id, school_admin, seventh_grade_maths.id, AFTER_ASKING)
    login(eighth_grader)
    page = unescape(client.get(f"/qa/{question.id}").get_data(as_text=True))
    assert "已请李老师解答，预计今晚 20:30 前回复。" in page


def test_an_assigned_question_not_answered_in_time_goes_back_to_the_pool(
        eighth_grader, seventh_grade_maths, district_maths, school_admin):
    question = _ask_maths(eighth_grader)
    services.assign_question(question.id, school_admin, seventh_grade_maths.id, AFTER_ASKING)
    late = question.due_at + timedelta(minutes=1)
    services.run_maintenance(late)
    assert services.teacher_queue(district_maths, late) == [question]
    assert services.teacher_queue(seventh_grade_maths, late) == [question]


def test_a_teacher_added_later_finds_the_pooled_question_answerable(
        eighth_grader, seventh_grade_maths, school_admin):
    question = _ask_maths(eighth_grader)
    newcomer = factories.UserFactory(username="tea88", role="teacher", school=eighth_grader.school,
                                     subjects=["数学"], grades=[8])
    assert services.teacher_queue(newcomer, AFTER_ASKING) == [question]
    assert services.unrouted_questions(eighth_grader.school_id, AFTER_ASKING) == []
    services.claim_question(question.id, newcomer, AFTER_ASKING)
    services.answer_question(question.id, newcomer, "先列表。", AFTER_ASKING)
    assert db.session.get(Question, question.id).status == "answered"


def test_a_district_admin_assigns_to_a_teacher_of_another_school(
        eighth_grader, district_maths, district_admin):
    question = _ask_maths(eighth_grader)
    eligible = services.assignable_teachers(district_admin, question)
    assert eligible[0] == district_maths
    services.assign_question(question.id, district_admin, district_maths.id, AFTER_ASKING)
    assert services.teacher_queue(district_maths, AFTER_ASKING) == [question]


def test_a_school_admin_chooses_among_the_schools_teachers_only(
        eighth_grader, seventh_grade_maths, chinese_teacher, district_maths, school_admin):
    question = _ask_maths(eighth_grader)
    assert services.assignable_teachers(school_admin, question) == [seventh_grade_maths,
                                                                    chinese_teacher]


@pytest.fixture
def pooled(eighth_grader, district_maths):
    """A grade-8 maths question in the district pool (its school has no maths teacher)."""
    return _ask_maths(eighth_grader)


def _assign(client, question_id, teacher_id):
    return client.post(f"/api/v1/questions/{question_id}/assign", json={"teacher_id": teacher_id})


@pytest.mark.parametrize(("who", "message"), [
    ("eighth_grader", "问题只能指派给老师账号，不能指派给学生、家长或管理员。"),
    ("school_admin", "问题只能指派给老师账号，不能指派给学生、家长或管理员。"),
    ("district_maths", "请从本校的老师中选择。"),
])
def test_a_school_admin_may_not_name_a_student_an_admin_or_another_schools_teacher(
        request, client, login, pooled, school_admin, who, message):
    login(school_admin)
    response = _assign(client, pooled.id, request.getfixturevalue(who).id)
    assert response.status_code == 422 and response.get_json()["error"]["message"] == message
    db.session.refresh(pooled)
    assert pooled.reserved_for_id is None and pooled.escalated_at is not None
    assigned = select(func.count(AuditEntry.id)).where(AuditEntry.action == "question.assign")
    assert db.session.scalar(assigned) == 0


@pytest.mark.parametrize("teacher_id", ["", "abc", 1.5, True, None, 10**13, 999999])
def test_a_missing_or_malformed_teacher_is_refused(client, login, pooled, school_admin, teacher_id):
    login(school_admin)
    response = _assign(client, pooled.id, teacher_id)
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] in ("请选择一位老师。", "请从本校的老师中选择。")


def test_a_deactivated_teacher_is_refused(client, login, pooled, seventh_grade_maths, school_admin):
    seventh_grade_maths.active = False
    db.session.commit()
    login(school_admin)
    response = _assign(client, pooled.id, seventh_grade_maths.id)
    assert response.status_code == 422 and "已停用" in response.get_json()["error"]["message"]


def test_an_answered_question_is_not_assigned(client, login, pooled, district_maths,
                                              seventh_grade_maths, school_admin):
    services.claim_question(pooled.id, district_maths, AFTER_ASKING)
    services.answer_question(pooled.id, district_maths, "先列表。", AFTER_ASKING)
    login(school_admin)
    response = _assign(client, pooled.id, seventh_grade_maths.id)
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "这个问题已经回答了，不需要再指派。"


def test_a_held_question_is_not_assigned(client, login, eighth_grader, seventh_grade_maths,
                                         school_admin):
    held = _ask_maths(eighth_grader, body="同学们都在玩赌博游戏吗")
    login(school_admin)
    response = _assign(client, held.id, seventh_grade_maths.id)
    assert response.status_code == 422 and "等待审核" in response.get_json()["error"]["message"]


def test_a_question_a_teacher_is_answering_is_not_reassigned(
        client, login, pooled, district_maths, seventh_grade_maths, school_admin):
    services.claim_question(pooled.id, district_maths)
    login(school_admin)
    response = _assign(client, pooled.id, seventh_grade_maths.id)
    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == "赵老师正在解答这个问题，不能再指派。"


def test_a_crisis_question_goes_to_a_counsellor_only(client, login, eighth_grader, school_admin,
                                                     seventh_grade_maths, district_admin,
                                                     district_counsellor):
    crisis = ask(eighth_grader, title="我不想活了")
    assert crisis.mental_health and crisis.escalated_at is not None  # no counsellor at school
    [item] = services.unrouted_questions(eighth_grader.school_id)
    assert item.question == crisis and item.route.kind == "district"
    login(school_admin)
    response = _assign(client, crisis.id, seventh_grade_maths.id)
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "心理求助只能指派给心理老师。"
    login.logout()
    login(district_admin)
    assert _assign(client, crisis.id, seventh_grade_maths.id).status_code == 422
    assert services.assignable_teachers(district_admin, crisis) == [district_counsellor]
    response = _assign(client, crisis.id, district_counsellor.id)
    assert response.status_code == 200, response.get_json()
    assert services.teacher_queue(district_counsellor) == [crisis]


def test_teachers_students_and_other_schools_admins_may_not_assign(
        client, login, pooled, seventh_grade_maths, eighth_grader, district_maths):
    other_admin = factories.UserFactory(username="sadmin2", role="school_admin",
                                        school=district_maths.school)
    for user, status in ((seventh_grade_maths, 403), (eighth_grader, 403), (district_maths, 403),
                         (other_admin, 404)):
        login.logout()
        login(user)
        assert _assign(client, pooled.id, seventh_grade_maths.id).status_code == status, user
        assert client.get("/api/v1/qa/unrouted").status_code == (403 if status == 403 else 200)
    assert db.session.get(Question, pooled.id).reserved_for_id is None


def test_the_unrouted_page_lists_and_assigns(client, login, frozen, pooled, seventh_grade_maths,
                                             school_admin, school):
    login(school_admin)
    page = unescape(client.get("/qa/unrouted").get_data(as_text=True))
    assert "一次函数的图像怎么画？" in page and "已转给全区老师" in page
    assert f'<option value="{seventh_grade_maths.id}">李老师（数学 七年级）</option>' in page
    response = client.post(f"/qa/{pooled.id}/assign", data={
        "teacher_id": str(seventh_grade_maths.id), "next_page": "unrouted", "school": school.code})
    assert response.status_code == 302 and "/qa/unrouted" in response.headers["Location"]
    assert db.session.get(Question, pooled.id).reserved_for_id == seventh_grade_maths.id
    assert "没有待指派的问题" in client.get("/qa/unrouted").get_data(as_text=True)


def test_the_unrouted_page_shows_a_refusal_with_its_status(client, login, frozen, pooled,
                                                           eighth_grader, school_admin):
    login(school_admin)
    response = client.post(f"/qa/{pooled.id}/assign", data={
        "teacher_id": str(eighth_grader.id), "next_page": "unrouted"})
    assert response.status_code == 422
    assert "问题只能指派给老师账号" in unescape(response.get_data(as_text=True))


def test_the_question_page_offers_admins_the_assignment(client, login, frozen, pooled,
                                                        seventh_grade_maths, school_admin):
    login(school_admin)
    page = unescape(client.get(f"/qa/{pooled.id}").get_data(as_text=True))
    assert "指派老师解答" in page and "李老师（数学 七年级）" in page
    response = client.post(f"/qa/{pooled.id}/assign", data={"teacher_id": str(seventh_grade_maths.id)})
    assert response.headers["Location"].endswith(f"/qa/{pooled.id}")
    assert db.session.get(Question, pooled.id).reserved_for_id == seventh_grade_maths.id


def test_the_unrouted_page_is_scoped_to_the_admins_school(client, login, pooled, school_admin,
                                                          district_admin, other_school,
                                                          district_maths):
    login(school_admin)
    assert client.get(f"/qa/unrouted?school={other_school.code}").status_code == 404
    assert client.get("/qa/unrouted?school=no-such").status_code == 404
    login.logout()
    login(district_admin)
    assert "一次函数的图像怎么画？" in client.get("/qa/unrouted").get_data(as_text=True)
    assert "一次函数" not in client.get(f"/qa/unrouted?school={other_school.code}").get_data(
        as_text=True)
    login.logout()
    login(district_maths)
    assert client.get("/qa/unrouted").status_code == 403


def test_the_school_dashboard_counts_the_unrouted_questions(client, login, pooled, school_admin):
    login(school_admin)
    page = unescape(client.get("/stats/").get_data(as_text=True))
    assert "待指派的问题：1 个" in page and "/qa/unrouted?school=hp001" in page


def test_the_api_lists_and_assigns_as_documented(client, login, pooled, seventh_grade_maths,
                                                 school_admin, school):
    login(school_admin)
    listed = client.get(f"/api/v1/qa/unrouted?school={school.code}")
    assert listed.status_code == 200
    assert_matches_spec(listed)
    [item] = listed.get_json()["results"]
    assert item["id"] == pooled.id and item["route"] == "district"
    assert item["route_text"].startswith("本校暂时没有教这门课的老师")
    teachers = client.get(f"/api/v1/questions/{pooled.id}/assignable-teachers")
    assert_matches_spec(teachers)
    assert [t["id"] for t in teachers.get_json()["results"]] == [seventh_grade_maths.id]
    response = _assign(client, pooled.id, seventh_grade_maths.id)
    assert response.status_code == 200
    assert_matches_spec(response)
    assert response.get_json()["assigned_to"]["name"] == "李老师"
    refused = _assign(client, pooled.id, "x")
    assert refused.status_code == 422
    assert_matches_spec(refused)
