"""Capacity holds under simultaneous sign-ups, withdrawals and waitlist moves (SQLite and
PostgreSQL): each thread has its own app context and database session, as requests do."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from hplearn.accounts.models import User
from hplearn.afterschool import services
from hplearn.afterschool.models import Enrolment, Programme
from hplearn.extensions import db
from tests import factories
from tests.afterschool_fixtures import TERM, compliant_guide

pytestmark = pytest.mark.slow


def _in_threads(app, work, ids):
    barrier = threading.Barrier(len(ids))
    outcomes: list[str] = []

    def run(item):
        with app.app_context():
            db.session.close()
            try:
                barrier.wait(timeout=120)
                outcomes.append(work(item))
            except Exception as error:  # noqa: BLE001 - any failure is what we look for
                outcomes.append(f"error: {type(error).__name__}: {error}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(item,)) for item in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return outcomes


@pytest.fixture
def open_second_round(app):
    """An allocated guide whose 补报 round is open: sign-ups take seats at once."""
    school = factories.SchoolFactory(code="hp020", stage="初中")
    admin = factories.UserFactory(username="cc_admin", role="school_admin", school=school)
    teacher = factories.UserFactory(username="cc_teacher", role="teacher", school=school)
    care, _, _ = compliant_guide(admin, school, teacher, capacity=30)
    services.close_signup(admin, school, TERM)
    services.allocate(admin, school, TERM, seed=1)
    today = services.today()
    services.publish(admin, school, TERM, signup_opens=today, signup_closes=today + timedelta(days=3))
    students = [factories.UserFactory(role="student", school=school, grade=8).id for _ in range(200)]
    return care.id, students


def test_two_hundred_simultaneous_signups_never_exceed_capacity(app, open_second_round):
    programme_id, students = open_second_round

    def sign_up(student_id):
        student = db.session.get(User, student_id)
        result = services.sign_up(student, student, TERM, [programme_id])
        return result.enrolments[0].status

    outcomes = _in_threads(app, sign_up, students)
    assert sorted(set(outcomes)) == ["enrolled", "waitlisted"], outcomes[:5]
    assert outcomes.count("enrolled") == 30 and outcomes.count("waitlisted") == 170
    db.session.expire_all()
    assert db.session.get(Programme, programme_id).enrolled_count == 30
    assert db.session.query(Enrolment).filter_by(programme_id=programme_id,
                                                 status="enrolled").count() == 30


def test_simultaneous_withdrawals_move_the_waitlist_up_within_capacity(app, open_second_round):
    programme_id, students = open_second_round
    for student_id in students[:60]:
        student = db.session.get(User, student_id)
        services.sign_up(student, student, TERM, [programme_id])
    leaving = [e.student_id for e in db.session.query(Enrolment).filter_by(
        programme_id=programme_id, status="enrolled")][:20]

    def withdraw(student_id):
        student = db.session.get(User, student_id)
        return services.withdraw(student, student, programme_id).status

    assert _in_threads(app, withdraw, leaving) == ["withdrawn"] * 20
    db.session.expire_all()
    enrolled = db.session.query(Enrolment).filter_by(programme_id=programme_id,
                                                     status="enrolled").count()
    assert enrolled == 30 == db.session.get(Programme, programme_id).enrolled_count
    assert db.session.query(Enrolment).filter_by(programme_id=programme_id,
                                                 status="waitlisted").count() == 10
