"""The inbox, the unread count in the header, and email through a local SMTP stub."""

import pytest
from sqlalchemy import func, select

from hplearn.extensions import db
from hplearn.notifications import outbox
from hplearn.notifications import services as notifications
from hplearn.notifications.models import Notification, OutboxMail
from hplearn.qa import services
from tests.factories import UserFactory


def test_header_shows_unread_count_and_inbox_marks_read(client, login, student, answered_question):
    login(student)
    page = client.get("/").get_data(as_text=True)
    assert 'aria-label="1 条未读"' in page
    inbox = client.get("/notifications/").get_data(as_text=True)
    assert "有老师回答了" in inbox
    note = db.session.scalar(select(Notification).where(Notification.user_id == student.id))
    response = client.post(f"/notifications/{note.id}/open")
    assert response.headers["Location"].endswith(f"/qa/{answered_question.id}")
    assert "条未读" not in client.get("/").get_data(as_text=True)


def test_cannot_open_someone_elses_notification(client, login, classmate, answered_question):
    note = db.session.scalar(select(Notification))
    login(classmate)
    assert client.post(f"/notifications/{note.id}/open").status_code == 404
    db.session.refresh(note)
    assert note.read_at is None


def test_mark_all_read(client, login, student, answered_question):
    login(student)
    client.post("/notifications/read")
    assert notifications.unread_count(student) == 0


def test_students_cannot_store_an_email_address(client, login, student):
    login(student)
    client.post("/notifications/email", data={"email": "kid@example.com", "enabled": "y"})
    assert notifications.email_address(student) == ""
    with pytest.raises(notifications.NotificationError):
        notifications.set_mail_settings(student, "kid@example.com", True)


def test_bad_email_is_refused(teacher):
    with pytest.raises(notifications.NotificationError):
        notifications.set_mail_settings(teacher, "not-an-address", True)


def test_a_notice_is_emailed_to_staff_who_switched_mail_on(smtp_stub, school, teacher):
    admin = UserFactory(role="school_admin", school=school)
    notifications.set_mail_settings(admin, "admin1@example.org", True)
    notifications.notify([admin], "moderation", "问题被举报，请处理。", "/qa/moderation")
    db.session.commit()
    assert smtp_stub.messages == []  # nothing is sent from the request: the worker sends it
    assert outbox.send_due() == "1 sent, 0 failed"
    message = smtp_stub.messages[0].decode()
    assert "admin1@example.org" in message
    assert "https://hp.example/qa/moderation" in message


def test_an_address_without_the_switch_gets_no_mail(smtp_stub, teacher):
    notifications.set_mail_settings(teacher, "tea1@example.org", False)
    notifications.notify([teacher], "moderation", "测试", "/qa/1")
    db.session.commit()
    assert outbox.send_due() == "0 sent, 0 failed"
    assert notifications.email_address(teacher) == "tea1@example.org"


def test_a_followup_waits_for_the_evening_digest(smtp_stub, answered_question, student, teacher):
    notifications.set_mail_settings(teacher, "tea1@example.org", True)
    services.add_followup(answered_question.id, student, "还有一个地方不懂")
    assert outbox.send_due() == "0 sent, 0 failed"  # no mail one by one: the digest lists it
    assert notifications.unread_count(teacher) >= 1


def test_no_email_without_an_address_or_after_a_rollback(smtp_stub, app, teacher):
    notifications.notify([teacher], "moderation", "测试", "/qa/1")
    db.session.commit()
    notifications.set_mail_settings(teacher, "tea1@example.org", True)
    notifications.notify([teacher], "moderation", "回滚的通知", "/qa/1")
    db.session.rollback()
    assert outbox.send_due() == "0 sent, 0 failed"
    assert smtp_stub.messages == []


def test_without_mail_server_nothing_is_sent(app, teacher, student):
    notifications.set_mail_settings(teacher, "tea1@example.org", True)
    assert app.config.get("MAIL_SERVER") is None
    notifications.notify([teacher], "moderation", "测试", "/qa/1")
    db.session.commit()
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 0


def test_urgent_alert_reaches_counsellors_and_admins(student, school):
    counsellor = UserFactory(role="teacher", school=school, is_counsellor=True)
    admin = UserFactory(role="school_admin", school=school)
    services.ask_question(student, title="我不想活了", body="", subject="语文")
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    assert {(counsellor.id, "urgent_alert"), (admin.id, "urgent_alert")} <= kinds
