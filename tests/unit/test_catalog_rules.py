"""Catalog rules without HTTP: filters, the platform of a URL, safe links."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from hplearn.catalog import services
from hplearn.pagination import InvalidParameter
from hplearn.templating import safe_href
from tests.factories import PlatformFactory


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, services.ResourceFilters()),
        ({"grade": "初二", "subject": "生物"}, services.ResourceFilters(grade=8, subject="生物学")),
        ({"grade": " 8 ", "stage": "初中"}, services.ResourceFilters(grade=8, stage="初中")),
        ({"edition": "  ", "topic": "aiguo"}, services.ResourceFilters(topic="aiguo")),
    ],
)
def test_parse_filters(args, expected):
    assert services.parse_filters(MultiDict(args)) == expected


@pytest.mark.parametrize(
    "args", [{"grade": "13"}, {"stage": "大学"}, {"kind": "x"}, {"topic": "a\x00"}, {"edition": "e" * 101}]
)
def test_parse_filters_refuses(args):
    with pytest.raises(InvalidParameter):
        services.parse_filters(MultiDict(args))


def test_parse_sort():
    assert services.parse_sort(MultiDict()) == "newest"
    assert services.parse_sort(MultiDict({"sort": "popular"})) == "popular"
    with pytest.raises(InvalidParameter):
        services.parse_sort(MultiDict({"sort": "id"}))


def test_platform_for_url_matches_hosts(app):
    national = PlatformFactory(name="国家", url="https://basic.smartedu.cn/", needs_login=True)
    umbrella = PlatformFactory(name="总站", url="https://www.smartedu.cn")
    PlatformFactory(name="无网址", url=None)
    assert services.platform_for_url("https://basic.smartedu.cn/tchMaterial/detail?x=1") == national
    assert services.platform_for_url("HTTPS://BASIC.smartedu.cn:443/a") == national
    assert services.platform_for_url("https://smartedu.cn/a") == umbrella
    assert services.platform_for_url("https://x.smartedu.cn/a") == umbrella
    assert services.platform_for_url("https://notsmartedu.cn/a") is None
    assert services.platform_for_url("https://[bad") is None
    assert services.platform_for_url(None) is None


def test_out_of_range_ids_are_not_found(app):
    for resource_id in (0, -1, 2**31, 10**30):
        with pytest.raises(services.ResourceNotFound):
            services.get_visible_resource(resource_id)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/x", "https://a.example/x"),
        ("http://a.example", "http://a.example"),
        ("/media/3", "/media/3"),
        ("javascript:alert(1)", None),
        (" JaVaScRiPt:alert(1)", None),
        ("data:text/html,x", None),
        ("relative/path", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_href(url, expected):
    assert safe_href(url) == expected


def test_facet_counts_count_each_facet_under_the_other_filters(app):
    from tests.factories import ResourceFactory, TopicFactory

    topic = TopicFactory(slug="aiguo", name="爱国主义教育")
    ResourceFactory(subject="数学", grade=7, topic=topic)
    ResourceFactory(subject="数学", grade=8, edition="人教版")
    ResourceFactory(subject="语文", grade=7, kind="video")
    ResourceFactory(subject="语文", grade=7, status="draft")
    facets = services.facet_counts(services.ResourceFilters(subject="数学", grade=7))

    def counts(name):
        return {option.value: option.count for option in facets[name]}

    assert counts("subject") == {"数学": 1, "语文": 1}  # under grade 7
    assert counts("grade") == {7: 1, 8: 1}  # under 数学
    assert counts("topic") == {"aiguo": 1}
    assert counts("kind") == {"article": 1}
    assert counts("edition") == {}
    assert [o.label for o in facets["grade"]] == ["七年级", "八年级"]
    assert facets["topic"][0].label == "爱国主义教育"


def test_facet_counts_scan_the_catalog_once_until_it_changes(app, monkeypatch):
    from hplearn.extensions import db
    from tests.factories import ResourceFactory

    ResourceFactory(subject="数学", grade=7)
    db.session.commit()
    scans = []
    scan = services._scan_facet_rows
    monkeypatch.setattr(services, "_scan_facet_rows", lambda: scans.append(1) or scan())

    def grades():
        facets = services.facet_counts(services.ResourceFilters())
        return {option.value: option.count for option in facets["grade"]}

    assert grades() == {7: 1}
    assert grades() == {7: 1}
    assert len(scans) == 1  # the second browse read the cached rows
    ResourceFactory(subject="数学", grade=8)
    db.session.commit()  # a catalog change starts a new cache generation
    assert grades() == {7: 1, 8: 1}
    assert len(scans) == 2
