"""The public catalog pages: home, browse, topics, resources, platforms, error pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from hplearn.timeutil import utcnow
from tests.factories import PlatformFactory, ResourceFactory, TopicFactory


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _landmarks_ok(html: str) -> None:
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert html.count("<main") == 1
    assert '<html lang="zh-CN">' in html


@pytest.fixture
def catalog(app):
    """Two topics, a few resources of each kind and the national platform."""
    patriotism = TopicFactory(slug="aiguo", name="爱国主义教育", summary="家国情怀", sort_order=1)
    ecology = TopicFactory(slug="shengtai", name="生态文明教育", sort_order=2)
    now = utcnow()
    resources = {
        "article": ResourceFactory(title="国旗的故事", topic=patriotism, body="**升旗**仪式",
                                   published_at=now - timedelta(days=3)),
        "video": ResourceFactory(title="垃圾分类动画", kind="video", topic=ecology, stage="小学",
                                 grade=3, subject="科学", media_url="https://v.example.org/a.mp4",
                                 published_at=now - timedelta(days=1)),
        "document": ResourceFactory(title="安全手册", kind="document", subject="道德与法治",
                                    media_url="/media/7", published_at=now - timedelta(days=2)),
        "textbook": ResourceFactory(title="数学七年级上册", kind="textbook", edition="人教版",
                                    url="https://basic.smartedu.cn/tchMaterial/detail?x=1",
                                    published_at=now),
        "draft": ResourceFactory(title="未发布的草稿", status="draft", topic=patriotism),
    }
    PlatformFactory(slug="smartedu", name="国家中小学智慧教育平台", needs_login=True,
                    url="https://basic.smartedu.cn/", level="national")
    PlatformFactory(slug="tj", name="天津市基础教育资源公共服务平台", url=None, level="municipal")
    return resources


def test_home_shows_topics_subjects_platforms_and_newest(client, catalog):
    html = _html(client.get("/"))
    _landmarks_ok(html)
    assert 'href="/topics/aiguo"' in html and "家国情怀" in html
    assert 'href="/browse?subject=%E6%95%B0%E5%AD%A6"' in html  # 数学
    assert "数学<span class=\"count\">（2）</span>" in html
    assert 'href="/browse?grade=7"' in html and 'href="/browse?stage=%E5%B0%8F%E5%AD%A6"' in html
    assert "国家中小学智慧教育平台" in html and 'href="https://basic.smartedu.cn/"' in html
    assert "垃圾分类动画" in html
    assert "数学七年级上册" not in html  # textbooks would crowd the newest list
    assert "未发布的草稿" not in html
    assert 'role="search"' in html and 'name="q"' in html


def test_home_of_an_empty_site(client):
    html = _html(client.get("/"))
    assert "专题正在建设中" in html


def test_browse_lists_published_newest_first(client, catalog):
    html = _html(client.get("/browse?sort=newest"))
    _landmarks_ok(html)
    assert "共 4 个资源" in html
    assert html.index("数学七年级上册") < html.index("垃圾分类动画") < html.index("国旗的故事")
    assert "未发布的草稿" not in html


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ("stage=小学", ["垃圾分类动画"], ["国旗的故事"]),
        ("grade=3", ["垃圾分类动画"], ["国旗的故事"]),
        ("grade=七年级", ["国旗的故事"], ["垃圾分类动画"]),
        ("subject=道法", ["安全手册"], ["国旗的故事"]),
        ("topic=aiguo", ["国旗的故事"], ["垃圾分类动画", "未发布的草稿"]),
        ("kind=textbook", ["数学七年级上册"], ["国旗的故事"]),
        ("edition=人教版", ["数学七年级上册"], ["安全手册"]),
        ("topic=no-such-topic", ["没有符合条件的资源"], ["国旗的故事"]),
    ],
)
def test_browse_filters(client, catalog, query, expected, absent):
    html = _html(client.get(f"/browse?{query}"))
    cards = html[html.index('class="result-count"'):]
    for text in expected:
        assert text in cards
    for text in absent:
        assert text not in cards


def test_browse_shows_facet_counts_and_keeps_alternatives(client, catalog):
    html = _html(client.get("/browse?subject=数学"))
    assert '<option value="数学" selected>数学（2）</option>' in html
    assert '<option value="科学">科学（1）</option>' in html  # other subjects stay choosable
    assert '<option value="aiguo">爱国主义教育（1）</option>' in html
    assert '<option value="textbook">教材（1）</option>' in html


def test_browse_keeps_a_chosen_value_without_results_selected(client, catalog):
    html = _html(client.get("/browse?edition=北师大版"))
    assert '<option value="北师大版" selected>北师大版（0）</option>' in html


def test_browse_sort_by_title(client, catalog):
    html = _html(client.get("/browse?sort=title"))
    assert '<option value="title" selected>' in html
    titles = re.findall(r'class="card-title">([^<]+)<', html)
    assert titles == sorted(titles)


def test_browse_paginates_and_keeps_filters(client, app):
    for n in range(25):
        ResourceFactory(title=f"练习{n:02d}", subject="语文")
    ResourceFactory(title="别的学科", subject="英语")
    first = _html(client.get("/browse?subject=语文"))
    assert "第 1 / 2 页" in first
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "subject=" in next_link and "page=2" in next_link
    second = _html(client.get(next_link))
    assert second.count('class="card"') == 5 and "别的学科" not in second
    assert '<a rel="prev"' in second


def test_browse_far_past_the_last_page_is_empty_with_a_way_back(client, catalog):
    html = _html(client.get("/browse?page=999"))
    assert 'class="card"' not in html
    assert "回到第一页" in html


def test_topic_page(client, catalog):
    html = _html(client.get("/topics/aiguo"))
    _landmarks_ok(html)
    assert "<h1>爱国主义教育</h1>" in html
    assert "国旗的故事" in html and "未发布的草稿" not in html and "垃圾分类动画" not in html
    assert 'href="/browse?topic=aiguo"' in html


def test_unknown_topic_is_404(client, catalog):
    response = client.get("/topics/no-such-topic")
    assert response.status_code == 404
    assert "没有找到这个专题" in response.get_data(as_text=True)


def test_article_is_rendered_markdown_and_sanitised(client, app):
    resource = ResourceFactory(body="## 小标题\n\n**重点**<script>alert(1)</script>")
    html = _html(client.get(f"/resources/{resource.id}"))
    _landmarks_ok(html)
    assert "<h2>小标题</h2>" in html and "<strong>重点</strong>" in html
    assert "<script>alert" not in html


def test_video_has_an_html5_player(client, catalog):
    html = _html(client.get(f"/resources/{catalog['video'].id}"))
    assert '<video class="player" controls' in html
    assert 'src="https://v.example.org/a.mp4"' in html
    assert "下载视频" in html


def test_video_without_media_has_no_player(client, app):
    resource = ResourceFactory(kind="video", media_url=None, url="https://example.org/v")
    assert "<video" not in _html(client.get(f"/resources/{resource.id}"))


def test_document_is_an_inline_pdf(client, catalog):
    html = _html(client.get(f"/resources/{catalog['document'].id}"))
    assert '<iframe class="pdf" src="/media/7"' in html  # not <object>: object-src 'none'
    assert 'href="/media/7"' in html


def test_media_block_is_one_marked_block(app):
    source = (app.jinja_loader.get_source(app.jinja_env, "catalog/resource.html"))[0]
    start, end = source.index("{# media player #}"), source.index("{# end media player #}")
    assert '{% include "media/_player.html" %}' in source[start:end]
    assert "<video" not in source and "<object" not in source
    player = app.jinja_loader.get_source(app.jinja_env, "media/_player.html")[0]
    assert "<video" in player and "<object" in player


def test_textbook_on_a_login_platform_says_so(client, catalog):
    html = _html(client.get(f"/resources/{catalog['textbook'].id}"))
    assert "阅读电子教材" in html
    assert 'href="https://basic.smartedu.cn/tchMaterial/detail?x=1"' in html
    assert "将打开国家中小学智慧教育平台" in html and "需要先登录该平台" in html


def test_link_to_a_platform_without_login(client, app):
    PlatformFactory(name="和平智慧校园", url="https://www.hpedu.example/", needs_login=False)
    resource = ResourceFactory(kind="link", url="https://hpedu.example/course/1")
    html = _html(client.get(f"/resources/{resource.id}"))
    assert "打开资源" in html and "将打开和平智慧校园" in html
    assert "需要先登录" not in html


def test_link_to_an_unknown_site(client, app):
    resource = ResourceFactory(kind="link", url="https://unknown.example/page")
    html = _html(client.get(f"/resources/{resource.id}"))
    assert "将打开外部网站" in html and "需要先登录" not in html


def test_unsafe_link_gets_no_button(client, app):
    resource = ResourceFactory(kind="link", url="javascript:alert(1)")
    html = _html(client.get(f"/resources/{resource.id}"))
    assert "javascript:" not in html and "打开资源" not in html


def test_draft_is_hidden_from_visitors_and_students(client, login, student, catalog):
    draft_url = f"/resources/{catalog['draft'].id}"
    assert client.get(draft_url).status_code == 404
    login(student)
    assert client.get(draft_url).status_code == 404


def test_own_school_draft_is_visible_to_its_admin(client, login, school_admin, school):
    draft = ResourceFactory(title="本校草稿", status="draft", school_id=school.id)
    login(school_admin)
    assert "本校草稿" in _html(client.get(f"/resources/{draft.id}"))


def test_district_draft_is_visible_to_district_admins_only(
    client, login, school_admin, district_admin, catalog
):
    login(school_admin)
    assert client.get(f"/resources/{catalog['draft'].id}").status_code == 404
    login.logout()
    login(district_admin)
    assert "未发布的草稿" in _html(client.get(f"/resources/{catalog['draft'].id}"))


def test_platforms_page_groups_by_level(client, catalog):
    html = _html(client.get("/platforms"))
    _landmarks_ok(html)
    assert html.index("国家级平台") < html.index("市级平台")
    assert "需要登录该平台后使用" in html
    assert "网址待管理员确认后补充" in html


def test_404_page_in_the_site_design(client):
    response = client.get("/resources/123456")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    _landmarks_ok(html)
    assert "没有找到这个资源" in html and 'class="site-header"' in html


def test_every_control_has_a_label(client, catalog):
    for path in ("/", "/browse", "/topics/aiguo", "/platforms"):
        html = _html(client.get(path))
        for control_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
            assert f'for="{control_id}"' in html, (path, control_id)
        controls = re.findall(r"<(?:input|select|textarea)\b[^>]*>", html)
        unlabelled = [c for c in controls if 'type="hidden"' not in c and " id=" not in c]
        assert not unlabelled, (path, unlabelled)


def test_images_have_alt_text(client, catalog):
    for path in ("/", "/browse", "/platforms", f"/resources/{catalog['video'].id}"):
        for tag in re.findall(r"<img\b[^>]*>", _html(client.get(path))):
            assert " alt=" in tag, (path, tag)


def test_home_page_is_light(client, app, catalog):
    html = client.get("/").get_data()
    with client.get("/static/css/site.css") as response:
        css = response.get_data()
    # No framework, no web fonts, no scripts: the page and its one stylesheet stay small.
    assert b"<script" not in html and b"@font-face" not in css and b"@import" not in css
    assert len(html) < 16_000, len(html)
    assert len(css) < 10_000, len(css)
