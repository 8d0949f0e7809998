"""Images in answers: uploaded by the one who may answer, seen only by the question's readers."""

from __future__ import annotations

import io
import os
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from hplearn import policy
from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from hplearn.media import services as media_services
from hplearn.media.models import Media
from hplearn.qa import services
from hplearn.qa.models import Answer
from hplearn.timeutil import utcnow
from tests import media_samples as samples
from tests.conftest import make_test_config
from tests.qa_fixtures import ask

LIMITS = {"video": 64 * 1024, "document": 16 * 1024, "image": 16 * 1024, "captions": 4 * 1024}


@pytest.fixture
def app_config(tmp_path):
    """A small image limit, so oversized uploads are cheap to test."""
    return make_test_config(tmp_path, MEDIA_MAX_BYTES=LIMITS)


@pytest.fixture
def claimed(question, teacher):
    """`question`, claimed by `teacher`."""
    services.claim_question(question.id, teacher)
    return question


@pytest.fixture
def private_claimed(student, teacher):
    """A private question of `student`, claimed by `teacher`."""
    asked = ask(student, title="我的作业本上的题不会做", private=True)
    services.claim_question(asked.id, teacher)
    return asked


def upload(client, question_id, data: bytes = samples.PNG, name: str = "板书.png", **kwargs):
    """POST /api/v1/questions/<id>/images as multipart."""
    return client.post(
        f"/api/v1/questions/{question_id}/images",
        data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data", **kwargs,
    )


def post_answer(client, question_id, body: str, action: str, image: bytes | None = None,
                name: str = "板书.png"):
    """POST the answer form as a browser would (multipart, with or without a file)."""
    data = {"body": body, "action": action}
    data["image"] = (io.BytesIO(image or b""), name if image is not None else "")
    return client.post(f"/qa/{question_id}/answer", data=data, content_type="multipart/form-data")


def image_tag(media_id: int) -> str:
    return f'<img alt="图片" src="/media/{media_id}">'


def nothing_stored():
    return db.session.query(Media).count() == 0 and os.listdir(media_services.media_root()) == []


# --- the JSON API --------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "content_type"), [
    (samples.PNG, "image/png"), (samples.JPEG, "image/jpeg"), (samples.GIF, "image/gif"),
    (samples.WEBP, "image/webp"),
])
def test_claiming_teacher_uploads_each_image_type(client, login, claimed, teacher, data,
                                                  content_type):
    login(teacher)
    response = upload(client, claimed.id, data)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["markdown"] == f"![图片](/media/{body['id']})"
    assert body["url"].endswith(f"/media/{body['id']}")
    assert body["content_type"] == content_type
    media = db.session.get(Media, body["id"])
    assert media.question_id == claimed.id and media.kind == "image"
    assert media.school_id == claimed.school_id and media.uploaded_by_id == teacher.id


def test_uploaded_image_shows_in_the_answer(client, login, claimed, teacher, student):
    login(teacher)
    image = upload(client, claimed.id).get_json()
    answer = client.post(f"/api/v1/questions/{claimed.id}/answer",
                         json={"body": f"看黑板上的步骤：\n\n{image['markdown']}"})
    assert answer.status_code == 201
    assert image_tag(image["id"]) in answer.get_json()["body_html"]
    login.logout()
    login(student)
    assert image_tag(image["id"]) in client.get(f"/qa/{claimed.id}").get_data(as_text=True)
    served = client.get(f"/media/{image['id']}", buffered=True)
    assert served.status_code == 200 and served.data == samples.PNG
    assert served.headers["Content-Type"] == "image/png"
    assert "private" in served.headers["Cache-Control"]


def test_upload_is_audited(client, login, claimed, teacher):
    login(teacher)
    image = upload(client, claimed.id).get_json()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "media.upload"))
    assert entry.actor_id == teacher.id and entry.object_id == image["id"]
    assert entry.details["question_id"] == claimed.id
    assert entry.school_id == claimed.school_id


@pytest.mark.parametrize(("who", "status"), [
    ("second_teacher", 403),  # routed to them, but claimed by another teacher
    # The asker's upload is a photo of the problem (tests/functional/qa/test_question_photos.py).
    ("school_admin", 403),  # a moderator reads it but does not answer it
    ("district_admin", 403),
    ("other_school_student", 404),
    ("other_school_teacher", 404),
    ("classmate", 404),
])
def test_only_the_one_who_may_answer_uploads(request, client, login, claimed, who, status):
    login(request.getfixturevalue(who))
    response = upload(client, claimed.id)
    assert response.status_code == status, response.get_json()
    assert set(response.get_json()) == {"error"}
    assert nothing_stored()


def test_anonymous_upload_is_401(client, claimed):
    assert upload(client, claimed.id).status_code == 401
    assert nothing_stored()


def test_unclaimed_or_expired_claim_is_refused(client, login, question, teacher):
    login(teacher)
    assert upload(client, question.id).status_code == 403
    services.claim_question(question.id, teacher, now=utcnow() - timedelta(hours=3))
    assert upload(client, question.id).status_code == 403
    assert upload(client, 999999).status_code == 404
    assert nothing_stored()


@pytest.mark.parametrize(("data", "name"), [
    (samples.PHP, "shell.png"), (samples.HTML, "page.png"), (samples.SVG, "logo.png"),
    (samples.PDF, "scan.jpg"), (samples.webm(), "clip.gif"),
])
def test_forged_images_are_415(client, login, claimed, teacher, data, name):
    login(teacher)
    response = upload(client, claimed.id, data, name)
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    assert "JPG" in response.get_json()["error"]["message"]
    assert nothing_stored()


def test_oversized_image_is_413(client, login, claimed, teacher):
    login(teacher)
    response = upload(client, claimed.id, samples.PNG + b"0" * LIMITS["image"])
    assert response.status_code == 413
    assert "最大 16 KB" in response.get_json()["error"]["message"]
    assert nothing_stored()


def test_body_far_over_the_image_limit_is_413_before_parsing(client, login, claimed, teacher):
    login(teacher)
    # Smaller than the video limit, so only the image limit refuses it.
    response = upload(client, claimed.id, samples.PNG + b"0" * (LIMITS["image"] + 100 * 1024))
    assert response.status_code == 413
    assert "最大 16 KB" in response.get_json()["error"]["message"]
    page = post_answer(client, claimed.id, "回答", "publish",
                       samples.PNG + b"0" * (LIMITS["image"] + 100 * 1024))
    assert page.status_code == 413 and "最大 16 KB" in page.get_data(as_text=True)
    assert nothing_stored()


@pytest.mark.parametrize("data", [{}, {"file": (io.BytesIO(b""), "")}, {"other": "x"}])
def test_missing_file_is_422(client, login, claimed, teacher, data):
    login(teacher)
    response = client.post(f"/api/v1/questions/{claimed.id}/images", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "file"


def test_empty_file_is_refused(client, login, claimed, teacher):
    login(teacher)
    assert upload(client, claimed.id, b"").status_code == 422
    assert nothing_stored()


def test_api_upload_needs_the_csrf_token(app, client, claimed, teacher):
    app.config["WTF_CSRF_ENABLED"] = True
    signed_in = client.post("/api/v1/auth/login",
                            json={"username": teacher.username, "password": "correct-horse-42"})
    token = signed_in.get_json()["csrf_token"]
    refused = upload(client, claimed.id)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    assert nothing_stored()
    assert upload(client, claimed.id, headers={"X-CSRFToken": token}).status_code == 201


# --- the answer form (no JavaScript needed) -------------------------------------------------------


def test_answer_form_is_multipart_with_an_image_field(client, login, claimed, teacher):
    login(teacher)
    page = client.get(f"/qa/{claimed.id}").get_data(as_text=True)
    form = re.search(r'<form[^>]*action="/qa/\d+/answer"[^>]*>', page).group(0)
    assert 'enctype="multipart/form-data"' in form
    assert 'type="file"' in page and 'name="image"' in page
    assert "图片最大 16 KB" in page


def test_preview_uploads_the_image_once_and_publish_keeps_it(client, login, claimed, teacher,
                                                            student):
    login(teacher)
    preview = post_answer(client, claimed.id, "看这张图。", "preview", samples.PNG)
    assert preview.status_code == 200
    media = db.session.scalars(select(Media)).one()
    html = preview.get_data(as_text=True)
    assert image_tag(media.id) in html  # the preview shows the image
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1)
    assert textarea.strip() == f"看这张图。\n\n![图片](/media/{media.id})"
    assert db.session.query(Answer).count() == 0
    # The browser sends the textarea back with an empty file field on publish.
    published = post_answer(client, claimed.id, textarea.strip(), "publish")
    assert published.status_code == 302
    assert db.session.query(Media).count() == 1
    answer = db.session.scalars(select(Answer)).one()
    assert answer.body == f"看这张图。\n\n![图片](/media/{media.id})"
    login.logout()
    login(student)
    assert image_tag(media.id) in client.get(f"/qa/{claimed.id}").get_data(as_text=True)


def test_publish_with_an_image_adds_it_to_the_answer(client, login, claimed, teacher):
    login(teacher)
    assert post_answer(client, claimed.id, "", "publish", samples.JPEG).status_code == 302
    media = db.session.scalars(select(Media)).one()
    assert db.session.scalars(select(Answer)).one().body == f"![图片](/media/{media.id})"


def test_answer_without_an_image_still_works(client, login, claimed, teacher):
    login(teacher)
    assert post_answer(client, claimed.id, "移项要变号。", "publish").status_code == 302
    assert db.session.scalars(select(Answer)).one().body == "移项要变号。"
    assert nothing_stored()


def test_form_refuses_a_forged_image_and_keeps_the_text(client, login, claimed, teacher):
    login(teacher)
    response = post_answer(client, claimed.id, "我写了很久的回答", "publish", samples.PHP, "a.png")
    assert response.status_code == 415
    html = response.get_data(as_text=True)
    assert "文件内容不是允许的图片格式" in html and "我写了很久的回答" in html
    assert db.session.query(Answer).count() == 0 and nothing_stored()


def test_form_refuses_an_oversized_image(client, login, claimed, teacher):
    login(teacher)
    response = post_answer(client, claimed.id, "回答", "preview",
                           samples.PNG + b"0" * LIMITS["image"])
    assert response.status_code == 413
    assert "文件太大" in response.get_data(as_text=True)
    assert nothing_stored()


def test_form_image_from_someone_who_may_not_answer_is_refused(client, login, claimed,
                                                               second_teacher, student):
    for user, status in ((second_teacher, 403), (student, 403)):
        login(user)
        assert post_answer(client, claimed.id, "x", "preview", samples.PNG).status_code == status
        login.logout()
    assert nothing_stored()


def test_form_without_csrf_token_is_refused(app, client, login, claimed, teacher):
    login(teacher)
    app.config["WTF_CSRF_ENABLED"] = True
    response = post_answer(client, claimed.id, "回答", "publish", samples.PNG)
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    assert db.session.query(Answer).count() == 0 and nothing_stored()


# --- who may see an answer image -----------------------------------------------------------------


def test_image_of_a_private_question_is_for_its_readers_only(
    request, client, login, private_claimed, teacher,
):
    login(teacher)
    media_id = upload(client, private_claimed.id).get_json()["id"]
    services.answer_question(private_claimed.id, teacher, f"![图片](/media/{media_id})")
    login.logout()
    assert client.get(f"/media/{media_id}").status_code == 404
    # 仅老师可见: once answered, the asker, the teacher who answered and its moderators read it
    # (the school's other teachers of the subject read it only while it waits for a teacher).
    expected = {"classmate": 404, "other_school_student": 404, "chinese_teacher": 404,
                "other_school_teacher": 404, "student": 200, "teacher": 200,
                "second_teacher": 404, "school_admin": 200}
    for who, status in expected.items():
        login(request.getfixturevalue(who))
        assert client.get(f"/media/{media_id}", buffered=True).status_code == status, who
        login.logout()


def test_image_follows_the_question_once_it_is_public(client, login, claimed, teacher, classmate):
    login(teacher)
    media_id = upload(client, claimed.id).get_json()["id"]
    login.logout()
    login(classmate)
    assert client.get(f"/media/{media_id}").status_code == 404  # not answered yet: not public
    services.answer_question(claimed.id, teacher, f"![图片](/media/{media_id})")
    assert client.get(f"/media/{media_id}", buffered=True).status_code == 200
    login.logout()
    assert client.get(f"/media/{media_id}").status_code == 404  # never for the signed-out


def test_answer_images_stay_out_of_the_media_library(client, login, claimed, teacher,
                                                     school_admin, district_admin):
    login(teacher)
    media = db.session.get(Media, upload(client, claimed.id).get_json()["id"])
    for admin in (school_admin, district_admin):
        assert media not in media_services.manageable_media(admin)
        assert not policy.can_manage_media(admin, media)
