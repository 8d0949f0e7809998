"""What usage statistics listen to: the core's usage signals and the Q&A board's events.

Features send signals (hplearn.usage, hplearn.qa.events) and never call statistics; these
receivers turn them into recorded events (hplearn.stats.events).
"""

from __future__ import annotations

from hplearn import usage
from hplearn.qa import events
from hplearn.stats.events import record_question_event, record_sign_in, record_view, record_watch


def on_signed_in(user, **_) -> None:
    """A person signed in (page or API)."""
    record_sign_in(user)


def on_resource_viewed(resource, *, user=None, **_) -> None:
    """A resource page, API read or media playback."""
    record_view(resource, user=user)


def on_video_watched(resource, *, seconds, user=None, **_) -> None:
    """Seconds of a resource's video watched."""
    record_watch(resource, seconds, user=user)


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
    usage.signed_in.connect(on_signed_in)
    usage.resource_viewed.connect(on_resource_viewed)
    usage.video_watched.connect(on_video_watched)
    events.question_asked.connect(on_asked)
    events.question_claimed.connect(on_claimed)
    events.question_answered.connect(on_answered)
    events.answer_accepted.connect(on_accepted)
