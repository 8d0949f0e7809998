"""Q&A actions reach usage statistics: one event each, answered counted once."""

import pytest
from sqlalchemy import select

from hplearn.extensions import db
from hplearn.qa import services
from hplearn.stats import events as stats_events
from hplearn.stats.models import StatEvent
from tests.qa_fixtures import ask


def recorded():
    stats_events.flush()
    return [(e.kind, e.question_id, e.teacher_id, e.value)
            for e in db.session.scalars(select(StatEvent).order_by(StatEvent.id))]


def test_ask_claim_answer_accept_and_followup_are_recorded_once(student, teacher):
    question = ask(student)
    services.claim_question(question.id, teacher)
    services.answer_question(question.id, teacher, "回答")
    services.add_followup(question.id, student, "追问")
    services.claim_question(question.id, teacher)
    services.answer_question(question.id, teacher, "再答")
    services.accept_answer(question.id, student)
    kinds = [(kind, question_id, teacher_id) for kind, question_id, teacher_id, _ in recorded()]
    assert kinds == [
        ("question_asked", question.id, None),
        ("question_claimed", question.id, teacher.id),
        ("question_answered", question.id, teacher.id),
        ("question_claimed", question.id, teacher.id),
        ("question_accepted", question.id, None),
    ]
    answered = [value for kind, _, _, value in recorded() if kind == "question_answered"]
    assert answered == [0]  # answered within the same minute


def test_refused_actions_record_nothing(student, teacher, other_school_teacher):
    question = ask(student)
    with pytest.raises(services.QAError):
        services.claim_question(question.id, other_school_teacher)
    assert [kind for kind, *_ in recorded()] == ["question_asked"]
