"""/qa/word-lists: district admins add and remove moderation words; the board uses them at once."""

import pytest
from sqlalchemy import select

from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from hplearn.qa import services, wordlists
from hplearn.qa.models import ModerationWord


def _ask(student, title):
    return services.ask_question(student, title=title, body="", subject="数学", grade=7,
                                 anonymous=False, private=False)


def _add(client, word, list_name="sensitive"):
    return client.post("/qa/word-lists", data={"list_name": list_name, "word": word})


def test_a_word_added_in_the_web_ui_holds_questions_at_once(client, login, district_admin, student):
    assert _ask(student, "班里有人玩氪金游戏").status == "open"
    login(district_admin)
    response = _add(client, " 氪金 ")
    assert response.status_code == 302
    assert "已把“氪金”加入" in client.get("/qa/word-lists").get_data(as_text=True)
    assert _ask(student, "班里有人玩氪 金游戏怎么办").status == "held"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "wordlist.add"))
    assert entry.actor_id == district_admin.id and entry.details["word"] == "氪金"


def test_a_distress_word_added_sends_questions_to_the_counsellors(client, login, district_admin,
                                                                  student, counsellor):
    login(district_admin)
    _add(client, "活着好累", list_name="distress")
    question = _ask(student, "我觉得活着好累")
    assert question.mental_health and question.private and question.urgent


def test_removing_a_word_frees_new_questions_and_is_audited(client, login, district_admin, student):
    login(district_admin)
    _add(client, "氪金")
    entry_id = db.session.scalar(select(ModerationWord.id))
    assert client.post(f"/qa/word-lists/{entry_id}/delete").status_code == 302
    assert _ask(student, "班里有人玩氪金游戏").status == "open"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "wordlist.remove"))
    assert client.post(f"/qa/word-lists/{entry_id}/delete").status_code == 404


@pytest.mark.parametrize(("word", "message"), [
    ("", "请填写"), ("赌博", "已经在词表里"), ("x", "太短"), ("词" * 41, "不能超过 40"),
    ("坏#词", "不能有 #"), ("坏\u200b词", "控制字符"),
])
def test_bad_words_are_refused_with_a_reason(client, login, district_admin, word, message):
    login(district_admin)
    _add(client, word)
    assert message in client.get("/qa/word-lists").get_data(as_text=True)
    assert db.session.scalar(select(ModerationWord)) is None


def test_a_duplicate_of_an_added_word_is_refused(client, login, district_admin):
    login(district_admin)
    _add(client, "氪金")
    _add(client, "氪金")
    assert len(db.session.scalars(select(ModerationWord)).all()) == 1


def test_an_unknown_list_is_refused(client, login, district_admin):
    login(district_admin)
    _add(client, "氪金", list_name="everything")
    assert "没有这个词表" in client.get("/qa/word-lists").get_data(as_text=True)


def test_school_admins_read_the_lists_but_cannot_change_them(client, login, school_admin,
                                                             district_admin):
    login(district_admin)
    _add(client, "氪金")
    entry = db.session.scalar(select(ModerationWord))
    login.logout()
    login(school_admin)
    page = client.get("/qa/word-lists").get_data(as_text=True)
    assert "氪金" in page and "赌博" in page and 'name="word"' not in page
    assert _add(client, "别的词").status_code == 403
    assert client.post(f"/qa/word-lists/{entry.id}/delete").status_code == 403
    assert db.session.scalar(select(ModerationWord.word)) == "氪金"


@pytest.mark.parametrize("role_fixture", ["student", "teacher"])
def test_students_and_teachers_never_see_the_lists(client, login, request, role_fixture):
    login(request.getfixturevalue(role_fixture))
    assert client.get("/qa/word-lists").status_code == 403
    assert _add(client, "氪金").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get("/qa/word-lists").status_code == 302


def test_the_service_refuses_non_district_actors(school_admin):
    with pytest.raises(services.NotAllowed):
        wordlists.add_word(school_admin, "sensitive", "氪金")


def test_a_safeguarding_word_added_sends_questions_to_the_safeguarding_lane(client, login,
                                                                          district_admin, student):
    login(district_admin)
    assert _add(client, "被锁在门外", list_name="safeguarding").status_code == 302
    question = _ask(student, "我经常被 锁在门外")
    assert question.safeguarding and question.private and question.urgent
