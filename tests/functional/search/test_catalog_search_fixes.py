"""Issue 15: the catalog and search as students use them (topics, short queries, suggestions)."""

import json

import pytest

from hplearn.catalog import importer
from hplearn.search import services
from tests import factories


def test_resources_imported_with_a_topic_are_found_by_its_name(app, tmp_path):
    factories.TopicFactory(slug="anquan", name="安全教育")
    factories.ResourceFactory(title="占位")  # the index exists, as after `hplearn init`
    path = tmp_path / "rows.jsonl"
    rows = [{"external_id": f"a{n}", "title": f"防溺水第{n}课", "topic": "anquan"} for n in range(3)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    importer.import_file(path)
    results = services.query("安全教育", doc_type="resource")
    assert results.total == 3
    assert results.facets["topic"] == [("anquan", 3)]


def test_one_character_query_ranks_a_title_holding_it_above_an_editor_name(app):
    for grade in (3, 4, 5):
        factories.ResourceFactory(
            title=f"义务教育教科书·英语{grade}年级上册", kind="textbook", subject="英语", grade=grade,
            edition="外研社版（三年级起点）（主编：桂诗春）", summary="", body="",
        )
    factories.ResourceFactory(title="诗词朗诵的技巧", summary="朗读有节奏。", body="")
    titles = [hit.object.title for hit in services.query("诗").items]
    assert titles[0] == "诗词朗诵的技巧"


@pytest.fixture
def catalog_words(app):
    """A small catalog: eighth-grade maths books, a 书法 book, a topic, one title with 睡."""
    patriotism = factories.TopicFactory(slug="aiguo", name="爱国主义教育")
    for volume in ("上册", "下册"):
        factories.ResourceFactory(title=f"义务教育教科书·数学八年级{volume}", kind="textbook",
                                  grade=8, subject="数学", volume=volume, school_type="普通")
    factories.ResourceFactory(title="义务教育教科书·书法练习指导三年级上册", kind="textbook",
                              grade=3, stage="小学", subject="书法", school_type="普通")
    factories.ResourceFactory(title="五星红旗的故事", topic=patriotism, subject="道德与法治", grade=3)
    factories.ResourceFactory(title="睡个好觉：青少年的作息指南", subject=None, grade=None,
                              view_count=50)
    factories.ResourceFactory(title="《古诗三首》朗读", subject="语文", grade=3)


@pytest.mark.parametrize(("typed", "expected"), [
    ("数学", "数学"), ("shuxue", "数学"), ("sx", "数学"), ("数", "数学"),
    ("初二", "初二数学"), ("八年级", "八年级数学"), ("爱国", "爱国主义教育"), ("aiguo", "爱国主义教育"),
    ("古诗", "《古诗三首》朗读"), ("睡个", "睡个好觉：青少年的作息指南"),
])
def test_autocomplete_offers_catalog_words_and_titles(client, catalog_words, typed, expected):
    suggestions = client.get("/api/v1/suggest", query_string={"q": typed}).get_json()["suggestions"]
    assert expected in suggestions


def test_autocomplete_puts_whole_syllables_before_a_syllable_begun(client, catalog_words):
    suggestions = client.get("/api/v1/suggest?q=shu").get_json()["suggestions"]
    assert suggestions[0] == "数学" and "书法" in suggestions
    assert suggestions.index("睡个好觉：青少年的作息指南") > suggestions.index("书法")


def test_autocomplete_of_what_matches_nothing(client, catalog_words):
    for typed in ("", "   ", "zzzz", "火星", "%"):
        assert client.get("/api/v1/suggest", query_string={"q": typed}).get_json() == {"suggestions": []}
    assert client.get("/api/v1/suggest", query_string={"q": "\x00"}).status_code == 400


def test_search_filters_by_school_type_and_volume(app, catalog_words):
    factories.ResourceFactory(title="盲校义务教育实验教科书数学八年级上册", kind="textbook", grade=8,
                              subject="数学", volume="上册", school_type="盲校")
    general = services.query("数学", doc_type="resource", filters={"school_type": "普通"})
    assert general.total == 2
    blind = services.query("数学", doc_type="resource", filters={"school_type": "盲校"})
    assert [hit.object.title for hit in blind.items] == ["盲校义务教育实验教科书数学八年级上册"]
    every = services.query("数学", doc_type="resource")
    assert every.total == 3
    first_volumes = services.query("数学", doc_type="resource", filters={"volume": "上册"})
    assert first_volumes.total == 2 and ("上册", 2) in every.facets["volume"]
    # Resources without a school type are for every school.
    assert services.query("五星红旗", filters={"school_type": "盲校"}).total == 1


def test_search_page_starts_from_ordinary_books_unless_asked(client, catalog_words):
    factories.ResourceFactory(title="盲校义务教育实验教科书数学八年级上册", kind="textbook", grade=8,
                              subject="数学", volume="上册", school_type="盲校")
    assert "找到 2 个资源" in client.get("/search?q=数学").text
    assert "找到 3 个资源" in client.get("/search?q=数学&school_type=全部").text
    assert "找到 1 个资源" in client.get("/search?q=盲校数学").text
    assert client.get("/api/v1/search?q=数学").get_json()["total"] == 3


def test_the_national_platform_is_found_by_its_former_name(app, search_backend):
    factories.ResourceFactory(title="国家中小学智慧教育平台：课后服务", summary="")
    for typed in ("国家中小学网络云平台", "网络云平台", "国家中小学智慧教育平台"):
        found = services.query(typed)
        assert [hit.object.title for hit in found.items] == ["国家中小学智慧教育平台：课后服务"], typed


def test_search_page_shows_other_school_types_when_ordinary_ones_have_nothing(client, catalog_words):
    factories.ResourceFactory(title="盲校义务教育实验教科书数学八年级上册（供低视力生使用）",
                              kind="textbook", grade=8, subject="数学", school_type="盲校")
    page = client.get("/search?q=低视力").text
    assert "找到 1 个资源" in page and "盲校义务教育实验教科书" in page
    assert '<li class="selected"><strong>全部</strong></li>' in page
