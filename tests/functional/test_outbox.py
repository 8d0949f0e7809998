"""The mail outbox: written with its cause, sent by the worker, retried, never lost on restart."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hplearn.app import create_app
from hplearn.extensions import db
from hplearn.notifications import outbox
from hplearn.notifications import services as notifications
from hplearn.notifications.models import Notification, OutboxMail
from hplearn.timeutil import utcnow
from tests.conftest import make_test_config
from tests.services import free_port


@pytest.fixture
def addressed_teacher(teacher):
    notifications.set_mail_settings(teacher, "tea1@example.org", True)
    return teacher


def _rows() -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def test_the_email_is_saved_by_the_commit_of_its_notification(smtp_stub, addressed_teacher):
    notifications.notify([addressed_teacher], "moderation", "有一个问题待认领", "/qa/7")
    assert smtp_stub.messages == []
    db.session.commit()
    [row] = _rows()
    assert (row.recipient, row.subject, row.sent_at) == ("tea1@example.org", "和平学习：内容审核",
                                                         None)
    assert "https://hp.example/qa/7" in row.body
    assert smtp_stub.messages == []  # nothing leaves before the worker sends it
    assert outbox.send_due() == "1 sent, 0 failed"
    assert b"tea1@example.org" in smtp_stub.messages[0]
    [row] = _rows()
    assert row.sent_at is not None and row.next_attempt_at is None and row.attempts == 1
    assert outbox.send_due() == "0 sent, 0 failed"  # sent once only
    assert len(smtp_stub.messages) == 1


def test_a_rollback_takes_the_email_with_the_notification(smtp_stub, addressed_teacher):
    notifications.notify([addressed_teacher], "moderation", "回滚的通知", "/qa/1")
    db.session.flush()
    assert len(_rows()) == 1  # in the transaction …
    db.session.rollback()
    assert _rows() == []  # … and gone with it
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    assert outbox.send_due() == "0 sent, 0 failed"
    assert smtp_stub.messages == []


def test_a_refused_email_is_retried_with_back_off_then_sent(smtp_stub, addressed_teacher, caplog):
    smtp_stub.refuse = 2
    notifications.notify([addressed_teacher], "moderation", "重试的通知", "/qa/2")
    db.session.commit()
    start = utcnow()
    assert outbox.send_due(start) == "0 sent, 1 failed"
    [row] = _rows()
    assert row.attempts == 1 and "451" in row.last_error
    assert row.next_attempt_at == start + timedelta(seconds=60)
    assert "failed (attempt 1 of 8)" in caplog.text
    assert outbox.send_due(start + timedelta(seconds=59)) == "0 sent, 0 failed"  # not yet due
    assert outbox.send_due(start + timedelta(seconds=60)) == "0 sent, 1 failed"
    [row] = _rows()
    assert row.next_attempt_at == start + timedelta(seconds=60 + 120)  # twice as long
    assert outbox.send_due(start + timedelta(seconds=180)) == "1 sent, 0 failed"
    [row] = _rows()
    assert row.attempts == 3 and row.sent_at is not None and row.last_error == ""
    assert len(smtp_stub.messages) == 1


def test_an_email_is_given_up_after_the_last_attempt(app, addressed_teacher, caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=2)
    notifications.notify([addressed_teacher], "moderation", "发不出去的通知", "/qa/3")
    db.session.commit()
    start = utcnow()
    assert outbox.send_due(start) == "0 sent, 1 failed"
    assert outbox.send_due(start + timedelta(hours=1)) == "0 sent, 1 failed"
    [row] = _rows()
    assert row.attempts == 2 and row.next_attempt_at is None and row.sent_at is None
    assert "ConnectionRefusedError" in row.last_error
    assert "given up after 2 attempts" in caplog.text
    assert outbox.send_due(start + timedelta(days=1)) == "0 sent, 0 failed"
    assert outbox.pending_count() == 0


def test_the_wait_doubles_and_is_capped():
    assert [outbox.retry_delay(n, 60).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert outbox.retry_delay(30, 60) == outbox.LONGEST_WAIT


def test_without_mail_settings_the_outbox_keeps_its_rows(app, smtp_stub, addressed_teacher):
    notifications.notify([addressed_teacher], "moderation", "稍后发送", "/qa/4")
    db.session.commit()
    app.config["MAIL_SERVER"] = None
    assert "nothing sent" in outbox.send_due()
    assert outbox.pending_count() == 1


def test_an_email_claimed_by_another_sender_is_not_sent_twice(smtp_stub, addressed_teacher):
    notifications.notify([addressed_teacher], "moderation", "只发一次", "/qa/5")
    db.session.commit()
    [row] = _rows()
    now = utcnow()
    assert outbox._claim(row.id, now)
    assert not outbox._claim(row.id, now)  # the second sender finds it taken
    assert outbox.send_due(now) == "0 sent, 0 failed"


def test_a_restart_loses_no_email(app, tmp_path, smtp_stub, addressed_teacher):
    """Unsent rows wait in the table: a new process (a new app on the same database) sends them,
    and so does one after a sender died between claiming a row and sending it."""
    for n in range(3):
        notifications.notify([addressed_teacher], "moderation", f"重启前的通知 {n}", "/qa/6")
    db.session.commit()
    died_holding = _rows()[0].id
    assert outbox._claim(died_holding, utcnow())  # …and the process dies here
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    restarted = create_app(make_test_config(
        tmp_path / "after-restart", DATABASE_URL=url, MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_stub.port, MAIL_SENDER="hplearn@example.org"))
    with restarted.app_context():
        assert outbox.pending_count() == 3
        assert outbox.send_due() == "2 sent, 0 failed"
        assert outbox.send_due(utcnow() + outbox.LEASE) == "1 sent, 0 failed"
        assert outbox.pending_count() == 0
        db.session.remove()
        db.engine.dispose()
    assert len(smtp_stub.messages) == 3


def test_sent_emails_are_removed_after_a_month(smtp_stub, addressed_teacher):
    notifications.notify([addressed_teacher], "moderation", "旧邮件", "/qa/8")
    db.session.commit()
    outbox.send_due()
    assert "1 old sent emails removed" in outbox.send_due(utcnow() + timedelta(days=31))
    assert _rows() == []
