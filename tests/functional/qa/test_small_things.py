"""Small things users saw (issue 12): 王老师老师, the school admin's backlog by subject, the
subject list in the national order with the common subjects first."""

import re
from datetime import timedelta
from html import unescape

from hplearn.qa import services
from hplearn.timeutil import utcnow
from hplearn.vocab import SUBJECTS, SUBJECTS_IN_ORDER, subject_order, teacher_title
from tests import factories
from tests.qa_fixtures import ask


def test_a_display_name_ending_in_laoshi_is_not_doubled():
    assert teacher_title("王老师") == "王老师"
    assert teacher_title("王芳") == "王芳老师"


def test_the_answer_page_names_the_teacher_once(client, login, student, school):
    teacher = factories.UserFactory(username="tea_w", role="teacher", school=school,
                                    display_name="王老师", subjects=["数学"], grades=[7])
    question = ask(student)
    services.claim_question(question.id, teacher)
    login(student)
    page = client.get(f"/qa/{question.id}").get_data(as_text=True)
    assert "王老师正在解答" in page and "老师老师" not in page
    services.answer_question(question.id, teacher, "先通分。")
    page = client.get(f"/qa/{question.id}").get_data(as_text=True)
    assert "<strong>王老师</strong>" in page and "老师老师" not in page


def test_the_subject_list_puts_common_subjects_first_and_keeps_every_subject():
    assert SUBJECTS_IN_ORDER[:3] == ("语文", "数学", "英语")
    assert sorted(SUBJECTS_IN_ORDER) == sorted(SUBJECTS)
    assert subject_order("道德与法治") < subject_order("物理") < subject_order("生活适应")
    assert subject_order("火星语") > subject_order("书法")


def test_the_ask_form_lists_subjects_in_that_order(client, login, student):
    login(student)
    page = client.get("/qa/ask").get_data(as_text=True)
    listed = re.findall(r'<option value="([^"]+)"', page.split('name="subject"')[1])
    assert listed[:4] == ["语文", "数学", "英语", "道德与法治"]


def test_the_school_dashboard_lists_unanswered_and_overdue_by_subject(
        app, client, login, student, school_admin, other_school_student, teacher):
    now = utcnow()
    ask(student, subject="数学", now=now - timedelta(days=10))  # overdue
    ask(student, title="作文开头怎么写才吸引人？", subject="语文", now=now)
    ask(student, title="现在进行时怎么用？", subject="英语", now=now - timedelta(days=10))
    answered = ask(student, title="已经回答的问题怎么办？", subject="数学", now=now)
    services.claim_question(answered.id, teacher)
    services.answer_question(answered.id, teacher, "已经回答了。")
    ask(other_school_student, title="别的学校的问题是什么？", subject="化学", now=now)
    assert [(row.subject, row.unanswered, row.overdue)
            for row in services.backlog_by_subject(student.school_id, now)] == [
        ("语文", 1, 0), ("数学", 1, 1), ("英语", 1, 1)]
    login(school_admin)
    page = unescape(client.get("/stats/").get_data(as_text=True))
    section = page.split("现在待回复的问题")[1].split("</table>")[0]
    assert section.index("语文") < section.index("数学") < section.index("英语")
    assert "化学" not in section
