"""Issue 15: textbook covers served from this site, fetched once by the server, a placeholder
when the image host cannot be reached (this machine has no internet: the fetcher is faked)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from hplearn.catalog import covers
from tests import factories

COVER_URL = "https://r1-ndr.example.cn/assets/x.t/zh-CN/1/transcode/image/1.jpg"


def jpeg(width=800, height=1120) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


class FakeFetcher:
    """Answers from a dict of address → bytes or exception, counting the calls."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, url, timeout):
        self.calls.append(url)
        answer = self.answers.get(url, covers.CoverUnavailable("no route to host"))
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def fake_fetcher(app):
    def install(answers):
        fetcher = FakeFetcher(answers)
        app.extensions[covers.EXTENSION] = fetcher
        return fetcher

    yield install
    app.extensions.pop(covers.EXTENSION, None)


def book(cover_url=COVER_URL, **values):
    return factories.ResourceFactory(title="义务教育教科书·数学八年级上册", kind="textbook",
                                     cover_url=cover_url, **values)


def test_a_cover_is_fetched_once_shrunk_and_served_from_here(client, fake_fetcher):
    fetcher = fake_fetcher({COVER_URL: jpeg()})
    resource = book()
    first = client.get(f"/covers/{resource.id}")
    assert first.status_code == 200 and first.mimetype == "image/jpeg"
    assert first.cache_control.max_age == 7 * 24 * 3600
    with Image.open(io.BytesIO(first.data)) as image:
        assert image.size == (240, 336)
    again = client.get(f"/covers/{resource.id}")
    assert again.data == first.data
    assert fetcher.calls == [COVER_URL]


def test_an_unreachable_host_gives_the_placeholder_and_is_not_asked_again_soon(client, fake_fetcher):
    fetcher = fake_fetcher({})
    resource = book()
    for _ in range(3):
        response = client.get(f"/covers/{resource.id}")
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        assert response.cache_control.max_age == 3600
    assert fetcher.calls == [COVER_URL]


def test_a_host_that_comes_back_is_asked_again_after_the_retry_time(app, client, fake_fetcher):
    fetcher = fake_fetcher({})
    resource = book()
    client.get(f"/covers/{resource.id}")
    app.config["COVER_RETRY_HOURS"] = 0.0
    fetcher.answers[COVER_URL] = jpeg()
    assert client.get(f"/covers/{resource.id}").mimetype == "image/jpeg"
    assert fetcher.calls == [COVER_URL, COVER_URL]


@pytest.mark.parametrize("answer", [
    b"<html>not found</html>", b"", jpeg()[:200], b"x" * (covers.MAX_COVER_BYTES + 1),
])
def test_what_is_not_an_image_gives_the_placeholder(client, fake_fetcher, answer):
    fake_fetcher({COVER_URL: answer})
    resource = book()
    assert client.get(f"/covers/{resource.id}").mimetype == "image/svg+xml"


@pytest.mark.parametrize("cover_url", [None, "", "javascript:alert(1)", "file:///etc/passwd"])
def test_no_usable_address_gives_the_placeholder_without_a_fetch(client, fake_fetcher, cover_url):
    fetcher = fake_fetcher({})
    resource = book(cover_url=cover_url)
    assert client.get(f"/covers/{resource.id}").mimetype == "image/svg+xml"
    assert fetcher.calls == []


def test_the_real_fetcher_fails_gracefully_without_a_network(client, app):
    app.config["COVER_FETCH_TIMEOUT"] = 0.5
    resource = book(cover_url="http://127.0.0.1:9/cover.jpg")  # the discard port: refused
    assert client.get(f"/covers/{resource.id}").mimetype == "image/svg+xml"


def test_covers_of_unpublished_or_missing_resources_are_not_found(client, fake_fetcher):
    fetcher = fake_fetcher({COVER_URL: jpeg()})
    draft = book(status="draft")
    assert client.get(f"/covers/{draft.id}").status_code == 404
    assert client.get("/covers/999999").status_code == 404
    assert fetcher.calls == []


def test_lists_and_resource_pages_show_covers_lazily_from_this_site(client, fake_fetcher):
    fake_fetcher({})
    resource = book()
    factories.ResourceFactory(title="没有封面的文章")
    listing = client.get("/browse").text
    assert listing.count('class="card-cover"') == 1
    assert f'src="/covers/{resource.id}" alt="" loading="lazy"' in listing
    assert COVER_URL not in listing
    page = client.get(f"/resources/{resource.id}").text
    assert f'src="/covers/{resource.id}"' in page and COVER_URL not in page
    found = client.get("/search?q=数学八年级").text
    assert f'src="/covers/{resource.id}" alt="" loading="lazy"' in found and COVER_URL not in found


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/cover.png", "http://localhost/cover.png", "http://10.1.2.3/cover.png",
    "http://169.254.169.254/latest/meta-data", "http://[::1]/cover.png", "http://192.168.0.5/x.jpg",
])
def test_the_real_fetcher_never_reads_internal_hosts(url):
    from hplearn.catalog.covers import CoverUnavailable, fetch_over_http

    with pytest.raises(CoverUnavailable, match="not a public address"):
        fetch_over_http(url, 1.0)


def test_a_redirect_to_an_internal_host_is_refused(monkeypatch):
    from hplearn.catalog import covers

    handler = covers._PublicRedirects()
    with pytest.raises(covers.CoverUnavailable, match="not a public address"):
        handler.redirect_request(None, None, 302, "Found", {}, "http://127.0.0.1/secret")
