"""Search tests run once per backend: whoosh always, postgres when the suite runs on PostgreSQL."""

import pytest

from tests import factories
from tests.conftest import ON_POSTGRES, make_test_config

BACKENDS = ("whoosh", pytest.param("postgres", marks=pytest.mark.postgres))


@pytest.fixture(params=BACKENDS)
def search_backend(request):
    """The backend under test."""
    if request.param == "postgres" and not ON_POSTGRES:
        pytest.skip("the postgres search backend needs the suite on PostgreSQL "
                    "(HPLEARN_TEST_POSTGRES_SERVER)")
    return request.param


@pytest.fixture
def app_config(tmp_path, search_backend):
    """The test config with the backend under test."""
    return make_test_config(tmp_path, SEARCH_BACKEND=search_backend)


@pytest.fixture
def textbooks(app):
    """A few rows shaped like the national platform's textbook catalog."""
    rows = [
        ("义务教育教科书·数学五年级上册", "小学", 5, "数学", "人教版", "上册"),
        ("义务教育教科书·数学五年级上册", "小学", 5, "数学", "北师大版", "上册"),
        ("义务教育教科书·英语六年级下册", "小学", 6, "英语", "人教版（PEP）", "下册"),
        ("义务教育教科书·数学八年级上册", "初中", 8, "数学", "人教版", "上册"),
        ("义务教育教科书·道德与法治七年级上册", "初中", 7, "道德与法治", "统编版", "上册"),
        ("义务教育教科书·语文三年级上册", "小学", 3, "语文", "统编版", "上册"),
    ]
    return [
        factories.ResourceFactory(
            title=title, stage=stage, grade=grade, subject=subject, edition=edition,
            volume=volume, kind="textbook", summary="",
        )
        for title, stage, grade, subject, edition, volume in rows
    ]
