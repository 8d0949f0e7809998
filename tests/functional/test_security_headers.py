"""Headers every response carries, absolute URLs from SITE_URL, and a page cache nobody can flood."""

from __future__ import annotations

import pytest

from hplearn.app import create_app
from hplearn.cache import catalog_cache
from hplearn.settings import ConfigError
from tests import factories
from tests.conftest import make_test_config
from tests.factories import TopicFactory


@pytest.mark.parametrize("path", ["/", "/api/v1/resources", "/auth/login", "/no-such-page"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_absolute_urls_come_from_site_url_not_the_host_header(tmp_path):
    app = create_app(make_test_config(tmp_path, SITE_URL="https://hplearn.example.cn"))
    with app.app_context():
        from hplearn.extensions import db

        db.create_all()
        factories.bind(db.session)
        resource = factories.ResourceFactory(title="勾股定理")
        resource_id = resource.id
        response = app.test_client().get("/api/v1/resources",
                                          headers={"Host": "evil.example"})
        db.session.remove()
        db.engine.dispose()
    [item] = response.get_json()["results"]
    assert item["url"] == f"https://hplearn.example.cn/resources/{resource_id}"


@pytest.mark.parametrize("value", ["hplearn.example.cn", "ftp://x.example", "https://x.example/path"])
def test_a_site_url_that_is_not_an_address_is_refused(tmp_path, value):
    with pytest.raises(ConfigError, match="SITE_URL"):
        create_app(make_test_config(tmp_path, SITE_URL=value))


def test_made_up_query_strings_are_not_cached(app, client):
    TopicFactory(slug="aiguo", name="爱国主义教育")
    cache = catalog_cache(app)
    assert client.get("/").headers["X-Cache"] == "miss"
    assert client.get("/").headers["X-Cache"] == "hit"
    for made_up in ("/?x=1", "/?utm_source=" + "a" * 5000, "/topics/aiguo?page=" + "9" * 40):
        response = client.get(made_up)
        assert "X-Cache" not in response.headers, made_up
    # One cached page (other entries are the catalog's own data, such as the facet rows).
    assert len([key for key in cache.local._entries if "page:" in str(key)]) == 1


def test_the_same_page_with_its_arguments_reordered_is_one_entry(app, client):
    TopicFactory(slug="aiguo", name="爱国主义教育")
    assert client.get("/topics/aiguo?page=1&per_page=10").headers["X-Cache"] == "miss"
    assert client.get("/topics/aiguo?per_page=10&page=1").headers["X-Cache"] == "hit"


def test_a_pdf_is_shown_in_a_same_origin_frame_without_opening_plugins(client, school_admin):
    """object-src 'none' blocked the <object> viewer: PDFs are framed, only by our own pages."""
    from tests.media_samples import PDF, PNG, store

    pdf = store(school_admin, "document", PDF, "讲义.pdf")
    png = store(school_admin, "image", PNG, "板书.png")
    resource = factories.ResourceFactory(kind="document", media_id=pdf.id)

    page = client.get(f"/resources/{resource.id}")
    html = page.get_data(as_text=True)
    assert f'<iframe class="pdf" src="/media/{pdf.id}"' in html and "<object" not in html
    policy = page.headers["Content-Security-Policy"]
    assert "frame-src 'self'" in policy and "object-src 'none'" in policy
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy

    with client.get(f"/media/{pdf.id}") as response:
        framed = response.headers
    assert "frame-ancestors 'self'" in framed["Content-Security-Policy"]
    assert "object-src 'none'" in framed["Content-Security-Policy"]
    assert framed["X-Frame-Options"] == "SAMEORIGIN"
    with client.get(f"/media/{png.id}") as response:
        image = response.headers
    assert "frame-ancestors 'none'" in image["Content-Security-Policy"]
    assert image["X-Frame-Options"] == "DENY"
