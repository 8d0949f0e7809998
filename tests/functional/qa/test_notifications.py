"""The inbox, the unread count in the header, and email through a local SMTP stub."""

import socketserver
import threading
import time

import pytest
from sqlalchemy import select

from hplearn.extensions import db
from hplearn.notifications import services as notifications
from hplearn.notifications.models import Notification
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
    client.post("/notifications/email", data={"email": "kid@example.com"})
    assert notifications.email_address(student) == ""
    with pytest.raises(notifications.NotificationError):
        notifications.set_email_address(student, "kid@example.com")


def test_bad_email_is_refused(teacher):
    with pytest.raises(notifications.NotificationError):
        notifications.set_email_address(teacher, "not-an-address")


class _SMTPStub(socketserver.ThreadingTCPServer):
    """A tiny SMTP server on loopback that keeps the messages it receives."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.messages: list[bytes] = []


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 stub")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.strip().split(b" ")[0].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250 stub")
            elif verb == b"DATA":
                self.reply("354 go on")
                data = []
                for body_line in iter(self.rfile.readline, b""):
                    if body_line in (b".\r\n", b".\n"):
                        break
                    data.append(body_line)
                self.server.messages.append(b"".join(data))
                self.reply("250 queued")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_stub(app):
    server = _SMTPStub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.server_address[1],
                      MAIL_SENDER="hplearn@example.org", SITE_URL="https://hp.example")
    yield server
    server.shutdown()
    server.server_close()


def wait_for(predicate, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_followup_is_emailed_to_a_teacher_with_an_address(smtp_stub, answered_question, student,
                                                          teacher):
    notifications.set_email_address(teacher, "tea1@example.org")
    services.add_followup(answered_question.id, student, "还有一个地方不懂")
    assert wait_for(lambda: smtp_stub.messages)
    message = smtp_stub.messages[0].decode()
    assert "tea1@example.org" in message
    assert f"https://hp.example/qa/{answered_question.id}" in message


def test_no_email_without_an_address_or_after_a_rollback(smtp_stub, app, teacher):
    notifications.notify([teacher], "escalated", "测试", "/qa/1")
    db.session.commit()
    notifications.set_email_address(teacher, "tea1@example.org")
    notifications.notify([teacher], "escalated", "回滚的通知", "/qa/1")
    db.session.rollback()
    time.sleep(0.5)
    assert smtp_stub.messages == []


def test_without_mail_server_nothing_is_sent(app, teacher, student):
    notifications.set_email_address(teacher, "tea1@example.org")
    assert app.config.get("MAIL_SERVER") is None
    notifications.notify([teacher], "escalated", "测试", "/qa/1")
    assert db.session.info.get("pending_mail") is None
    db.session.commit()


def test_urgent_alert_reaches_counsellors_and_admins(student, school):
    counsellor = UserFactory(role="teacher", school=school, is_counsellor=True)
    admin = UserFactory(role="school_admin", school=school)
    services.ask_question(student, title="我不想活了", body="", subject="语文")
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    assert {(counsellor.id, "urgent_alert"), (admin.id, "urgent_alert")} <= kinds
