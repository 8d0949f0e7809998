"""/search, /api/v1/search and /api/v1/suggest: any input is safe, nothing leaks, facets work."""

import re

import pytest

from hplearn.search import services
from tests import factories

NASTY_QUERIES = [
    '"unbalanced', "((数学", "数学))", "[{<", "AND OR NOT", "数学 AND NOT 语文", "*", "数*", "?",
    ":", "title:数学", "subject:数学 OR 1=1", "'; DROP TABLE resources; --", "' OR ''='",
    "\\", "'\\''", "&|!():*", "数学 & ! | <->", "%", "_", "\x00\x01\x1b[31m", "\u202e数学",
    "😀📚数学🎉", "<script>alert(1)</script>", "<b onmouseover=alert(1)>数学</b>", "𠀀𠀁",
    "ｓｅｌｅｃｔ ＊", "数学" * 5000, "a" * 10_000, "   ", "", "!!!", "数学:数学:数学",
]


@pytest.fixture
def maths(app):
    return factories.ResourceFactory(title="数学广角：搭配", summary="小学数学", subject="数学",
                                     stage="小学", grade=3)


def _refused_control_character(response, typed) -> bool:
    # NUL cannot be stored or indexed: the input check refuses it everywhere (hplearn.inputs).
    if "\x00" not in typed:
        return False
    assert response.status_code == 400 and "控制字符" in response.get_data(as_text=True)
    return True


@pytest.mark.parametrize("typed", NASTY_QUERIES)
def test_any_query_is_safe_on_the_page(client, maths, typed):
    response = client.get("/search", query_string={"q": typed})
    if _refused_control_character(response, typed):
        return
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "<b onmouseover" not in response.text


@pytest.mark.parametrize("typed", NASTY_QUERIES)
def test_any_query_is_safe_in_the_api(client, maths, typed):
    response = client.get("/api/v1/search", query_string={"q": typed})
    if _refused_control_character(response, typed):
        return
    assert response.status_code == 200
    data = response.get_json()
    assert set(data) >= {"query", "total", "page", "per_page", "results", "facets", "suggestion"}
    assert set(data["facets"]) == {"stage", "grade", "subject", "topic", "kind", "edition", "volume"}
    for hit in data["results"]:
        assert "<script" not in hit["highlight"]


@pytest.mark.parametrize("typed", NASTY_QUERIES)
def test_any_prefix_is_safe_in_suggest(client, maths, typed):
    response = client.get("/api/v1/suggest", query_string={"q": typed})
    if _refused_control_character(response, typed):
        return
    assert response.status_code == 200
    assert isinstance(response.get_json()["suggestions"], list)


def test_long_queries_are_cut_with_a_note(client, maths):
    data = client.get("/api/v1/search", query_string={"q": "数学" * 500}).get_json()
    assert data["truncated"] is True
    assert data["total"] == 1
    page = client.get("/search", query_string={"q": "数学" * 500})
    assert "搜索词太长" in page.text


def test_api_result_shape(client, maths):
    data = client.get("/api/v1/search?q=数学").get_json()
    assert data["query"] == "数学" and data["total"] == 1 and data["suggestion"] is None
    hit = data["results"][0]
    assert hit["id"] == maths.id and hit["subject"] == "数学" and hit["external_url"] is None
    assert hit["highlight"] == "<mark>数学</mark>广角：搭配"
    assert hit["url"].endswith(f"/resources/{maths.id}")
    assert {"value": "数学", "count": 1} in data["facets"]["subject"]
    assert {"value": "3", "count": 1} in data["facets"]["grade"]


def test_per_page_is_capped_at_50(client):
    for n in range(52):
        factories.ResourceFactory(title=f"口算练习{n}")
    data = client.get("/api/v1/search?q=口算&per_page=1000").get_json()
    assert data["per_page"] == 50 and len(data["results"]) == 50 and data["total"] == 52
    second = client.get("/api/v1/search?q=口算&per_page=50&page=2").get_json()
    assert len(second["results"]) == 2


@pytest.mark.parametrize(('args', 'field'), [
    ("stage=大学", "学段"), ("grade=abc", "年级"), ("grade=13", "年级"), ("kind=movie", "类型"),
    ("sort=random", "排序"), ("page=0", "page"), ("page=x", "page"), ("per_page=-5", "per_page"),
])
def test_bad_parameters_get_a_clear_400(client, maths, args, field):
    api = client.get(f"/api/v1/search?q=数学&{args}")
    assert api.status_code == 400
    assert re.search(field, api.get_json()["error"]["message"])
    assert api.get_json()["error"]["code"] == "invalid_parameter"
    page = client.get(f"/search?q=数学&{args}")
    assert page.status_code == 400
    assert re.search(field, page.text)


def test_page_has_facet_links_and_sorting_without_javascript(client, textbooks):
    page = client.get("/search?q=义务教育教科书")
    assert page.status_code == 200
    assert "找到 6 个资源" in page.text
    assert "subject=%E6%95%B0%E5%AD%A6" in page.text  # a plain link to subject=数学
    assert "sort=newest" in page.text
    filtered = client.get("/search?q=义务教育教科书&subject=数学&stage=小学")
    assert "找到 2 个资源" in filtered.text
    assert "清除全部筛选" in filtered.text


def test_page_offers_did_you_mean(client, maths):
    page = client.get("/search?q=数雪")
    assert "你是不是要找" in page.text and "数学" in page.text
    data = client.get("/api/v1/search?q=数雪").get_json()
    assert data["total"] == 0 and data["suggestion"] == "数学"


def test_empty_query_shows_hints(client):
    page = client.get("/search")
    assert page.status_code == 200 and "输入想找的内容" in page.text
    assert client.get("/api/v1/search").get_json()["total"] == 0


def test_search_box_on_every_page_and_autocomplete_script(client, maths):
    home = client.get("/")
    assert 'action="/search"' in home.text and "<script" not in home.text
    page = client.get("/search?q=数学")
    assert "js/suggest.js" in page.text and "data-suggest-url" in page.text


def test_suggest_api(client, maths):
    # The catalog's own words come first (issue 15), then titles.
    assert client.get("/api/v1/suggest?q=数学").get_json() == {
        "suggestions": ["数学", "数学三年级", "数学广角：搭配"]}
    assert client.get("/api/v1/suggest?q=sxgj").get_json() == {"suggestions": ["数学广角：搭配"]}
    assert client.get("/api/v1/suggest?q=").get_json() == {"suggestions": []}


def test_searches_are_announced_without_the_searcher(client, login, student, maths):
    seen = []

    def receiver(sender, **data):
        seen.append(data)

    services.search_performed.connect(receiver)
    try:
        login(student)
        client.get("/search?q=數學&grade=3")
        client.get("/api/v1/search?q=火星")
        client.get("/api/v1/suggest?q=数")
    finally:
        services.search_performed.disconnect(receiver)
    assert seen == [
        {"query": "数学", "filters": {"grade": "3"}, "result_count": 1},
        {"query": "火星", "filters": {}, "result_count": 0},
    ]


def test_draft_and_retired_resources_never_show(client):
    factories.ResourceFactory(title="草稿里的古诗", status="draft")
    factories.ResourceFactory(title="下架的古诗", status="retired")
    assert client.get("/api/v1/search?q=古诗").get_json()["total"] == 0
    assert client.get("/api/v1/suggest?q=古诗").get_json()["suggestions"] == []
