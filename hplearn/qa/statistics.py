"""Q&A events counted by usage statistics: receivers of hplearn.qa.events for hplearn.stats."""

from __future__ import annotations

from hplearn.qa import events
from hplearn.stats.events import record_question_event


def _record(kind: str, question, user, **extra) -> None:
    record_question_event(
        kind, question.id, question.subject, question.grade, question.school_id, user=user, **extra
    )


def on_asked(question, **_) -> None:
    """A student asked."""
    _record("asked", question, question.asker, when=question.created_at)


def on_claimed(question, *, teacher, **_) -> None:
    """A teacher claimed (again after an expiry or release: counted again)."""
    _record("claimed", question, teacher)


def on_answered(question, *, teacher, answer, **_) -> None:
    """The first answer counts as the question answered, with the minutes the student waited.

    Answers to follow-ups are not counted again, so a question is answered once.
    """
    if question.first_response_at != answer.created_at:
        return
    minutes = (answer.created_at - question.created_at).total_seconds() / 60
    _record("answered", question, teacher, first_response_minutes=minutes,
            asker=question.asker, when=answer.created_at)


def on_accepted(question, **_) -> None:
    """The asker accepted an answer."""
    _record("accepted", question, question.asker)


def connect() -> None:
    """Subscribe the receivers (idempotent: blinker keeps one connection per receiver)."""
    events.question_asked.connect(on_asked)
    events.question_claimed.connect(on_claimed)
    events.question_answered.connect(on_answered)
    events.answer_accepted.connect(on_accepted)
