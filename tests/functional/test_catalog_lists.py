"""Issue 15: lists as students use them: 学校类型 (special-school books apart), 册次, the
recommended order of /browse and the home page's subjects."""

from __future__ import annotations

import re

import pytest

from hplearn.catalog import services
from hplearn.pagination import PageRequest
from tests import factories


def titles(html: str) -> list[str]:
    return re.findall(r'class="card-title">([^<]+)<', html)


def textbook(title, edition="人教版", volume="上册", school_type="普通", **values):
    return factories.ResourceFactory(
        title=title, kind="textbook", edition=edition, volume=volume, school_type=school_type,
        grade=values.pop("grade", 8), subject=values.pop("subject", "数学"), summary="", **values,
    )


@pytest.fixture
def eighth_grade_maths(app):
    """Eighth-grade maths as the national catalog has it: special-school books imported last."""
    books = {
        "beijing": textbook("义务教育教科书·数学八年级上册（北京版）", edition="北京版"),
        "senior": textbook("普通高中教科书·数学必修 第一册", grade=None, stage="高中", volume="必修"),
        "pep_down": textbook("义务教育教科书·数学八年级下册", volume="下册"),
        "pep_up": textbook("义务教育教科书·数学八年级上册"),
        "five_four": textbook("义务教育教科书（五•四学制）·数学八年级上册"),
    }
    for n in range(4):
        books[f"blind{n}"] = textbook(f"盲校义务教育实验教科书数学八年级上册{n}", edition="沪教版",
                                      school_type="盲校")
    books["lesson"] = factories.ResourceFactory(title="勾股定理（第 1 课时）", grade=8, subject="数学")
    return books


def test_browse_shows_ordinary_books_first_and_hides_special_school_ones(client, eighth_grade_maths):
    html = client.get("/browse?grade=8&subject=数学").text
    listed = titles(html)
    assert listed[:3] == [
        "勾股定理（第 1 课时）", "义务教育教科书·数学八年级上册", "义务教育教科书·数学八年级下册",
    ]
    assert listed[-1] == "义务教育教科书·数学八年级上册（北京版）"
    assert not any("盲校" in title for title in listed)
    assert "共 5 个资源" in html
    assert '<option value="普通" selected>普通（5）</option>' in html
    assert '<option value="盲校">盲校（5）</option>' in html  # its four books and the lesson


def test_browse_shows_the_school_type_chosen(client, eighth_grade_maths):
    blind = client.get("/browse?grade=8&subject=数学&school_type=盲校").text
    assert "共 5 个资源" in blind and "盲校义务教育实验教科书数学八年级上册0" in blind
    assert "义务教育教科书·数学八年级下册" not in blind
    every = client.get("/browse?grade=8&subject=数学&school_type=全部").text
    assert "共 9 个资源" in every and '<option value="全部" selected>全部</option>' in every


def test_a_special_school_student_starts_from_its_books(client, login, eighth_grade_maths):
    school = factories.SchoolFactory(code="mx01", name="天津市视障学校", school_type="盲校")
    login(factories.UserFactory(username="blind1", role="student", school=school, grade=8))
    html = client.get("/browse?grade=8&subject=数学").text
    assert "盲校义务教育实验教科书数学八年级上册0" in html
    assert "义务教育教科书·数学八年级下册" not in html


def test_volume_filters_lists_and_the_api(client, eighth_grade_maths):
    html = client.get("/browse?grade=8&subject=数学&volume=下册").text
    assert titles(html) == ["义务教育教科书·数学八年级下册"]
    data = client.get("/api/v1/resources?volume=上册&school_type=普通").get_json()
    assert data["total"] == 3
    assert {r["volume"] for r in data["results"]} == {"上册"}
    assert {r["school_type"] for r in data["results"]} == {"普通"}


@pytest.mark.parametrize("query", ["volume=第三册", "school_type=特殊", "volume=%00"])
def test_unknown_volume_or_school_type_is_refused(client, query):
    for path in ("/browse", "/api/v1/resources", "/api/v1/search?q=数学&"):
        response = client.get(f"{path}{'&' if '?' in path else '?'}{query}")
        assert response.status_code == 400, (path, query)


def test_the_api_keeps_every_school_type_unless_asked(client, eighth_grade_maths):
    assert client.get("/api/v1/resources?grade=8").get_json()["total"] == 9


def test_recommended_order_puts_preferred_editions_and_six_three_books_first(app, eighth_grade_maths):
    filters = services.with_default_school_type(services.ResourceFilters(subject="数学"))
    page = services.published_resources(filters, PageRequest(page=1, per_page=10), sort="recommended")
    assert [r.title for r in page.items] == [
        "勾股定理（第 1 课时）", "义务教育教科书·数学八年级上册", "义务教育教科书·数学八年级下册",
        "义务教育教科书（五•四学制）·数学八年级上册", "普通高中教科书·数学必修 第一册",
        "义务教育教科书·数学八年级上册（北京版）",
    ]


def test_home_lists_ordinary_subjects_in_the_national_order(client, app):
    for subject in ("英语", "数学", "数学", "数学", "语文", "道德与法治"):
        factories.ResourceFactory(subject=subject)
    textbook("生活语文一年级上册", subject="生活语文", school_type="培智学校")
    html = client.get("/").text
    chips = re.findall(r'href="/browse\?subject=[^"]+">([^<]+)<span', html)
    assert chips == ["道德与法治", "语文", "数学", "英语"]


def test_platforms_carry_the_names_of_the_district_plan():
    from pathlib import Path

    from hplearn.catalog.content import read_platforms

    path = Path(__file__).parents[2] / "content" / "platforms.yaml"
    platforms = {p["level"]: p for p in read_platforms(path)}
    assert platforms["municipal"]["name"] == "天津市基础教育资源公共服务平台"
    assert platforms["national"]["name"] == "国家中小学智慧教育平台"
    assert "国家中小学网络云平台" in platforms["national"]["description"]


def test_schools_create_takes_a_special_school_type(app, runner):
    from hplearn.accounts.models import School
    from hplearn.extensions import db

    done = runner.invoke(args=["schools", "create", "mx01", "天津市视障学校", "--type", "盲校"])
    assert done.exit_code == 0, done.output
    assert db.session.scalar(db.select(School.school_type).filter_by(code="mx01")) == "盲校"
    refused = runner.invoke(args=["schools", "create", "mx02", "某学校", "--type", "特殊"])
    assert refused.exit_code != 0 and "学校类型必须是" in refused.output
