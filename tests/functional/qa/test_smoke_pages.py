"""Every Q&A page renders for the people it is for."""

import pytest


@pytest.mark.parametrize("path", ["/qa/", "/qa/ask", "/qa/?mine=1", "/notifications/"])
def test_student_pages_render(client, login, student, path):
    login(student)
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]


def test_teacher_pages_render(client, login, teacher, answered_question):
    login(teacher)
    for path in ("/qa/queue", f"/qa/{answered_question.id}", "/notifications/"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:2000])


def test_admin_pages_render(client, login, school_admin, answered_question):
    login(school_admin)
    for path in ("/qa/moderation", "/qa/alerts", "/qa/alerts?all=1",
                 f"/qa/{answered_question.id}"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:2000])
