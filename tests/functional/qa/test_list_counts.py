"""Q&A pages count at most a thousand questions past the page (issue 16): "1000+ 个问题";
the JSON API keeps its exact total (the contract)."""

import pytest

from hplearn import pagination
from tests.qa_fixtures import ask

TITLES = ["一元一次方程怎么移项？", "分数除法为什么颠倒？", "勾股定理怎么证明？", "三角形内角和是多少？"]


@pytest.fixture
def four_questions(student):
    return [ask(student, title=title) for title in TITLES]


def test_count_stops_past_the_page(client, login, student, four_questions, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_BEYOND_PAGE", 1)
    login(student)
    html = client.get("/qa/?mine=1&per_page=1").get_data(as_text=True)
    assert "共 2+ 个问题" in html and "第 1 / 2+ 页" in html
    last = client.get("/qa/?mine=1&per_page=1&page=3").get_data(as_text=True)
    assert "共 4 个问题" in last and "第 3 / 4 页" in last
    listed = client.get("/api/v1/questions?mine=1&per_page=1").json
    assert listed["total"] == 4 and "total_capped" not in listed  # exact, whatever the cap
    assert [q["title"] for q in listed["results"]] == [TITLES[-1]]


def test_exact_count_below_the_cap(client, login, student, four_questions):
    login(student)
    listed = client.get("/api/v1/questions?mine=1&per_page=2").json
    assert listed["total"] == 4
    assert len(listed["results"]) == 2
    html = client.get("/qa/?mine=1&per_page=2").get_data(as_text=True)
    assert "共 4 个问题" in html and "第 1 / 2 页" in html
