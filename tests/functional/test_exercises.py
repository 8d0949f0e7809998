"""Exercises: instant feedback without JavaScript, private attempts, "<5" correct rates, search."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hplearn.exercises import services
from hplearn.exercises.models import ExerciseAttempt
from hplearn.extensions import db
from tests import factories
from tests.contribution_fixtures import draft_package, published_package


@pytest.fixture
def package(teacher, school_admin):
    """A published package with its four exercises: single, multiple, true/false, blank."""
    return published_package(teacher, school_admin)


def _set(contribution):
    from hplearn.contributions.services import exercise_set_of

    return exercise_set_of(contribution)


def _items(contribution):
    return _set(contribution).items


@pytest.mark.parametrize(("index", "answer", "correct"), [
    (0, "1", True), (0, "0", False), (0, ["1"], True),
    (1, ["0", "1"], True), (1, ["1", "0"], True), (1, ["0"], False), (1, [0, 1, 2], False),
    (2, "false", True), (2, True, False),
    (3, ["8"], True), (3, ["八"], True), (3, [" ８ "], True), (3, ["9"], False),
])
def test_answers_are_checked(package, student, index, answer, correct):
    item = _items(package)[index]
    assert services.answer_item(student, item.id, answer).correct is correct


@pytest.mark.parametrize(("index", "answer", "message"), [
    (0, None, "请选择一个选项"), (0, "7", "选项不存在"), (0, "x", "请选择一个选项"),
    (0, True, "请选择一个选项"), (0, 1.5, "请选择一个选项"), (0, {"a": 1}, "请选择一个选项"),
    (0, [[1]], "请选择一个选项"), (1, [{"a": 1}], "请选择一个选项"), (1, [], "至少选择一个"),
    (2, "maybe", "对"), (2, [[True]], "对"),
    (3, [], "1 个空"), (3, ["8", "9"], "1 个空"), (3, [""], "还有空"), (3, ["8" * 101], "最多"),
    (3, [5], "1 个空"),
])
def test_malformed_answers_are_refused(package, student, index, answer, message):
    with pytest.raises(services.AnswerInvalid, match=message):
        services.answer_item(student, _items(package)[index].id, answer)


def test_a_student_answers_in_the_page_without_javascript(client, login, package, student):
    set_id = _set(package).id
    item = _items(package)[0]
    login(student)
    page = client.get(f"/exercises/{set_id}").get_data(as_text=True)
    assert "<script" not in page and "3 和 4 是直角边" in page
    answered = client.post(f"/exercises/items/{item.id}/answer", data={"answer": "0"})
    text = answered.get_data(as_text=True)
    assert answered.status_code == 200 and "回答错误" in text and "正确答案：B" in text
    assert "3² + 4² = 25" in text
    again = client.get(f"/exercises/{set_id}").get_data(as_text=True)
    assert "你的答案：A" in again


def test_an_empty_answer_in_the_page_is_a_422_with_the_reason(client, login, package, student):
    login(student)
    item = _items(package)[3]
    response = client.post(f"/exercises/items/{item.id}/answer", data={})
    assert response.status_code == 422 and "1 个空" in response.get_data(as_text=True)


def test_attempts_are_private_to_the_student(client, login, package, student, school):
    classmate = factories.UserFactory(username="stu2", role="student", school=school, grade=8)
    item = _items(package)[0]
    services.answer_item(student, item.id, "0")
    assert services.last_attempts(classmate, _set(package)) == {}
    login(classmate)
    assert "你的答案" not in client.get(f"/exercises/{_set(package).id}").get_data(as_text=True)


def test_anonymous_visitors_check_answers_without_a_record(client, package):
    item = _items(package)[2]
    response = client.post(f"/api/v1/exercise-items/{item.id}/answer", json={"answer": False})
    assert response.get_json()["correct"] is True
    assert db.session.scalar(select(func.count(ExerciseAttempt.id))) == 0


def test_the_api_gives_no_answers_before_answering(client, package):
    data = client.get(f"/api/v1/exercise-sets/{_set(package).id}").get_json()
    assert [i["kind"] for i in data["items"]] == ["single", "multiple", "truefalse", "blank"]
    assert "answer" not in str(data) and "八" not in str(data)


def test_an_unpublished_set_is_for_its_author_and_reviewers(client, login, teacher, school_admin,
                                                             student):
    set_id = _set(draft_package(teacher)).id
    assert client.get(f"/exercises/{set_id}").status_code == 404
    login(student)
    assert client.get(f"/exercises/{set_id}").status_code == 404
    login.logout()
    for user in (teacher, school_admin):
        login(user)
        assert "还没有发布" in client.get(f"/exercises/{set_id}").get_data(as_text=True)
        login.logout()


def _students(school, count, prefix="s"):
    return [factories.UserFactory(username=f"{prefix}{n:02d}", role="student", school=school, grade=8)
            for n in range(count)]


def test_rates_follow_the_five_student_rule(package, teacher, school):
    items = _items(package)
    for student in _students(school, 5):
        services.answer_item(student, items[0].id, "1")
    for student in _students(school, 4, "t"):
        services.answer_item(student, items[1].id, ["0"])
    rates = services.item_rates(teacher, _set(package), school.id)
    assert (rates[0].students, rates[0].correct_rate) == (5, 1.0)
    assert (rates[1].students, rates[1].correct_rate) == ("<5", "<5")
    assert (rates[2].students, rates[2].correct_rate) == ("<5", "<5")


def test_only_a_students_first_attempt_counts(package, teacher, school):
    item = _items(package)[0]
    students = _students(school, 5)
    for student in students:
        services.answer_item(student, item.id, "0")
        services.answer_item(student, item.id, "1")
    assert services.item_rates(teacher, _set(package), school.id)[0].correct_rate == 0.0


def test_another_schools_teacher_sees_none_of_this_schools_attempts(package, school, other_school):
    far_teacher = factories.UserFactory(username="tea9", role="teacher", school=other_school)
    for student in _students(school, 6):
        services.answer_item(student, _items(package)[0].id, "1")
    with pytest.raises(services.ExerciseForbidden):
        services.item_rates(far_teacher, _set(package), school.id)
    assert services.item_rates(far_teacher, _set(package), other_school.id)[0].students == "<5"


def test_students_see_no_rates(client, login, package, student):
    login(student)
    assert client.get(f"/exercises/{_set(package).id}/rates").status_code == 403
    assert client.get(f"/api/v1/exercise-sets/{_set(package).id}/rates").status_code == 403
    # A missing set is refused alike: the refusal tells nothing of which ids exist.
    assert client.get("/exercises/987654/rates").status_code == 403
    assert client.get("/api/v1/exercise-sets/987654/rates").status_code == 403


def test_the_rates_page_says_too_few_in_words(client, login, package, teacher, student):
    services.answer_item(student, _items(package)[0].id, "1")
    login(teacher)
    page = client.get(f"/exercises/{_set(package).id}/rates").get_data(as_text=True)
    assert "人数不足 5 人" in page and "合计" not in page.split("</p>")[-1]


def test_staff_search_published_items_to_reuse(client, login, package, teacher, student):
    draft_package(teacher, title="未发布的草稿")
    login(teacher)
    found = client.get("/api/v1/exercises/search?q=勾股定理").get_json()
    assert found["total"] == 1 and found["results"][0]["source"].startswith("### 判断")
    assert client.get("/api/v1/exercises/search?q=直角三角形&kind=multiple").get_json()["total"] == 1
    assert "### 判断" in client.get("/exercises/search?q=勾股定理").get_data(as_text=True)
    login.logout()
    login(student)
    assert client.get("/api/v1/exercises/search?q=勾股定理").status_code == 403
    assert client.get("/exercises/search?q=勾股定理").status_code == 403


@pytest.mark.parametrize("query", ["kind=essay", "grade=十三年级", "subject=炼金术", "q=" + "x" * 201,
                                   "page=0"])
def test_bad_exercise_search_input_is_400(client, login, teacher, query):
    login(teacher)
    assert client.get(f"/api/v1/exercises/search?{query}").status_code == 400
    assert client.get(f"/exercises/search?{query}").status_code == 400


@pytest.mark.parametrize("body", [None, [], {"x": 1}, {"answer": {"a": 1}}])
def test_bad_answer_bodies_are_422(client, package, body):
    item = _items(package)[0]
    response = client.post(f"/api/v1/exercise-items/{item.id}/answer", json=body)
    assert response.status_code == 422 and response.get_json()["error"]["message"]


@pytest.mark.parametrize("path", ["/exercises/2147483648", "/api/v1/exercise-sets/0",
                                  "/api/v1/exercise-items/99/answer"])
def test_missing_sets_and_items_are_404(client, path):
    method = "POST" if path.endswith("answer") else "GET"
    assert client.open(path, method=method, json={"answer": 1}).status_code == 404
