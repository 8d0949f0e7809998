"""The rules teachers, reviewers and students meet in issue 15, each from the refused side."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin

from hplearn import policy
from hplearn.accounts.models import User


def _user(user_id, role, school_id=1):
    return User(id=user_id, username=f"u{user_id}", role=role, school_id=school_id, active=True)


AUTHOR = _user(1, "teacher")
COLLEAGUE = _user(2, "teacher")
ADMIN = _user(3, "school_admin")
FAR_ADMIN = _user(4, "school_admin", school_id=2)
DISTRICT = _user(5, "district_admin", school_id=None)
STUDENT = _user(6, "student")
FAR_STUDENT = _user(7, "student", school_id=2)
ANONYMOUS = AnonymousUserMixin()


def _contribution(status="draft", author=AUTHOR):
    return SimpleNamespace(author_id=author.id, school_id=1, status=status)


@pytest.mark.parametrize("status", ["draft", "returned"])
def test_only_the_author_edits_a_draft(status):
    contribution = _contribution(status)
    assert policy.can_edit_contribution(AUTHOR, contribution)
    for other in (COLLEAGUE, ADMIN, DISTRICT, STUDENT, ANONYMOUS):
        assert not policy.can_edit_contribution(other, contribution)


@pytest.mark.parametrize("status", ["submitted", "approved", "featured"])
def test_nobody_edits_a_contribution_under_review_or_published(status):
    assert not policy.can_edit_contribution(AUTHOR, _contribution(status))


def test_reviewers_are_the_schools_admins_but_never_the_author():
    assert policy.can_review_contribution(ADMIN, _contribution("submitted"))
    assert policy.can_review_contribution(DISTRICT, _contribution("submitted"))
    assert not policy.can_review_contribution(ADMIN, _contribution("submitted", author=ADMIN))
    for other in (AUTHOR, COLLEAGUE, FAR_ADMIN, STUDENT, ANONYMOUS):
        assert not policy.can_review_contribution(other, _contribution("submitted"))


def test_who_contributes():
    assert policy.can_contribute(AUTHOR) and policy.can_contribute(ADMIN)
    for other in (DISTRICT, STUDENT, ANONYMOUS, _user(8, "teacher", school_id=None)):
        assert not policy.can_contribute(other)


def test_a_resource_published_to_one_school_is_for_its_members():
    resource = SimpleNamespace(status="school", school_id=1)
    assert policy.can_view_resource(STUDENT, resource) and policy.can_view_resource(AUTHOR, resource)
    assert policy.can_view_resource(DISTRICT, resource)
    for other in (FAR_STUDENT, FAR_ADMIN, ANONYMOUS):
        assert not policy.can_view_resource(other, resource)


def test_an_uploader_sees_their_file_and_nobody_else_of_their_rank():
    media = SimpleNamespace(question_id=None, kind="video", school_id=1, uploaded_by_id=AUTHOR.id)
    assert policy.can_view_media(AUTHOR, media, [], None)
    assert not policy.can_view_media(COLLEAGUE, media, [], None)
    assert not policy.can_view_media(STUDENT, media, [], None)
    assert not policy.can_manage_media(AUTHOR, media)  # seeing is not attaching to resources
    assert not policy.can_upload_media(AUTHOR)  # no media library for teachers


def test_exercise_rates_are_for_the_schools_staff():
    assert policy.can_view_exercise_rates(AUTHOR, 1) and policy.can_view_exercise_rates(DISTRICT, None)
    for other, school_id in ((AUTHOR, 2), (AUTHOR, None), (STUDENT, 1), (FAR_ADMIN, 1),
                             (ANONYMOUS, 1)):
        assert not policy.can_view_exercise_rates(other, school_id)


def test_an_unpublished_set_is_for_its_author_and_the_schools_admins():
    exercise_set = SimpleNamespace(published=False, owner_id=AUTHOR.id, school_id=1)
    assert policy.can_view_exercise_set(AUTHOR, exercise_set, None)
    assert policy.can_view_exercise_set(ADMIN, exercise_set, None)
    for other in (COLLEAGUE, STUDENT, FAR_ADMIN, ANONYMOUS):
        assert not policy.can_view_exercise_set(other, exercise_set, None)
    assert not policy.can_edit_exercise_set(AUTHOR, SimpleNamespace(published=True, owner_id=1))


def test_learning_records_and_exercise_search():
    assert policy.can_keep_learning_record(STUDENT) and policy.can_record_exercise_attempt(STUDENT)
    assert policy.can_search_exercises(AUTHOR) and not policy.can_search_exercises(STUDENT)
    for other in (AUTHOR, ADMIN, ANONYMOUS):
        assert not policy.can_keep_learning_record(other)
        assert not policy.can_record_exercise_attempt(other)
