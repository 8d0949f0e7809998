"""The teachers' contribution record per term: page, CSV and API, for the school's admins."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hplearn.afterschool.models import SessionHeld
from hplearn.afterschool.services import today
from hplearn.contributions import record, review
from hplearn.contributions.validation import ContributionForbidden, ContributionInvalid
from hplearn.extensions import db
from hplearn.qa import services as qa
from tests import factories
from tests.afterschool_fixtures import compliant_guide
from tests.contribution_fixtures import published_package, submitted_package
from tests.qa_fixtures import ask

TERM = record.parse_term(None)


def test_term_dates():
    assert record.term_dates("2025-1") == (date(2025, 8, 1), date(2026, 1, 31))
    assert record.term_dates("2025-2") == (date(2026, 2, 1), date(2026, 7, 31))


@pytest.mark.parametrize("value", ["2025", "2025-3", "25-1", "x" * 50])
def test_a_bad_term_is_refused(value):
    with pytest.raises(ContributionInvalid, match="学期"):
        record.parse_term(value)


def _answered(teacher, student, minutes: int, accept: bool):
    question = ask(student)
    later = question.created_at + timedelta(minutes=minutes)
    qa.claim_question(question.id, teacher, now=later)
    qa.answer_question(question.id, teacher, "先移项，再合并同类项。", now=later)
    if accept:
        qa.accept_answer(question.id, student, question.answers[0].id)
    return question


@pytest.fixture
def busy_term(teacher, school_admin, student, school):
    """This term: two contributions (one approved), two answers (one accepted, after 30 and 90
    minutes), and two after-school sessions of 90 minutes."""
    published_package(teacher, school_admin)
    submitted_package(teacher, title="一元二次方程")
    for minutes, accept in ((30, True), (90, False)):
        _answered(teacher, student, minutes, accept)
    school.stage = "九年一贯"
    db.session.commit()
    programmes = compliant_guide(school_admin, school, teacher, reasons={"all_grades": "试点"})
    for programme in programmes[:2]:
        db.session.add(SessionHeld(programme_id=programme.id, day=today(), minutes=90,
                                   staff_user_ids=[teacher.id]))
    db.session.commit()


def test_the_record_counts_a_teachers_term(busy_term, teacher, school_admin, school):
    rows = record.contribution_record(school_admin, school, TERM)
    mine = next(r for r in rows if r.teacher.id == teacher.id)
    assert (mine.submitted, mine.approved, mine.answers, mine.accepted) == (2, 1, 2, 1)
    assert mine.median_first_response_minutes == 60.0
    assert mine.afterschool_hours == 3.0
    assert record.contribution_record(school_admin, school, "2024-2")[0].submitted == 0
    assert date(2024, 1, 1) < record.term_dates(TERM)[0]


def test_the_page_and_csv(client, login, busy_term, school_admin):
    login(school_admin)
    page = client.get(f"/contributions/record?term={TERM}").get_data(as_text=True)
    assert "教师贡献记录" in page and "60.0 分钟" in page and "3.0 小时" in page
    csv_text = client.get(f"/contributions/record.csv?term={TERM}").get_data(as_text=True)
    assert csv_text.startswith("\ufeff学校,学期,教师账号")
    assert ",tea1,," in csv_text or ",tea1," in csv_text
    data = client.get(f"/api/v1/schools/hp001/contribution-record?term={TERM}").get_json()
    assert data["teachers"][0]["afterschool_hours"] == 3.0


def test_teachers_and_other_schools_are_refused(client, login, teacher, other_school, school):
    with pytest.raises(ContributionForbidden):
        record.contribution_record(teacher, school, TERM)
    far_admin = factories.UserFactory(username="sadmin9", role="school_admin", school=other_school)
    login(far_admin)
    assert client.get("/api/v1/schools/hp001/contribution-record").status_code == 404
    assert client.get("/contributions/record?school=hp001").status_code == 404
    login.logout()
    login(teacher)
    assert client.get("/contributions/record").status_code == 403
    assert client.get("/api/v1/schools/hp001/contribution-record").status_code == 403


def test_a_district_admin_picks_the_school(client, login, district_admin, school):
    login(district_admin)
    assert client.get("/contributions/record").status_code == 422
    assert "和平区第一小学" in client.get("/contributions/record?school=hp001").get_data(as_text=True)


def test_review_counts_nothing_twice(busy_term, teacher, school_admin, school):
    assert review.review_queue(school_admin, school.id).counts["submitted"] == 1
