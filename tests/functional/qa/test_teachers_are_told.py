"""Teachers are told (issue 12, item 2): the 待答 and 求助提醒 counts, one inbox notice per
question entering a queue, and e-mail for those who switched it on: one digest per service
evening, urgent alerts at once, nothing else outside service hours."""

from datetime import datetime

import pytest
from sqlalchemy import select

from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from hplearn.notifications import outbox
from hplearn.notifications import services as notifications
from hplearn.notifications.models import Notification, OutboxMail
from hplearn.qa import moderation, services
from hplearn.timeutil import LOCAL_TZ
from tests import factories
from tests.qa_fixtures import ask

# Wednesday 2 December 2026, an ordinary service day; 国庆节 2026 is a public holiday.
EVENING = datetime(2026, 12, 2, 18, 0, tzinfo=LOCAL_TZ)
NEXT_EVENING = datetime(2026, 12, 3, 18, 0, tzinfo=LOCAL_TZ)
LATE_NIGHT = datetime(2026, 12, 2, 23, 0, tzinfo=LOCAL_TZ)
HOLIDAY_EVENING = datetime(2026, 10, 1, 18, 0, tzinfo=LOCAL_TZ)
CRISIS_TITLE = "我不想活了，没人理我"


def _notes(user, kind=None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def _outbox() -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def _mail_on(user, address):
    notifications.set_mail_settings(user, address, True)


# --- The counts -------------------------------------------------------------------------------


def test_queue_count_is_the_queue_for_each_teacher(student, teacher, second_teacher, chinese_teacher,
                                                   primary_maths_teacher, other_school_teacher):
    for n in range(3):
        ask(student, title=f"一元一次方程第 {n} 题怎么解？")
    ask(student, title="这首古诗是什么意思？", subject="语文")
    expected = {teacher: 3, second_teacher: 3, chinese_teacher: 1, primary_maths_teacher: 0,
                other_school_teacher: 0}
    for user, count in expected.items():
        assert services.queue_count(user) == len(services.teacher_queue(user)) == count, user
    services.claim_question(services.teacher_queue(teacher)[0].id, teacher)
    assert services.queue_count(teacher) == services.queue_count(second_teacher) == 2
    assert services.queue_count(student) == 0


def test_the_nav_shows_the_count_with_words_for_screen_readers(client, login, student, teacher):
    ask(student)
    ask(student, title="二元一次方程组怎么消元？")
    login(teacher)
    page = client.get("/qa/queue").get_data(as_text=True)
    assert 'aria-label="待答，2 个问题"' in page
    assert '<span class="count-badge" aria-hidden="true">2</span>' in page


def test_the_badge_stops_counting_past_its_maximum(client, login, student, teacher, monkeypatch):
    import hplearn.qa

    for n in range(3):
        ask(student, title=f"一元一次方程第 {n} 题怎么解？")
    assert services.queue_count(teacher, cap=2) == 2 and services.queue_count(teacher) == 3
    monkeypatch.setattr(hplearn.qa, "BADGE_MAX", 2)
    login(teacher)
    page = client.get("/qa/queue").get_data(as_text=True)
    assert 'aria-label="待答，2+ 个问题"' in page
    assert '<span class="count-badge" aria-hidden="true">2+</span>' in page
    assert client.get("/api/v1/qa/counts").get_json()["queue"] == 3  # the API counts them all


def test_no_badge_when_nothing_waits(client, login, teacher):
    login(teacher)
    page = client.get("/qa/queue").get_data(as_text=True)
    assert ">待答</a>" in page and "待答，" not in page


def test_alert_count_for_counsellors_and_admins_until_confirmed(client, login, student, teacher,
                                                                counsellor, school_admin,
                                                                district_counsellor):
    question = ask(student, title=CRISIS_TITLE)
    assert moderation.open_alert_count(counsellor) == 1
    assert moderation.open_alert_count(school_admin) == 1
    assert moderation.open_alert_count(district_counsellor) == 0  # another school's, not escalated
    assert moderation.open_alert_count(teacher) == 0
    assert moderation.open_alert_count(student) == 0
    for user in (counsellor, school_admin, district_counsellor):
        assert moderation.open_alert_count(user) == len(moderation.alerts_for(user)), user
    login(counsellor)
    assert 'aria-label="求助提醒，1 条未确认"' in client.get("/qa/alerts").get_data(as_text=True)
    [alert] = moderation.alerts_for(counsellor)
    moderation.acknowledge_alert(alert.id, counsellor)
    assert moderation.open_alert_count(counsellor) == 0
    assert question.id == alert.question_id


def test_counts_api(client, login, student, teacher, counsellor):
    ask(student)
    login(teacher)
    assert client.get("/api/v1/qa/counts").get_json() == {"queue": 1, "alerts": None}
    login.logout()
    ask(student, title=CRISIS_TITLE)
    login(counsellor)
    assert client.get("/api/v1/qa/counts").get_json() == {"queue": 1, "alerts": 1}


def test_students_and_visitors_get_no_counts(client, login, student):
    assert client.get("/api/v1/qa/counts").status_code == 401
    login(student)
    response = client.get("/api/v1/qa/counts")
    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == "只有老师和管理员可以查看待答数量。"


# --- The inbox --------------------------------------------------------------------------------


def test_each_routed_teacher_is_told_once(student, teacher, second_teacher, chinese_teacher,
                                          other_school_teacher):
    question = ask(student, now=EVENING)
    for user in (teacher, second_teacher):
        [note] = _notes(user)
        assert (note.kind, note.link) == ("new_question", f"/qa/{question.id}")
        assert "一元一次方程" in note.message
    assert _notes(chinese_teacher) == [] and _notes(other_school_teacher) == []
    services.run_maintenance(question.due_at.replace(minute=question.due_at.minute + 1))
    db.session.refresh(question)
    assert question.is_escalated
    assert len(_notes(teacher)) == 1  # escalation tells only those not yet told
    [escalated] = _notes(other_school_teacher)
    assert escalated.kind == "escalated"


def test_private_question_notice_has_no_title(student, teacher):
    ask(student, title="我的作文总写不好怎么办", subject="数学", private=True)
    [note] = _notes(teacher)
    assert "作文" not in note.message and note.link == "/qa/queue"


def test_held_question_is_told_when_released(student, teacher, school_admin):
    held = ask(student, title="同学们都在玩赌博游戏吗")
    assert _notes(teacher) == []
    moderation.release_held(held.id, school_admin, "是在问防范知识")
    assert [n.kind for n in _notes(teacher)] == ["new_question"]


def test_crisis_questions_are_told_by_their_alert_only(student, teacher, counsellor):
    ask(student, title=CRISIS_TITLE)
    assert [n.kind for n in _notes(counsellor)] == ["urgent_alert"]
    assert _notes(teacher) == []


def test_a_followup_tells_the_answering_teacher(answered_question, student, teacher, second_teacher):
    services.add_followup(answered_question.id, student, "还有一个地方不懂")
    assert _notes(teacher, "followup")[0].topic == f"question:{answered_question.id}"
    assert services.queue_count(teacher) == 1 and services.queue_count(second_teacher) == 0


# --- E-mail -----------------------------------------------------------------------------------


def test_one_digest_per_service_evening_for_opted_in_teachers(smtp_stub, student, teacher,
                                                              second_teacher):
    _mail_on(teacher, "tea1@example.org")
    notifications.set_mail_settings(second_teacher, "tea2@example.org", False)  # not switched on
    first = ask(student, now=EVENING)
    ask(student, title="我的分数比较题不会做", now=EVENING, private=True)
    assert _outbox() == []  # a new question is not mailed one by one
    assert services.send_digests(EVENING) == "1 digests queued"
    [row] = _outbox()
    assert row.recipient == "tea1@example.org"
    assert row.subject == "和平学习：2 个新问题待答"
    assert f"https://hp.example/qa/{first.id}" in row.body and "一元一次方程" in row.body
    assert "一个数学私密问题" in row.body and "分数比较" not in row.body
    assert "stu1" not in row.body
    ask(student, title="三角形内角和为什么是180度", now=EVENING)
    assert services.send_digests(EVENING.replace(hour=19)) == "0 digests queued"  # once an evening
    assert len(_outbox()) == 1
    assert services.send_digests(NEXT_EVENING) == "1 digests queued"
    latest = _outbox()[-1]
    assert "三角形" in latest.body and "一元一次方程" not in latest.body  # only what is new
    assert outbox.send_due() == "2 sent, 0 failed"
    assert len(smtp_stub.messages) == 2


@pytest.mark.parametrize("moment", [LATE_NIGHT, HOLIDAY_EVENING, EVENING.replace(hour=9)],
                         ids=["23:00", "national-day", "morning"])
def test_no_digest_outside_service_hours(smtp_stub, student, teacher, moment):
    _mail_on(teacher, "tea1@example.org")
    ask(student, now=EVENING)
    assert services.send_digests(moment) == "0 digests queued"
    assert _outbox() == []


def test_no_digest_for_a_question_already_taken(smtp_stub, student, teacher, second_teacher):
    _mail_on(teacher, "tea1@example.org")
    question = ask(student, now=EVENING)
    services.claim_question(question.id, second_teacher)
    assert services.send_digests(EVENING) == "0 digests queued"


def test_urgent_alert_is_mailed_at_once_at_night(smtp_stub, student, counsellor, teacher):
    _mail_on(counsellor, "xinli1@example.org")
    _mail_on(teacher, "tea1@example.org")
    ask(student, title=CRISIS_TITLE, body="每天晚上都睡不着", now=LATE_NIGHT)
    [row] = _outbox()
    assert row.recipient == "xinli1@example.org" and row.subject == "和平学习：紧急求助"
    assert "不想活" not in row.body and "睡不着" not in row.body and "stu1" not in row.body
    assert outbox.send_due() == "1 sent, 0 failed"


def test_opted_out_counsellor_gets_no_mail(smtp_stub, student, counsellor):
    notifications.set_mail_settings(counsellor, "xinli1@example.org", False)
    ask(student, title=CRISIS_TITLE, now=LATE_NIGHT)
    assert _outbox() == []
    assert [n.kind for n in _notes(counsellor)] == ["urgent_alert"]


def test_without_mail_server_no_digest(app, student, teacher):
    _mail_on(teacher, "tea1@example.org")
    ask(student, now=EVENING)
    assert services.send_digests(EVENING).startswith("mail not configured")


# --- The mail settings ------------------------------------------------------------------------


def test_settings_page_from_the_inbox(client, login, teacher):
    login(teacher)
    assert "/notifications/settings" in client.get("/notifications/").get_data(as_text=True)
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "接收邮件通知" in page and 'checked' not in page  # off by default
    client.post("/notifications/email", data={"email": "tea1@example.org", "enabled": "y"})
    assert notifications.mail_enabled(teacher)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "notification.mail_on"))
    assert entry.actor_id == teacher.id
    client.post("/notifications/email", data={"email": "tea1@example.org"})
    assert not notifications.mail_enabled(teacher)
    assert notifications.email_address(teacher) == "tea1@example.org"


def test_students_have_no_settings_page(client, login, student):
    login(student)
    assert client.get("/notifications/settings").status_code == 403


def test_mail_settings_api(client, login, teacher):
    login(teacher)
    assert client.get("/api/v1/notifications/settings").get_json() == {"email": "", "enabled": False}
    response = client.put("/api/v1/notifications/settings",
                          json={"email": "tea1@example.org", "enabled": True})
    assert response.get_json() == {"email": "tea1@example.org", "enabled": True}
    assert notifications.mail_enabled(teacher)


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"email": "", "enabled": True}, 422, "请先填写邮箱地址，再打开邮件通知。"),
    ({"email": "not-an-address", "enabled": False}, 422, "邮箱地址格式不正确，例如 name@example.com。"),
    ({"email": "tea1@example.org", "enabled": "yes"}, 400, "enabled 必须是 true 或 false。"),
    ({"email": 5, "enabled": True}, 400, "email 必须是字符串（留空表示不保存邮箱）。"),
    (["email"], 400, "请求体必须是 JSON 对象。"),
])
def test_mail_settings_api_refuses_bad_input(client, login, teacher, body, status, message):
    login(teacher)
    response = client.put("/api/v1/notifications/settings", json=body)
    assert response.status_code == status
    assert response.get_json()["error"]["message"] == message
    assert not notifications.mail_enabled(teacher)


def test_students_and_parents_cannot_use_the_mail_settings_api(client, login, student):
    login(student)
    assert client.get("/api/v1/notifications/settings").status_code == 403
    response = client.put("/api/v1/notifications/settings",
                          json={"email": "kid@example.com", "enabled": True})
    assert response.status_code == 403
    assert notifications.email_address(student) == ""


def test_a_school_admin_may_opt_in(school):
    admin = factories.UserFactory(role="school_admin", school=school)
    _mail_on(admin, "admin@example.org")
    assert notifications.mail_enabled(admin)
