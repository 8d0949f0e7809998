"""Routing and claims: who may take a question, exactly one winner, expiry and release."""

import threading
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from hplearn.extensions import db
from hplearn.notifications.models import Notification
from hplearn.qa import services
from hplearn.qa.models import Question
from hplearn.timeutil import utcnow
from tests import factories
from tests.qa_fixtures import ask


def test_routed_teacher_sees_and_claims(question, teacher):
    assert services.teacher_queue(teacher) == [question]
    claimed = services.claim_question(question.id, teacher)
    assert claimed.status == "claimed" and claimed.claimed_by_id == teacher.id
    assert services.teacher_queue(teacher) == []
    assert services.my_claims(teacher) == [claimed]


def test_teacher_of_another_school_cannot_claim(question, other_school_teacher):
    assert services.teacher_queue(other_school_teacher) == []
    with pytest.raises(services.QuestionNotFound):
        services.claim_question(question.id, other_school_teacher)
    assert db.session.get(Question, question.id).claimed_by_id is None


def test_teacher_of_another_subject_cannot_claim(question, chinese_teacher):
    assert services.teacher_queue(chinese_teacher) == []
    with pytest.raises(services.QAError):
        services.claim_question(question.id, chinese_teacher)


def test_teacher_of_other_grades_cannot_claim(question, primary_maths_teacher):
    assert services.teacher_queue(primary_maths_teacher) == []
    with pytest.raises(services.QAError):
        services.claim_question(question.id, primary_maths_teacher)


def test_question_without_grade_goes_to_every_grade(student, primary_maths_teacher):
    student.grade = None
    db.session.commit()
    question = ask(student)
    assert services.teacher_queue(primary_maths_teacher) == [question]


def test_students_and_admins_cannot_claim(question, classmate, school_admin):
    for user in (classmate, school_admin):
        with pytest.raises(services.QAError):
            services.claim_question(question.id, user)


def test_second_teacher_cannot_claim(question, teacher, second_teacher):
    services.claim_question(question.id, teacher)
    with pytest.raises(services.AlreadyClaimed):
        services.claim_question(question.id, second_teacher)


def test_claiming_twice_is_harmless_for_the_holder(question, teacher):
    first = services.claim_question(question.id, teacher)
    assert services.claim_question(question.id, teacher).claimed_until == first.claimed_until


def test_claim_expires_and_returns_to_the_queue(app, question, teacher, second_teacher):
    now = utcnow()
    services.claim_question(question.id, teacher, now)
    later = now + timedelta(minutes=app.config["QA_CLAIM_MINUTES"] + 1)
    assert services.teacher_queue(second_teacher, later) == [question]
    services.claim_question(question.id, second_teacher, later)
    db.session.refresh(question)
    assert question.claimed_by_id == second_teacher.id
    with pytest.raises(services.NotAllowed):
        services.answer_question(question.id, teacher, "迟到的回答", later)


def test_claim_minutes_are_configurable(app, question, teacher):
    app.config["QA_CLAIM_MINUTES"] = 5
    now = utcnow()
    claimed = services.claim_question(question.id, teacher, now)
    assert claimed.claimed_until - now == timedelta(minutes=5)


def test_release_by_claimer_only(question, teacher, second_teacher):
    services.claim_question(question.id, teacher)
    with pytest.raises(services.NotAllowed):
        services.release_question(question.id, second_teacher)
    released = services.release_question(question.id, teacher)
    assert released.status == "open" and released.claimed_by_id is None
    assert services.teacher_queue(second_teacher) == [released]


def test_queue_is_most_urgent_then_oldest(student, classmate, teacher, counsellor):
    counsellor.subjects = ["数学"]
    db.session.commit()
    now = utcnow()
    older = ask(student, title="最早的数学问题", now=now - timedelta(hours=2))
    newer = ask(classmate, title="后来的数学问题", now=now - timedelta(hours=1))
    urgent = ask(student, title="数学考砸了我好绝望", now=now)
    assert services.teacher_queue(teacher, now) == [older, newer]
    assert services.teacher_queue(counsellor, now)[0] == urgent


def test_unclaimed_question_escalates_to_the_district_after_the_target(
    question, other_school_teacher
):
    after_target = question.due_at + timedelta(minutes=1)
    before_target = question.due_at - timedelta(minutes=1)
    services.run_maintenance(before_target)
    assert services.teacher_queue(other_school_teacher, before_target) == []
    # Escalation is the run's recorded event, not a reading of the clock.
    assert services.teacher_queue(other_school_teacher, after_target) == []
    services.run_maintenance(after_target)
    assert services.teacher_queue(other_school_teacher, after_target) == [question]
    services.claim_question(question.id, other_school_teacher, after_target)


def test_escalation_still_needs_the_subject(question, chinese_teacher):
    later = question.due_at + timedelta(days=1)
    services.run_maintenance(later)
    assert services.teacher_queue(chinese_teacher, later) == []


def test_maintenance_expires_warns_and_escalates(app, student, teacher, other_school_teacher):
    now = utcnow()
    claimed = ask(student, title="第一个数学问题")
    services.claim_question(claimed.id, teacher, now)
    waiting = ask(student, title="第二个数学问题")
    report = services.run_maintenance(now + timedelta(minutes=app.config["QA_CLAIM_MINUTES"] - 1))
    assert report.warned == 1 and report.expired == 0
    report = services.run_maintenance(waiting.due_at + timedelta(minutes=1))
    assert report.expired == 1 and report.escalated == 2
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    assert (teacher.id, "claim_expiring") in kinds
    assert (other_school_teacher.id, "escalated") in kinds
    assert services.run_maintenance(waiting.due_at + timedelta(minutes=2)).escalated == 0


def test_tick_command(runner, question):
    result = runner.invoke(args=["qa", "tick"])
    assert result.exit_code == 0 and "claims expired: 0" in result.output


def test_page_claim_and_conflict_message(client, login, question, teacher, second_teacher):
    services.claim_question(question.id, second_teacher)
    login(teacher)
    response = client.post(f"/qa/{question.id}/claim", follow_redirects=True)
    assert response.status_code == 200
    assert "已经有老师认领" in response.get_data(as_text=True)


def test_api_claim_conflict_is_409(client, login, question, teacher, second_teacher):
    services.claim_question(question.id, second_teacher)
    login(teacher)
    response = client.post(f"/api/v1/questions/{question.id}/claim")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "already_claimed"


def test_api_queue_and_claim_release(client, login, question, teacher):
    login(teacher)
    queue = client.get("/api/v1/teacher/queue").json["results"]
    assert [q["id"] for q in queue] == [question.id]
    claimed = client.post(f"/api/v1/questions/{question.id}/claim")
    assert claimed.status_code == 200 and claimed.json["status"] == "claimed"
    assert claimed.json["claimed_by"] == teacher.display_name
    released = client.post(f"/api/v1/questions/{question.id}/release")
    assert released.status_code == 200 and released.json["status"] == "open"


def test_api_queue_refuses_students(client, login, student):
    login(student)
    assert client.get("/api/v1/teacher/queue").status_code == 403


def test_api_other_school_teacher_cannot_claim(client, login, question, other_school_teacher):
    login(other_school_teacher)
    assert client.post(f"/api/v1/questions/{question.id}/claim").status_code == 404


def test_queue_page_refuses_students(client, login, student):
    login(student)
    assert client.get("/qa/queue").status_code == 403


def _claim_in_thread(app: Flask, question_id: int, teacher_id: int, barrier, outcomes):
    with app.app_context():
        teacher = db.session.get(factories.User, teacher_id)
        # Hand the connection back while waiting, so fifty threads fit the connection pool.
        db.session.close()
        try:
            barrier.wait(timeout=60)
            services.claim_question(question_id, teacher)
            outcomes.append("won")
        except services.AlreadyClaimed:
            outcomes.append("lost")
        except Exception as error:  # noqa: BLE001 - any other failure is what we look for
            outcomes.append(f"error: {type(error).__name__}: {error}")
        finally:
            db.session.remove()


@pytest.mark.slow
def test_fifty_concurrent_claims_have_exactly_one_winner(app, question, school):
    teacher_ids = [
        factories.UserFactory(role="teacher", school=school, subjects=["数学"], grades=[7]).id
        for _ in range(50)
    ]
    barrier = threading.Barrier(len(teacher_ids))
    outcomes: list[str] = []
    threads = [
        threading.Thread(target=_claim_in_thread, args=(app, question.id, tid, barrier, outcomes))
        for tid in teacher_ids
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == 50, outcomes
    assert outcomes.count("won") == 1, outcomes
    assert outcomes.count("lost") == 49, outcomes
    db.session.expire_all()
    assert db.session.get(Question, question.id).claimed_by_id in teacher_ids
