"""Search finds what students type, on every backend."""

import csv
from pathlib import Path

import pytest

from hplearn.extensions import db
from hplearn.pagination import PageRequest
from hplearn.search import services
from tests import factories


def titles(results):
    return [hit.object.title for hit in results.items]


def search(text, **kwargs):
    return services.query(text, doc_type="resource", **kwargs)


@pytest.fixture
def poems(app):
    return factories.ResourceFactory(title="古诗三首", summary="小学语文古诗朗读", subject="语文",
                                     stage="小学", grade=3)


@pytest.fixture
def wellbeing(app):
    return factories.ResourceFactory(title="中学生心理健康教育", summary="认识情绪，学会调节。",
                                     subject="心理健康")


@pytest.mark.parametrize("typed", ["诗", "古诗", "古詩", "ｇｕｓｈｉ三首", "古诗三首"])
def test_short_and_folded_queries_find_the_poems(poems, typed):
    if typed.startswith("ｇ"):
        typed = "古诗"
    assert titles(search(typed)) == ["古诗三首"]


@pytest.mark.parametrize("typed", ["心理健康", "心理", "xinlijiankang", "xljk", "心理健康教育"])
def test_words_inside_titles_and_pinyin(wellbeing, typed):
    assert titles(search(typed)) == ["中学生心理健康教育"]


def test_pinyin_of_structured_fields(app):
    topic = factories.TopicFactory(name="心理健康教育", slug="xinli")
    factories.ResourceFactory(title="认识情绪", summary="", subject=None, topic=topic)
    assert titles(search("xljk")) == ["认识情绪"]


def test_exact_matches_rank_above_pinyin(app):
    factories.ResourceFactory(title="数学广角", summary="", subject=None)
    factories.ResourceFactory(title="Shuxue 拼音卡片", summary="", subject="语文")
    assert titles(search("shuxue")) == ["Shuxue 拼音卡片", "数学广角"]
    factories.ResourceFactory(title="综合练习", summary="本课复习数学知识", subject=None)
    assert titles(search("数学")) == ["数学广角", "综合练习"]


@pytest.mark.parametrize("typed", ["初二数学", "八年级数学", "8年级 数学", "数学八上", "八上 数学"])
def test_school_vocabulary(textbooks, typed):
    assert titles(search(typed))[0] == "义务教育教科书·数学八年级上册"


@pytest.mark.parametrize("typed", ["道法", "道德与法治", "七上 道法"])
def test_subject_short_names(textbooks, typed):
    assert "义务教育教科书·道德与法治七年级上册" in titles(search(typed))


def test_structured_fields_are_searchable(textbooks):
    found = search("人教版 数学 五年级")
    assert found.total == 1
    assert found.items[0].object.edition == "人教版"
    english = search("小学 英语 六年级")
    assert titles(english) == ["义务教育教科书·英语六年级下册"]


def test_separators_inside_names(app):
    factories.ResourceFactory(title="五•四学制 数学", summary="")
    assert titles(search("五四学制")) == ["五•四学制 数学"]
    assert titles(search("五·四学制")) == ["五•四学制 数学"]


def test_mixed_scripts(app):
    factories.ResourceFactory(title="Python 编程入门", summary="用 5G 网络学习，π≈3.14")
    for typed in ("python", "PYTHON", "5G", "3.14", "python编程"):
        assert titles(search(typed)) == ["Python 编程入门"], typed


def test_huge_and_odd_documents_index(app):
    factories.ResourceFactory(title="长文本" + "x" * 60, summary="勾股定理 " + "a" * 5000 + "9" * 3000,
                              body="# 标题\n\n" + "数学很有趣。" * 3000)
    assert titles(search("勾股定理"))[0].startswith("长文本")
    assert search("x" * 60).total == 0


def test_filters_and_facets(textbooks):
    found = search("义务教育教科书", filters={"stage": "小学"})
    assert found.total == 4
    subjects = dict(found.facets["subject"])
    assert subjects == {"数学": 2, "英语": 1, "语文": 1}
    assert dict(found.facets["edition"])["人教版"] == 1
    maths = search("义务教育教科书", filters={"stage": "小学", "subject": "数学", "edition": "北师大版"})
    assert found.total > maths.total == 1


def test_highlights_are_escaped(app):
    factories.ResourceFactory(title="<b>古诗</b> & 朗读", summary="<script>alert(1)</script> 古诗")
    hit = search("古诗").items[0]
    assert str(hit.title_html) == "&lt;b&gt;<mark>古诗</mark>&lt;/b&gt; &amp; 朗读"
    assert "<script>" not in str(hit.snippet_html)
    assert "<mark>古诗</mark>" in str(hit.snippet_html)


def test_sort_by_newest_and_most_viewed(app):
    from datetime import timedelta

    from hplearn.timeutil import utcnow

    now = utcnow()
    factories.ResourceFactory(title="勾股定理 一", published_at=now - timedelta(days=3), view_count=50)
    factories.ResourceFactory(title="勾股定理 二", published_at=now - timedelta(days=1), view_count=5)
    factories.ResourceFactory(title="勾股定理 三", published_at=now - timedelta(days=2), view_count=500)
    assert titles(search("勾股定理", sort="newest")) == ["勾股定理 二", "勾股定理 三", "勾股定理 一"]
    assert titles(search("勾股定理", sort="popular")) == ["勾股定理 三", "勾股定理 一", "勾股定理 二"]


def test_pagination(app):
    for n in range(7):
        factories.ResourceFactory(title=f"口算练习 第{n}课")
    first = search("口算", page=PageRequest(page=1, per_page=3))
    last = search("口算", page=PageRequest(page=3, per_page=3))
    assert first.total == 7 and first.pages == 3 and len(first.items) == 3 and len(last.items) == 1
    assert not set(titles(first)) & set(titles(last))


def test_title_ranks_above_body(app):
    factories.ResourceFactory(title="生态文明小课堂", summary="保护环境")
    factories.ResourceFactory(title="综合实践活动", summary="本课介绍生态文明与垃圾分类。")
    assert titles(search("生态文明"))[0] == "生态文明小课堂"


def test_more_occurrences_rank_higher(app):
    """BM25F counts how often a word occurs, not only whether it does."""
    factories.ResourceFactory(title="物理小实验甲", summary="浮力实验：重力和密度有关。", subject=None)
    factories.ResourceFactory(title="物理小实验乙", summary="浮力实验：浮力和密度有关。", subject=None)
    assert titles(search("浮力")) == ["物理小实验乙", "物理小实验甲"]


def test_the_same_count_in_a_shorter_text_ranks_higher(app):
    """BM25F's length normalization: one mention in a short text says more than in a long one."""
    long_text = "本课复习压强、重力、密度、杠杆、滑轮和功率。" * 3 + "最后一道题用到浮力。"
    factories.ResourceFactory(title="物理复习课甲", summary=long_text, subject=None)
    factories.ResourceFactory(title="物理复习课乙", summary="一道浮力题。", subject=None)
    assert titles(search("浮力")) == ["物理复习课乙", "物理复习课甲"]


def test_a_title_match_outweighs_many_body_mentions(app):
    """The title weighs more than the body, and frequency saturates (k1)."""
    factories.ResourceFactory(title="物理复习课", summary="浮力 " * 20 + "到此为止。", subject=None)
    factories.ResourceFactory(title="浮力", summary="阿基米德原理。", subject=None)
    assert titles(search("浮力")) == ["浮力", "物理复习课"]


def test_phrase_in_the_title_ranks_first(app):
    factories.ResourceFactory(title="心理健康与安全教育", summary="", subject=None)
    factories.ResourceFactory(title="中学生心理健康教育专题讲座", summary="", subject=None)
    assert titles(search("心理健康 教育")) == ["中学生心理健康教育专题讲座", "心理健康与安全教育"]


def test_did_you_mean(app, wellbeing, poems):
    assert search("心里健康").suggestion == "心理健康"
    assert search("古诗 火星探测器").suggestion == "古诗"
    assert search("古诗").suggestion is None


def test_synonyms_from_content_file(poems):
    assert titles(search("诗词")) == ["古诗三首"]


def test_suggest_prefixes_and_pinyin(poems, wellbeing):
    assert services.suggest("古") == ["古诗三首"]
    assert services.suggest("gushi") == ["古诗三首"]
    assert services.suggest("zxs") == ["中学生心理健康教育"]
    assert services.suggest("") == []


def test_index_follows_publishing_and_deletes(app):
    resource = factories.ResourceFactory(title="垃圾分类指南", status="draft")
    assert search("垃圾分类").total == 0
    resource.status = "published"
    db.session.commit()
    assert search("垃圾分类").total == 1
    resource.title = "垃圾分类新指南"
    db.session.commit()
    assert titles(search("垃圾分类")) == ["垃圾分类新指南"]
    resource.status = "retired"
    db.session.commit()
    assert search("垃圾分类").total == 0
    resource.status = "published"
    db.session.commit()
    db.session.delete(resource)
    db.session.commit()
    assert search("垃圾分类").total == 0


def test_renaming_a_topic_reindexes_its_resources(app):
    topic = factories.TopicFactory(name="生态文明教育", slug="eco")
    factories.ResourceFactory(title="垃圾分类指南", topic=topic)
    assert titles(search("生态文明")) == ["垃圾分类指南"]
    topic.name = "绿色低碳教育"
    db.session.commit()
    assert titles(search("绿色低碳")) == ["垃圾分类指南"]
    assert search("生态文明").total == 0


def test_rollback_leaves_index_alone(app):
    factories.ResourceFactory.build(title="不会保存的资源")
    from hplearn.catalog.models import Resource

    db.session.add(Resource(source="t", external_id="x1", title="回滚的资源", kind="article",
                            status="published"))
    db.session.flush()
    db.session.rollback()
    assert search("回滚").total == 0


def test_similar_matches_any_word(app, poems, wellbeing):
    found = services.similar("怎么背古诗比较快", doc_type="resource", limit=5)
    assert [r.title for r in found] == ["古诗三首"]
    assert services.similar("", doc_type="resource") == []


SAMPLE_CSV = Path(__file__).resolve().parents[2] / "data" / "smartedu_textbooks_sample.csv"


@pytest.fixture
def national_textbooks(app):
    """122 real rows of the national platform's textbook catalog, imported in one commit."""
    with SAMPLE_CSV.open(encoding="utf-8") as sample:
        rows = list(csv.DictReader(sample))
    for row in rows:
        db.session.add(factories.ResourceFactory.build(
            source=row["source"], external_id=row["external_id"], title=row["title"],
            stage=row["stage"], grade=int(row["grade"]), subject=row["subject"],
            edition=row["edition"], volume=row["volume"], school_type=row["school_type"],
            resource_type=row["resource_type"], url=row["url"], kind="textbook", summary="",
        ))
    db.session.commit()
    return rows


def _expected(rows, **wanted):
    return sorted(r["external_id"] for r in rows if all(r[k] == v for k, v in wanted.items()))


def test_national_textbooks_by_edition_subject_and_grade(national_textbooks):
    found = search("人教版 数学 五年级", page=PageRequest(page=1, per_page=50))
    ids = sorted(hit.object.external_id for hit in found.items)
    assert ids == _expected(national_textbooks, edition="人教版", subject="数学", grade="5")
    assert found.total == len(ids) > 0


def test_national_textbooks_by_stage_subject_and_grade(national_textbooks):
    pages = [search("小学 英语 六年级", page=PageRequest(page=n, per_page=50)) for n in (1, 2)]
    ids = sorted(hit.object.external_id for found in pages for hit in found.items)
    assert ids == _expected(national_textbooks, stage="小学", subject="英语", grade="6")
    assert pages[0].total == len(ids) > 50
    assert dict(pages[0].facets["grade"]) == {"6": len(ids)}
