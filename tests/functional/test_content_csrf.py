"""With CSRF protection on (as in production), collection, media and resource changes need the token."""

from __future__ import annotations

import io
import re

import pytest

from hplearn.collections.models import Collection
from hplearn.extensions import db
from hplearn.media.models import Media
from tests import media_samples as samples
from tests.conftest import DEFAULT_PASSWORD, make_test_config
from tests.factories import CollectionFactory, ResourceFactory

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app_config(tmp_path):
    """CSRF on."""
    return make_test_config(tmp_path, WTF_CSRF_ENABLED=True)


def token_from(client, path: str) -> str:
    """The CSRF token printed in a page's form."""
    match = TOKEN.search(client.get(path).get_data(as_text=True))
    assert match, f"no csrf_token on {path}"
    return match.group(1) or match.group(2)


@pytest.fixture
def signed_in(client):
    """sign_in(user) through the real form, token included; returns a fresh token."""
    def sign_in(user):
        token = token_from(client, "/auth/login")
        response = client.post("/auth/login", data={
            "username": user.username, "password": DEFAULT_PASSWORD, "csrf_token": token,
        })
        assert response.status_code == 302
        return token_from(client, "/collections/new") if user.role.endswith("admin") else token
    return sign_in


def test_api_create_needs_the_header(client, signed_in, school_admin):
    token = signed_in(school_admin)
    body = {"title": "无令牌", "public": True}
    refused = client.post("/api/v1/collections", json=body)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    assert db.session.query(Collection).count() == 0
    accepted = client.post("/api/v1/collections", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_api_patch_needs_the_header(client, signed_in, school_admin, school):
    collection = CollectionFactory(school=school, title="原标题")
    signed_in(school_admin)
    response = client.patch(f"/api/v1/collections/{collection.id}", json={"title": "改"})
    assert response.status_code == 400
    db.session.refresh(collection)
    assert collection.title == "原标题"


def test_upload_needs_the_token(client, signed_in, school_admin):
    token = signed_in(school_admin)
    def post(headers):
        return client.post(
            "/api/v1/media", headers=headers, content_type="multipart/form-data",
            data={"kind": "image", "file": (io.BytesIO(samples.PNG), "a.png")},
        )
    assert post({}).status_code == 400
    assert db.session.query(Media).count() == 0
    assert post({"X-CSRFToken": token}).status_code == 201


def test_form_posts_need_the_token(client, signed_in, school_admin, school):
    resource = ResourceFactory(school_id=school.id, status="draft")
    collection = CollectionFactory(school=school, resources=[ResourceFactory()])
    signed_in(school_admin)
    assert client.post(f"/admin/resources/{resource.id}/publish").status_code == 400
    assert client.post(f"/collections/{collection.id}/delete").status_code == 400
    assert client.post("/collections/new", data={"title": "x", "visibility": "school"}).status_code == 400
    db.session.refresh(resource)
    assert resource.status == "draft"
    assert db.session.query(Collection).count() == 1


def test_position_needs_the_header(client, signed_in, school_admin, student):
    media = samples.store(school_admin, "video", samples.webm(), "a.webm")
    resource = ResourceFactory(kind="video", media_id=media.id)
    signed_in(student)
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    url = f"/media/{media.id}/position"
    assert client.post(url, json={"seconds": 12}).status_code == 400
    assert client.post(url, json={"seconds": 12}, headers={"X-CSRFToken": token}).status_code == 200
