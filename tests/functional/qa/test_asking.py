"""Asking: validation, personal information, the sensitive-word hold, the mental-health lane."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from hplearn.notifications.models import Notification
from hplearn.pagination import parse_page
from hplearn.qa import services
from hplearn.qa.models import Alert, Question
from tests.factories import ResourceFactory
from tests.qa_fixtures import ask


def question_count():
    return db.session.scalar(select(func.count(Question.id)))


def test_student_asks_and_question_is_open_with_a_reply_target(student):
    question = ask(student, grade="")
    assert question.status == "open"
    assert question.grade == 7  # the student's own grade
    assert question.school_id == student.school_id
    assert question.due_at > question.created_at


def test_teacher_cannot_ask(teacher):
    with pytest.raises(services.NotAllowed):
        ask(teacher)


@pytest.mark.parametrize(("fields", "field"), [
    ({"title": "数学"}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"body": "长" * 5001}, "body"),
    ({"subject": "炼金术"}, "subject"),
    ({"grade": "十三年级"}, "grade"),
    ({"resource_id": "999"}, "resource_id"),
    ({"resource_id": "abc"}, "resource_id"),
])
def test_bad_input_is_refused_with_the_field(student, fields, field):
    with pytest.raises(services.InvalidQuestion) as refused:
        ask(student, **fields)
    assert refused.value.field == field
    assert question_count() == 0


def test_personal_information_is_refused_and_nothing_is_stored(student):
    with pytest.raises(services.PersonalInformationFound) as refused:
        ask(student, body="我是三年二班王小明，手机13812345678")
    assert "手机号码" in str(refused.value) and "班级和姓名" in str(refused.value)
    assert question_count() == 0


def test_page_shows_what_was_found_and_keeps_nothing(client, login, student):
    login(student)
    response = client.post("/qa/ask", data={
        "title": "加我QQ 123456789 一起讨论", "body": "", "subject": "数学", "action": "submit",
    })
    assert response.status_code == 422
    assert "QQ 号" in response.get_data(as_text=True)
    assert question_count() == 0


def test_api_refuses_personal_information_with_422(client, login, student):
    login(student)
    response = client.post("/api/v1/questions", json={
        "title": "作业问题", "body": "我的身份证 11010519491231002X", "subject": "数学",
    })
    assert response.status_code == 422
    assert response.json["error"]["code"] == "personal_information"
    assert "身份证号码" in response.json["error"]["message"]
    assert question_count() == 0


def test_sensitive_word_holds_the_question_for_moderation(student, school_admin, teacher):
    question = ask(student, title="有人在班里组织赌博怎么办")
    assert question.status == "held"
    assert "赌博" in question.held_words
    assert services.teacher_queue(teacher) == []
    note = db.session.scalar(select(Notification).where(Notification.user_id == school_admin.id))
    assert note is not None and note.kind == "moderation"


def test_instance_word_list_extends_the_sensitive_words(app, student):
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "sensitive_words.txt").write_text("奇怪的词\n", encoding="utf-8")
    assert ask(student, title="这里有一个奇怪的词出现").status == "held"


@pytest.mark.parametrize("fields", [
    {"subject": "心理健康", "title": "最近总是睡不着觉"},
    {"title": "我真的不想活了", "subject": "数学"},
    {"body": "每天都被欺负，我好绝望", "subject": "语文", "title": "不想上学"},
])
def test_distress_goes_to_the_private_urgent_mental_health_lane(student, counsellor, fields):
    question = ask(student, private=False, **fields)
    assert question.mental_health and question.private and question.urgent
    assert question.status == "open"
    alert = db.session.scalar(select(Alert).where(Alert.question_id == question.id))
    assert alert is not None and alert.acknowledged_at is None
    note = db.session.scalar(select(Notification).where(Notification.user_id == counsellor.id))
    assert note.kind == "urgent_alert"


def test_distress_words_win_over_sensitive_words(student, counsellor):
    question = ask(student, title="他们说我去死吧，我不想活了")
    assert question.mental_health and question.status == "open"


def test_distress_question_page_shows_the_hotline_and_counsellor(client, login, student,
                                                                 counsellor):
    login(student)
    response = client.post("/qa/ask", data={
        "title": "我不想活了", "body": "", "subject": "数学", "action": "submit",
    }, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "12355" in page and "林老师" in page
    assert "仅老师可见" in page and "紧急" in page


def test_mental_health_question_in_a_school_without_counsellors_escalates_at_once(
    student, district_counsellor
):
    question = ask(student, subject="心理健康", title="心里很难受怎么办")
    assert question.is_escalated
    assert question in services.teacher_queue(district_counsellor)


def test_mental_health_questions_are_not_in_subject_teachers_queues(student, teacher, counsellor):
    ask(student, title="数学考砸了我好绝望")
    assert services.teacher_queue(teacher) == []
    assert len(services.teacher_queue(counsellor)) == 1


def test_question_about_a_resource(client, login, student):
    resource = ResourceFactory(kind="video", title="一元一次方程微课")
    login(student)
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert f"/qa/ask?resource_id={resource.id}" in page and "就这个视频提问" in page
    question = ask(student, resource_id=str(resource.id))
    assert question.resource_id == resource.id


def test_resource_page_lists_only_answered_public_questions(client, login, student, teacher,
                                                             classmate):
    resource = ResourceFactory()
    answered = ask(student, title="这个视频第三分钟讲的是什么", resource_id=resource.id)
    services.claim_question(answered.id, teacher)
    services.answer_question(answered.id, teacher, "讲的是移项。")
    ask(student, title="还没回答的一个问题", resource_id=resource.id)
    login(classmate)
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "这个视频第三分钟讲的是什么" in page
    assert "还没回答的一个问题" not in page


def test_preview_step_renders_markdown_and_similar_questions_without_js(
    client, login, student, answered_question
):
    login(student)
    response = client.post("/qa/ask", data={
        "title": "分数除法怎么算", "body": "**加粗** <script>alert(1)</script>",
        "subject": "数学", "action": "preview",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>加粗</strong>" in page and "<script>alert(1)" not in page
    assert "分数除法为什么要颠倒相乘？" in page
    assert question_count() == 1  # the preview stored nothing


def test_similar_endpoint_returns_only_public_answered_questions(client, login, student,
                                                                 answered_question, classmate):
    ask(classmate, title="分数除法的私密问题", private=True)
    login(student)
    results = client.get("/qa/similar?title=分数除法").json["results"]
    assert [r["id"] for r in results] == [answered_question.id]


def test_asking_records_no_audit_entry_but_keeps_the_student(student, teacher):
    ask(student)
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_api_creates_a_question(client, login, student):
    login(student)
    response = client.post("/api/v1/questions", json={
        "title": "英语时态怎么区分", "body": "一般过去时", "subject": "英语", "grade": 7,
        "anonymous": True, "private": False,
    })
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "open" and body["anonymous"] is True
    assert body["asker"] == "我（匿名）"
    assert set(body) >= {"id", "title", "body_html", "subject", "grade", "status", "urgent",
                         "private", "anonymous", "asker", "claimed_by", "created_at",
                         "first_response_at", "answers"}


@pytest.mark.parametrize("payload", [None, [], "text", {"title": 5, "subject": ["数学"]}])
def test_api_refuses_malformed_bodies_with_4xx(client, login, student, payload):
    login(student)
    response = client.post("/api/v1/questions", json=payload)
    assert 400 <= response.status_code < 500
    assert "error" in response.json


def test_api_needs_sign_in(client):
    assert client.post("/api/v1/questions", json={}).status_code == 401
    assert client.get("/api/v1/questions").status_code == 401


def test_pages_need_sign_in(client):
    response = client.get("/qa/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_answered_questions_are_searchable_but_private_and_open_ones_are_not(
    client, login, student, classmate, teacher, answered_question
):
    secret = ask(classmate, title="分数除法的私密问题", private=True)
    services.claim_question(secret.id, teacher)
    services.answer_question(secret.id, teacher, "私密回答")
    ask(classmate, title="分数除法还没有回答")
    login(student)
    found = client.get("/api/v1/questions?q=分数除法").json
    assert [q["id"] for q in found["results"]] == [answered_question.id]
    page = client.get("/qa/?q=分数除法").get_data(as_text=True)
    assert "<mark>" in page and "私密" not in page and "还没有回答" not in page


def test_hidden_question_leaves_the_search_index(client, login, student, school_admin,
                                                 answered_question):
    from hplearn.qa import moderation

    moderation.set_question_hidden(answered_question.id, school_admin, True, "重复")
    login(student)
    assert client.get("/api/v1/questions?q=分数除法").json["total"] == 0
    assert services.similar_questions("分数除法", student) == []


def test_reindex_rebuilds_answered_questions(runner, student, answered_question):
    ask(student, title="分数除法的新问题还没回答")
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    found = services.search_questions("分数除法", student, parse_page({}))
    assert [hit.object.id for hit in found.items] == [answered_question.id]


def test_answer_text_is_searchable_and_leaves_with_a_hidden_answer(client, login, student,
                                                                   school_admin, teacher,
                                                                   answered_question):
    from hplearn.qa import moderation

    answer = answered_question.answers[0]
    login(student)
    word = answer_only_word(answer.body, answered_question)
    assert [q["id"] for q in client.get(f"/api/v1/questions?q={word}").json["results"]] == [
        answered_question.id]
    moderation.set_answer_hidden(answered_question.id, answer.id, school_admin, True, "不准确")
    assert client.get(f"/api/v1/questions?q={word}").json["total"] == 0
    moderation.set_answer_hidden(answered_question.id, answer.id, school_admin, False, "核实无误")
    assert client.get(f"/api/v1/questions?q={word}").json["total"] == 1


def test_a_later_answer_is_searchable(client, login, student, teacher, answered_question):
    services.add_followup(answered_question.id, student, "还是不太明白分母怎么变")
    services.claim_question(answered_question.id, teacher)
    services.answer_question(answered_question.id, teacher, "想象一块蛋糕平均切开")
    login(student)
    found = client.get("/api/v1/questions?q=蛋糕").json
    assert [q["id"] for q in found["results"]] == [answered_question.id]


def answer_only_word(answer_body, question):
    """A word of the answer that the question's own title and text do not hold."""
    for word in ("倒数", "颠倒", "乘以", "除数"):
        if word in answer_body and word not in question.title + question.body:
            return word
    raise AssertionError(f"no answer-only word in {answer_body!r}")
