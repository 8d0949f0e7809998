"""Request bodies are limited route by route (issue 11, item 4).

Routes that take no upload accept MAX_BODY_BYTES (512 KB); upload routes their kind's limit.
A body over the limit is refused with 413 and a Chinese message before anything reads it, and
a body sent without Content-Length is cut off at the limit.
"""

from __future__ import annotations

import io
import json

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from hplearn.media.models import Media
from tests import media_samples as samples
from tests.conftest import make_test_config

KB = 1024
IMAGE_LIMIT = 2 * 1024 * KB


@pytest.fixture
def app_config(tmp_path):
    """The default body limit, and a 2 MB image limit: an upload may exceed the default."""
    return make_test_config(tmp_path, MEDIA_MAX_BYTES={
        "video": 4 * IMAGE_LIMIT, "document": IMAGE_LIMIT, "image": IMAGE_LIMIT,
        "captions": 64 * KB,
    })


class UnreadableStream(io.RawIOBase):
    """A body that fails the test if anyone reads it."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise AssertionError("the body was read")


def _login_json(size: int) -> bytes:
    return json.dumps({"username": "stu1", "password": "x" * size}).encode()


def _chunked(client, path, body: bytes, content_type="application/json"):
    """POST a body without Content-Length, as a server passes on a chunked request."""
    # Werkzeug ignores CONTENT_LENGTH (set by the test client) on a chunked request.
    return client.post(path, input_stream=io.BytesIO(body), content_type=content_type,
                       headers={"Transfer-Encoding": "chunked"},
                       environ_overrides={"wsgi.input_terminated": True})


def test_a_one_megabyte_json_sign_in_is_413_with_a_chinese_message(client, student):
    response = client.post("/api/v1/auth/login", data=_login_json(1024 * KB),
                           content_type="application/json")
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "too_large"
    assert error["message"] == "提交的内容太大：最大 512 KB。"


def test_a_one_megabyte_sign_in_form_is_413_on_the_error_page(client, student):
    response = client.post("/auth/login", data={"username": "stu1", "password": "x" * 1024 * KB})
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "提交的内容太大：最大 512 KB。" in response.get_data(as_text=True)


def test_an_oversized_body_is_refused_unread(client, student):
    # 100 MB announced; nothing may read it (the sign-in limiter used to parse it for the name).
    response = client.post("/api/v1/auth/login", content_type="application/json",
                           environ_overrides={"wsgi.input": UnreadableStream(),
                                              "CONTENT_LENGTH": str(100 * 1024 * 1024)})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_a_body_without_length_is_cut_off_at_the_limit(client, student):
    response = _chunked(client, "/api/v1/auth/login", _login_json(1024 * KB))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_a_body_without_length_is_not_read_cut_short(client, student):
    # Valid JSON in its first 512 KB: a stream that ended quietly at the limit would sign in.
    body = json.dumps({"username": "stu1", "password": "wrong-password"}).encode()
    response = _chunked(client, "/api/v1/auth/login", body + b" " * (1024 * KB))
    assert response.status_code == 413


def test_a_body_without_length_is_413_even_past_the_sign_in_limiter(tmp_path):
    # The limiter reads the body for the account name, and swallows its errors.
    from hplearn.app import create_app

    app = create_app(make_test_config(tmp_path, RATELIMIT_ENABLED=True))
    response = _chunked(app.test_client(), "/api/v1/auth/login", _login_json(1024 * KB))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_a_body_without_length_under_the_limit_is_read(client, student):
    body = json.dumps({"username": "stu1", "password": "wrong-password"}).encode()
    assert _chunked(client, "/api/v1/auth/login", body).status_code == 401


def test_normal_sign_in_is_unaffected(client, student):
    from tests.factories import DEFAULT_PASSWORD

    response = client.post("/api/v1/auth/login", json={"username": "stu1",
                                                      "password": DEFAULT_PASSWORD})
    assert response.status_code == 200


def test_a_json_body_just_under_the_limit_is_accepted(client, login, student):
    login(student)
    body = json.dumps({"title": "问题", "body": "x" * (500 * KB), "subject": "数学"}).encode()
    response = client.post("/api/v1/questions", data=body, content_type="application/json")
    assert response.status_code != 413


def _multipart(image: bytes) -> tuple[bytes, str]:
    """An upload form, encoded in memory (the test client would leak a temporary file)."""
    upload = FileStorage(io.BytesIO(image), filename="big.png", content_type="image/png")
    boundary, body = encode_multipart({"kind": "image", "file": upload})
    return body, f"multipart/form-data; boundary={boundary}"


def test_an_upload_bigger_than_the_json_limit_is_accepted(client, login, school_admin):
    login(school_admin)
    image = samples.PNG + b"0" * (1024 * KB)
    body, content_type = _multipart(image)
    response = client.post("/api/v1/media", data=body, content_type=content_type)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["size"] == len(image)


@pytest.mark.parametrize("chunked", [False, True])
def test_an_upload_over_its_kinds_limit_is_413_and_nothing_is_kept(
    client, login, school_admin, chunked
):
    login(school_admin)
    body, content_type = _multipart(samples.PNG + b"0" * (4 * IMAGE_LIMIT))
    if chunked:
        response = _chunked(client, "/api/v1/media", body, content_type)
    else:
        response = client.post("/api/v1/media", data=body, content_type=content_type)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert Media.query.count() == 0


def test_an_answer_image_route_takes_an_image_not_a_video(client, login, teacher):
    login(teacher)
    body = b"0" * (IMAGE_LIMIT + 128 * KB)
    response = client.post("/api/v1/questions/1/images", data=body,
                           content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413
    assert "最大 2 MB" in response.get_json()["error"]["message"]


def test_the_default_limit_is_a_setting(tmp_path):
    from hplearn.app import create_app

    app = create_app(make_test_config(tmp_path, MAX_BODY_BYTES=2 * KB))
    response = app.test_client().post("/api/v1/auth/login", data=_login_json(4 * KB),
                                      content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == "提交的内容太大：最大 2 KB。"


def test_every_route_given_a_bigger_limit_exists(app):
    from hplearn.bodylimits import EXTENSION

    named = set(app.extensions[EXTENSION])
    assert {"media.upload", "api.upload_media", "qa.answer", "api.add_question_image", "qa.ask",
            "qa.followup", "contributions.save_part", "api.upload_part",
            "account_admin.import_users"} == named
    assert named <= set(app.view_functions)
