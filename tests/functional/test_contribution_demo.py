"""The demo lesson package of `hplearn init --demo` goes the way a real one does, once."""

from __future__ import annotations

from sqlalchemy import select

from hplearn.catalog.models import Resource
from hplearn.contributions import demo
from hplearn.contributions.models import Contribution
from hplearn.extensions import db
from tests import factories


def test_the_demo_package_is_written_reviewed_featured_and_loaded_once(app, school):
    factories.UserFactory(username="demozx_t1", role="teacher", school=school, subjects=["数学"])
    factories.UserFactory(username="demozx_admin", role="school_admin", school=school)
    factories.UserFactory(username="demo_district", role="district_admin", school=None)
    assert demo.load_demo() == "1 lesson package(s) published"
    assert demo.load_demo() == "0 lesson package(s) published"
    contribution = db.session.scalar(select(Contribution))
    assert (contribution.status, contribution.audience) == ("featured", "public")
    kinds = sorted(db.session.scalars(select(Resource.kind).where(Resource.source == "contribution")))
    assert kinds == ["article", "article", "document", "package"]
    assert sorted(p.role for p in contribution.parts) == ["design", "exercises", "slides", "worksheet"]


def test_without_the_demo_accounts_nothing_is_loaded(app):
    assert demo.load_demo() == "0 lesson package(s) published"


def test_the_generated_slides_are_a_pdf_the_media_checks_accept():
    import filetype

    assert filetype.guess(demo.simple_pdf(["a^2 + b^2 = c^2"])).mime == "application/pdf"
