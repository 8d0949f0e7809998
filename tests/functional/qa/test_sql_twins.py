"""Every permission rule written twice, as a Python predicate and as SQL, agrees on generated data.

The queue, the lists and the people notified are SQL queries (a database cannot call
hplearn.policy per row); each one is a twin of a Python rule. A seeded product of users and
questions with random combinations of school, subject, grade, privacy, mental health, status,
escalation, reservation (follow-ups and admins' assignments), hiding and claims checks that each
SQL query returns exactly the rows its Python twin accepts.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from hplearn import policy
from hplearn.collections import services as collections
from hplearn.collections.models import Collection
from hplearn.extensions import db
from hplearn.pagination import PageRequest
from hplearn.qa import moderation, safety, services
from hplearn.qa.models import Question
from hplearn.qa.services import queue, reading
from hplearn.timeutil import utcnow
from tests.factories import SchoolFactory, UserFactory

SEED = 20260110
SUBJECTS = ("数学", "语文", "英语")
STATUSES = ("open", "claimed", "answered", "closed", "held")
NOW = utcnow()


def _pick(rng, values):
    return values[rng.randrange(len(values))]


@pytest.fixture
def world(app):
    """Two schools, ~60 users of every role and ~300 questions of every combination."""
    rng = random.Random(SEED)
    schools = [SchoolFactory(), SchoolFactory()]
    users = [UserFactory(role="district_admin", school=None),
             UserFactory(role="district_admin", school=None, is_counsellor=True)]
    for _ in range(60):
        role = _pick(rng, ("student", "student", "teacher", "teacher", "teacher", "school_admin"))
        staff = role != "student"
        users.append(UserFactory(
            role=role, school=_pick(rng, schools), active=rng.random() > 0.15,
            subjects=list(rng.sample(SUBJECTS, rng.randrange(3))) if role == "teacher" else [],
            grades=sorted(rng.sample((7, 8, 9), rng.randrange(3))) if role == "teacher" else [],
            is_counsellor=staff and rng.random() < 0.3,
        ))
    db.session.commit()
    students = [u for u in users if u.role == "student"]
    staff = [u for u in users if u.role in ("teacher", "school_admin")]
    for number in range(300):
        school = _pick(rng, schools)
        status = _pick(rng, STATUSES)
        claimer = _pick(rng, staff) if rng.random() < 0.6 else None
        db.session.add(Question(
            asker_id=_pick(rng, [s for s in students if s.school_id == school.id]).id,
            school_id=school.id, title=f"问题{number}", body="", subject=_pick(rng, SUBJECTS),
            grade=_pick(rng, (None, 7, 8, 9)), status=status,
            private=rng.random() < 0.3, mental_health=rng.random() < 0.2,
            hidden=rng.random() < 0.15, urgent=rng.random() < 0.3,
            escalated_at=NOW - timedelta(hours=2) if rng.random() < 0.35 else None,
            reserved_for_id=_pick(rng, staff).id if rng.random() < 0.25 else None,
            claimed_by_id=claimer.id if claimer else None,
            claimed_until=_pick(rng, (None, NOW - timedelta(minutes=5), NOW + timedelta(minutes=20))),
            first_response_at=NOW - timedelta(minutes=30) if rng.random() < 0.5 else None,
            created_at=NOW - timedelta(days=rng.randrange(30), minutes=number), due_at=NOW,
        ))
    _add_assigned_questions(rng, schools, students, staff)
    db.session.commit()
    questions = list(db.session.scalars(select(Question)))
    return users, questions


def _add_assigned_questions(rng, schools, students, staff):
    """Questions an admin assigned: to a teacher who does not teach them, and crisis ones to a
    counsellor of another school (routing.assign_question), open, claimed and answered."""
    for number, status in enumerate(("open", "claimed", "answered") * 4):
        school = schools[number % 2]
        crisis = number % 2 == 1
        named = [u for u in staff if u.is_counsellor and u.school_id != school.id] if crisis else [
            u for u in staff if u.role == "teacher" and "数学" not in (u.subjects or [])]
        db.session.add(Question(
            asker_id=_pick(rng, [s for s in students if s.school_id == school.id]).id,
            school_id=school.id, title=f"指派{number}", body="", subject="数学", grade=8,
            status=status, private=crisis, mental_health=crisis, urgent=crisis,
            reserved_for_id=_pick(rng, named).id, due_at=NOW, created_at=NOW - timedelta(hours=1),
            claimed_by_id=_pick(rng, staff).id if status == "claimed" else None,
            claimed_until=NOW + timedelta(minutes=10) if status == "claimed" else None,
        ))


def _signed_in(users):
    """The users who can be signed in (a deactivated account is nobody to the policy)."""
    return [u for u in users if u.active]


def _ids(clause) -> set[int]:
    return set(db.session.scalars(select(Question.id).where(clause)))


def test_the_generated_data_covers_every_combination_that_matters(world):
    users, questions = world
    assert {q.status for q in questions} == set(STATUSES)
    assert any(q.is_escalated for q in questions) and any(not q.is_escalated for q in questions)
    assert any(policy.question_is_public(q) for q in questions)
    assert any(q.mental_health and q.is_escalated for q in questions)
    assert any(q.reserved_for_id and q.reserved_for.school_id != q.school_id for q in questions)
    # Reserved for a teacher who does not teach it (an admin's assignment), and a crisis
    # question reserved for a counsellor of another school.
    assert any(q.reserved_for_id and q.reserved_for.role == "teacher" and not q.mental_health
               and not policy.could_take_question(q.reserved_for, q) for q in questions)
    assert any(q.mental_health and q.reserved_for_id and q.reserved_for.is_counsellor
               and q.reserved_for.school_id != q.school_id and not q.is_escalated for q in questions)
    assert {u.role for u in users} == {"student", "teacher", "school_admin", "district_admin"}


def test_public_clause_is_policy_question_is_public(world):
    _, questions = world
    assert _ids(reading._public_clause()) == {q.id for q in questions if policy.question_is_public(q)}


def test_escalated_clause_is_question_is_escalated(world):
    _, questions = world
    assert _ids(queue._escalated_clause()) == {q.id for q in questions if q.is_escalated}


def test_open_clause_is_the_effective_status_open(world):
    _, questions = world
    expected = {q.id for q in questions if q.effective_status(NOW) == "open"}
    assert _ids(queue._open_clause(NOW)) == expected


def test_routed_clause_is_policy_is_question_routed_to_for_every_user(world):
    users, questions = world
    for user in _signed_in(users):
        expected = {q.id for q in questions if policy.is_question_routed_to(user, q, NOW)}
        assert _ids(queue._routed_clause(user, NOW)) == expected, user


def test_the_queue_is_exactly_what_policy_lets_each_staff_member_claim(world):
    users, questions = world
    for user in _signed_in(users):
        if not policy.is_staff(user):
            continue
        queue = services.teacher_queue(user, NOW, limit=10_000)
        expected = {q.id for q in questions if policy.can_claim_question(user, q, NOW)}
        assert {q.id for q in queue} == expected, user


def test_lists_show_only_readable_questions_and_to_non_admins_exactly_the_public_ones(world):
    users, questions = world
    every = PageRequest(page=1, per_page=10_000)
    public = {q.id for q in questions if policy.question_is_public(q)}
    for user in _signed_in(users):
        listed = {q.id for q in services.list_questions(user, every).items}
        readable = {q.id for q in questions if policy.can_view_question(user, q, NOW)}
        assert listed <= readable, user
        if not policy.is_admin(user):
            assert listed == public, user
        elif policy.is_district_admin(user):
            assert listed == {q.id for q in questions if not q.private}
        else:
            assert listed == public | {
                q.id for q in questions if q.school_id == user.school_id and not q.private
            }


def test_moderators_of_a_school_are_the_active_users_policy_lets_moderate_it(world):
    users, _ = world
    for school_id in {u.school_id for u in users if u.school_id}:
        expected = {u.id for u in users if u.active and policy.can_moderate_questions(u, school_id)}
        assert {u.id for u in safety.moderators_of(school_id)} == expected


def test_school_counsellors_are_the_active_counsellors_policy_routes_crisis_questions_to(world):
    users, questions = world
    for question in questions:
        if not question.mental_health or question.is_escalated:
            continue
        routed = {u for u in users if u.active and policy.is_question_routed_to(u, question, NOW)}
        # Besides the school's own, only the counsellor an admin named (routing.assign_question).
        expected = {u.id for u in routed if u.school_id == question.school_id}
        assert {u.id for u in safety.school_counsellors(question.school_id)} == expected
        assert {u.id for u in routed} - expected <= {question.reserved_for_id}


def test_moderation_queue_holds_exactly_the_questions_policy_lets_each_admin_moderate(world):
    users, questions = world
    for user in _signed_in(users):
        if not policy.is_admin(user):
            continue
        items = moderation.moderation_queue(user)
        may = {q.id for q in questions if policy.can_moderate_questions(user, q.school_id)}
        assert {q.id for q in items["held"]} == {q.id for q in questions if q.status == "held"} & may
        hidden = {q.id for q in questions if q.hidden} & may
        assert {q.id for q in items["hidden"]} == set(sorted(hidden, reverse=True)[:50])


@pytest.fixture
def collection_world(app):
    """Collections public and not, of two schools and the district, and users of every role."""
    rng = random.Random(SEED + 1)
    schools = [SchoolFactory(), SchoolFactory()]
    users = [UserFactory(role="district_admin", school=None)] + [
        UserFactory(role=_pick(rng, ("student", "teacher", "school_admin")), school=_pick(rng, schools))
        for _ in range(12)
    ]
    for number in range(40):
        school = _pick(rng, [*schools, None])
        db.session.add(Collection(title=f"合集{number}", description="", school_id=school.id if school
                                  else None, public=school is None or rng.random() < 0.5,
                                  stages=[], grades=[]))
    db.session.commit()
    return users, list(db.session.scalars(select(Collection)))


def test_visible_collections_are_exactly_what_policy_lets_each_user_view(collection_world):
    users, found = collection_world
    every = PageRequest(page=1, per_page=10_000)
    for user in users:
        listed = {c.id for c in collections.visible_collections(user, every).items}
        assert listed == {c.id for c in found if policy.can_view_collection(user, c)}, user
