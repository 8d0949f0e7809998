"""自愿 is the family's choice: a bound child's own sign-up waits for a parent's confirmation."""

from __future__ import annotations

import pytest

from hplearn.afterschool import services
from hplearn.errors import NotFound
from tests import factories
from tests.afterschool_fixtures import TERM, compliant_guide
from tests.openapi_check import checked
from tests.parents_fixtures import parent_of


@pytest.fixture
def middle(app):
    return factories.SchoolFactory(code="hp010", name="和平区第十中学", stage="初中")


@pytest.fixture
def admin(middle):
    return factories.UserFactory(username="as_admin", role="school_admin", school=middle)


@pytest.fixture
def coach(middle):
    return factories.UserFactory(username="as_coach", role="teacher", school=middle)


@pytest.fixture
def child(middle):
    return factories.UserFactory(username="kid1", role="student", school=middle, grade=7,
                                 display_name="王小明")


@pytest.fixture
def guide(admin, middle, coach):
    return compliant_guide(admin, middle, coach, capacity=5)


def _applicants(middle):
    applicants, _ = services.allocation_inputs(services.find_guide(middle, TERM))
    return {a.id for a in applicants}


def test_a_bound_childs_choices_wait_and_take_no_part_in_the_allocation(
        client, login, admin, middle, child, guide):
    _, ball, _ = guide
    parent_of(child)
    login(child)
    body = checked(client.put("/api/v1/afterschool/signup",
                              json={"term": TERM, "choices": [ball.id]}), 200)
    assert body["awaiting_parent"] is True and body["confirmed"] is False
    assert child.id not in _applicants(middle)
    page = client.get(f"/afterschool/mine?term={TERM}").get_data(as_text=True)
    assert "等待家长确认" in page
    services.close_signup(admin, middle, TERM)
    services.allocate(admin, middle, TERM, seed=3)
    assert services.student_enrolments(child, TERM) == []
    assert child not in services.unplaced_students(services.find_guide(middle, TERM))


def test_the_parent_confirms_and_the_choices_join_the_allocation(client, login, middle, child,
                                                                 guide):
    _, ball, _ = guide
    parent = parent_of(child)
    services.sign_up(child, child, TERM, [ball.id])
    login(parent)
    home = client.get(f"/parents/?term={TERM}").get_data(as_text=True)
    assert "等待家长确认" in home and "篮球" in home
    body = checked(client.post("/api/v1/afterschool/signup/confirm",
                               json={"term": TERM, "student_id": child.id}), 200)
    assert body["awaiting_parent"] is False and body["choices"] == [ball.id]
    assert child.id in _applicants(middle)
    again = checked(client.post("/api/v1/afterschool/signup/confirm",
                                json={"term": TERM, "student_id": child.id}), 422)
    assert "没有等待确认" in again["error"]["message"]


def test_the_parent_withdraws_the_childs_choices_from_the_home_page(client, login, middle, child,
                                                                    guide):
    _, ball, _ = guide
    parent = parent_of(child)
    services.sign_up(child, child, TERM, [ball.id])
    login(parent)
    done = client.post(f"/parents/children/{child.id}/withdraw", data={"term": TERM},
                       follow_redirects=True)
    assert done.status_code == 200 and "已撤回" in done.get_data(as_text=True)
    assert services.student_signup(child, TERM).choices == []
    assert child.id not in _applicants(middle)


def test_a_parents_own_sign_up_needs_no_confirmation(client, login, middle, child, guide):
    _, ball, _ = guide
    parent = parent_of(child)
    login(parent)
    body = checked(client.put("/api/v1/afterschool/signup",
                              json={"term": TERM, "student_id": child.id, "choices": [ball.id]}),
                   200)
    assert body["awaiting_parent"] is False and child.id in _applicants(middle)
    # the page keeps the child named after the redirect
    page = client.post(f"/afterschool/mine?student_id={child.id}",
                       data={"term": TERM, "student_id": child.id, "choice": [str(ball.id)]},
                       follow_redirects=True)
    assert page.status_code == 200 and "王小明" in page.get_data(as_text=True)


def test_an_unbound_child_is_unaffected(client, login, middle, child, guide):
    _, ball, _ = guide
    login(child)
    body = checked(client.put("/api/v1/afterschool/signup",
                              json={"term": TERM, "choices": [ball.id]}), 200)
    assert body["awaiting_parent"] is False and child.id in _applicants(middle)


def test_binding_a_parent_holds_choices_made_before(middle, child, guide):
    _, ball, _ = guide
    services.sign_up(child, child, TERM, [ball.id])
    assert child.id in _applicants(middle)
    parent_of(child)
    assert services.student_signup(child, TERM).awaiting_parent is True
    assert child.id not in _applicants(middle)


def test_after_the_allocation_a_confirmation_places_the_child_at_once(admin, middle, child, guide):
    care, _, _ = guide
    services.close_signup(admin, middle, TERM)
    services.allocate(admin, middle, TERM, seed=1)
    guide_row = services.find_guide(middle, TERM)
    guide_row.signup_closed_early_at = None  # a second window, opened after the allocation
    from hplearn.extensions import db
    db.session.commit()
    parent = parent_of(child)
    waiting = services.sign_up(child, child, TERM, [care.id])
    assert waiting.awaiting_parent and services.student_enrolments(child, TERM) == []
    result = services.confirm_signup(parent, child, TERM)
    assert [e.status for e in result.enrolments] == ["enrolled"]


def test_nobody_else_confirms(client, login, middle, child, guide, admin):
    _, ball, _ = guide
    parent_of(child)
    services.sign_up(child, child, TERM, [ball.id])
    stranger = parent_of(factories.UserFactory(username="kid2", role="student", school=middle,
                                               grade=7), username="dad2")
    with pytest.raises(NotFound):
        services.confirm_signup(stranger, child, TERM)
    login(stranger)
    checked(client.post("/api/v1/afterschool/signup/confirm",
                        json={"term": TERM, "student_id": child.id}), 404)
    assert client.post(f"/parents/children/{child.id}/confirm").status_code == 404
    client.post("/api/v1/auth/logout")
    for user in (child, admin):
        login(user)
        checked(client.post("/api/v1/afterschool/signup/confirm",
                            json={"term": TERM, "student_id": child.id}), 403)
        client.post("/api/v1/auth/logout")
    assert services.student_signup(child, TERM).awaiting_parent is True
