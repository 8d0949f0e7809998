"""Photos of the problem: the asker attaches up to 3, re-encoded without EXIF, seen by readers."""

from __future__ import annotations

import io
import os
import re

import pytest
from PIL import Image
from sqlalchemy import select

from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from hplearn.media import photos as media_photos
from hplearn.media import services as media_services
from hplearn.media.models import Media
from hplearn.qa import services
from hplearn.qa.models import Followup, Question
from tests import media_samples as samples
from tests.conftest import make_test_config
from tests.qa_fixtures import ask

LIMITS = {"video": 64 * 1024, "document": 16 * 1024, "image": 64 * 1024, "captions": 4 * 1024}
REMINDER = "请不要拍到人脸、姓名、学号等个人信息"
GPS_TAG, ORIENTATION_TAG = 0x8825, 0x0112


@pytest.fixture
def app_config(tmp_path):
    """A small image limit, so oversized photos are cheap to test."""
    return make_test_config(tmp_path, MEDIA_MAX_BYTES=LIMITS)


def photo(fmt: str = "JPEG", size=(60, 40), mode: str = "RGB", exif: bool = False) -> bytes:
    """A real picture made with Pillow; with exif, GPS and 'rotate 90°' tags like a phone's."""
    if fmt == "HEIF":
        # The app registers pillow-heif with its first photo; this test's "phone" needs it first.
        from pillow_heif import register_heif_opener

        register_heif_opener()
    colour = {"RGBA": (200, 30, 30, 128), "1": 0}.get(mode, (200, 30, 30))
    image = Image.new(mode, size, colour)
    out = io.BytesIO()
    options = {}
    if exif:
        tags = Image.Exif()
        tags[ORIENTATION_TAG] = 6  # the phone was held upright: turn 90° clockwise to show
        tags[0x010F] = "PhoneMaker"
        tags[GPS_TAG] = {1: "N", 2: (39.0, 7.0, 30.0), 3: "E", 4: (117.0, 12.0, 0.0)}
        options["exif"] = tags
    image.save(out, format=fmt, **options)
    return out.getvalue()


def upload(client, question_id, data: bytes | None = None, name: str = "题目.jpg", **form):
    """POST /api/v1/questions/<id>/images as multipart (followup_id= as a form field)."""
    fields = {"file": (io.BytesIO(photo() if data is None else data), name), **form}
    return client.post(f"/api/v1/questions/{question_id}/images", data=fields,
                       content_type="multipart/form-data")


def stored_image(media_id: int) -> Image.Image:
    media = db.session.get(Media, media_id)
    return Image.open(io.BytesIO(media_services.media_path(media).read_bytes()))


def nothing_stored():
    return db.session.query(Media).count() == 0 and os.listdir(media_services.media_root()) == []


@pytest.fixture
def private_question(student):
    """A private (仅老师可见) question of `student`."""
    return ask(student, title="我的作业本上的题不会做", private=True)


# --- re-encoding ---------------------------------------------------------------------------------


def test_phone_photo_loses_exif_and_gps_and_is_turned_upright(client, login, question, student):
    original = photo(exif=True, size=(60, 40))
    assert Image.open(io.BytesIO(original)).getexif()[GPS_TAG]  # the sample does carry GPS
    login(student)
    response = upload(client, question.id, original)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["content_type"] == "image/jpeg" and body["followup_id"] is None
    stored = stored_image(body["id"])
    assert stored.format == "JPEG" and stored.size == (40, 60)  # turned upright
    assert not stored.getexif() and "exif" not in stored.info and "xmp" not in stored.info
    media = db.session.get(Media, body["id"])
    assert b"PhoneMaker" not in media_services.media_path(media).read_bytes()
    assert media.question_id == question.id and media.uploaded_by_id == student.id


@pytest.mark.parametrize(("data", "stored_format"), [
    (photo("PNG"), "JPEG"),
    (photo("PNG", mode="RGBA"), "PNG"),  # transparency kept
    (photo("WEBP"), "JPEG"),
])
def test_png_and_webp_are_re_encoded(client, login, question, student, data, stored_format):
    login(student)
    response = upload(client, question.id, data, "x.png")
    assert response.status_code == 201, response.get_json()
    assert stored_image(response.get_json()["id"]).format == stored_format


@pytest.mark.skipif(not media_photos.HEIC_READABLE, reason="pillow-heif is not installed")
def test_heic_from_an_iphone_is_read(client, login, question, student):
    login(student)
    response = upload(client, question.id, photo("HEIF"), "IMG_0001.HEIC")
    assert response.status_code == 201, response.get_json()
    assert stored_image(response.get_json()["id"]).format == "JPEG"
    assert db.session.get(Media, response.get_json()["id"]).original_name == "IMG_0001.jpg"


def test_long_side_is_limited(client, login, question, student):
    login(student)
    response = upload(client, question.id, photo(size=(3000, 1200)))
    assert response.status_code == 201
    assert stored_image(response.get_json()["id"]).size == (media_photos.LONG_SIDE_MAX, 800)


@pytest.mark.parametrize(("data", "status", "message"), [
    (samples.PHP, 415, "文件内容不是允许的图片格式"),
    (samples.SVG, 415, "文件内容不是允许的图片格式"),
    (samples.PDF, 415, "文件内容不是允许的图片格式"),
    (samples.GIF, 415, "文件内容不是允许的图片格式"),  # GIF is for answers, not for photos
    (samples.PNG, 415, "图片"),  # a PNG header without pixels
    (photo()[:200], 415, "图片"),  # a cut-off JPEG
    (b"", 422, "空"),
])
def test_refused_files_get_a_chinese_error(client, login, question, student, data, status,
                                           message):
    login(student)
    response = upload(client, question.id, data)
    assert response.status_code == status, response.get_json()
    assert message in response.get_json()["error"]["message"]
    assert nothing_stored()


def test_decompression_bombs_are_refused_before_decoding(client, login, question, student):
    login(student)
    many = upload(client, question.id, photo("PNG", size=(8000, 6000), mode="1"))
    assert many.status_code == 422 and "像素太多" in many.get_json()["error"]["message"]
    bomb = upload(client, question.id, photo("PNG", size=(12000, 12000), mode="1"))
    assert bomb.status_code == 415
    assert nothing_stored()


def test_oversized_photo_is_413(client, login, question, student):
    login(student)
    response = upload(client, question.id, photo() + b"0" * LIMITS["image"])
    assert response.status_code == 413 and "最大" in response.get_json()["error"]["message"]
    assert nothing_stored()


# --- how many, and to what -----------------------------------------------------------------------


def test_a_fourth_photo_is_422(client, login, question, student):
    login(student)
    for _ in range(3):
        assert upload(client, question.id).status_code == 201
    fourth = upload(client, question.id)
    assert fourth.status_code == 422
    assert fourth.get_json()["error"]["message"] == "每个问题最多附 3 张图片。"
    assert db.session.query(Media).count() == 3


def test_each_follow_up_has_its_own_three(client, login, answered_question, student):
    login(student)
    for _ in range(3):
        assert upload(client, answered_question.id).status_code == 201
    entry = services.add_followup(answered_question.id, student, "第二步还是不懂")
    for _ in range(3):
        added = upload(client, answered_question.id, followup_id=str(entry.id))
        assert added.status_code == 201 and added.get_json()["followup_id"] == entry.id
    fourth = upload(client, answered_question.id, followup_id=str(entry.id))
    assert fourth.status_code == 422 and "每条追问最多附 3 张" in fourth.get_json()["error"]["message"]
    shown = client.get(f"/api/v1/questions/{answered_question.id}").get_json()
    assert len(shown["images"]) == 3 and len(shown["followups"][0]["images"]) == 3


@pytest.mark.parametrize("followup_id", ["999999", "abc", "-1", "1" * 20])
def test_unknown_follow_up_is_422(client, login, answered_question, student, followup_id):
    login(student)
    response = upload(client, answered_question.id, followup_id=followup_id)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "followup_id"
    assert nothing_stored()


def test_follow_up_of_another_question_is_422(client, login, answered_question, student):
    other = ask(student, title="另一道几何题怎么证明")
    entry = services.add_followup(answered_question.id, student, "还是不懂")
    login(student)
    response = upload(client, other.id, followup_id=str(entry.id))
    assert response.status_code == 422 and nothing_stored()


@pytest.mark.parametrize(("who", "status"), [
    ("classmate", 404),  # not answered yet: not public
    ("other_school_student", 404),
    ("other_school_teacher", 404),
    ("teacher", 403),  # may read it, but has not claimed it: no answer image either
])
def test_only_the_asker_attaches_photos(request, client, login, question, who, status):
    login(request.getfixturevalue(who))
    response = upload(client, question.id)
    assert response.status_code == status, response.get_json()
    assert nothing_stored()


def test_classmate_cannot_attach_to_a_public_question(client, login, answered_question, classmate):
    login(classmate)
    response = upload(client, answered_question.id)
    assert response.status_code == 403
    assert "只有提问的同学" in response.get_json()["error"]["message"]
    assert nothing_stored()


def test_anonymous_upload_is_401(client, question):
    assert upload(client, question.id).status_code == 401
    assert nothing_stored()


def test_upload_is_audited(client, login, answered_question, student):
    entry = services.add_followup(answered_question.id, student, "还是不懂")
    login(student)
    media_id = upload(client, answered_question.id, followup_id=str(entry.id)).get_json()["id"]
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "media.upload"))
    assert audit.actor_id == student.id and audit.object_id == media_id
    assert audit.details["question_id"] == answered_question.id
    assert audit.details["followup_id"] == entry.id


# --- who sees a photo ----------------------------------------------------------------------------


def test_photo_of_a_private_question_is_for_its_readers_only(
    request, client, login, private_question, student,
):
    login(student)
    media_id = upload(client, private_question.id).get_json()["id"]
    assert client.get(f"/media/{media_id}", buffered=True).status_code == 200
    login.logout()
    assert client.get(f"/media/{media_id}").status_code == 404  # signed out
    expected = {"classmate": 404, "other_school_student": 404, "other_school_teacher": 404,
                "chinese_teacher": 404, "teacher": 200, "school_admin": 200}
    for who, status in expected.items():
        login(request.getfixturevalue(who))
        assert client.get(f"/media/{media_id}", buffered=True).status_code == status, who
        assert (client.get(f"/api/v1/questions/{private_question.id}").status_code
                == (200 if status == 200 else 404)), who
        login.logout()


def test_photo_follows_the_question_once_public(client, login, question, student, teacher,
                                                classmate, other_school_teacher):
    login(student)
    media_id = upload(client, question.id).get_json()["id"]
    login.logout()
    login(classmate)
    assert client.get(f"/media/{media_id}").status_code == 404
    services.claim_question(question.id, teacher)
    services.answer_question(question.id, teacher, "移项要变号。")
    served = client.get(f"/media/{media_id}", buffered=True)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    assert "private" in served.headers["Cache-Control"]
    login.logout()
    assert client.get(f"/media/{media_id}").status_code == 404


def test_photos_stay_out_of_the_media_library(client, login, question, student, school_admin):
    login(student)
    media = db.session.get(Media, upload(client, question.id).get_json()["id"])
    assert media not in media_services.manageable_media(school_admin)


# --- the ask and follow-up forms (no JavaScript needed) -------------------------------------------


def ask_form(client, photos: list[bytes], action: str = "submit", title: str = "这道应用题怎么列方程"):
    data = {"title": title, "body": "题目见图片", "subject": "数学", "grade": "7",
            "action": action,
            "photos": [(io.BytesIO(p), f"p{i}.jpg") for i, p in enumerate(photos)]}
    return client.post("/qa/ask", data=data, content_type="multipart/form-data")


def test_ask_page_shows_the_photo_field_and_the_reminder(client, login, student):
    login(student)
    page = client.get("/qa/ask").get_data(as_text=True)
    form = re.search(r'<form[^>]*action="/qa/ask"[^>]*>', page).group(0)
    assert 'enctype="multipart/form-data"' in form
    assert 'type="file"' in page and 'name="photos"' in page and "multiple" in page
    assert REMINDER in page and "最多 3 张" in page


def test_asking_with_photos_stores_and_shows_them(client, login, student):
    login(student)
    response = ask_form(client, [photo(exif=True), photo("PNG")])
    assert response.status_code == 302
    question = db.session.scalars(select(Question)).one()
    photos = services.photos_of(question)[None]
    assert len(photos) == 2 and all(m.followup_id is None for m in photos)
    page = client.get(f"/qa/{question.id}").get_data(as_text=True)
    for media in photos:
        assert f'src="/media/{media.id}"' in page
    assert 'alt="提问附图 1"' in page


@pytest.mark.parametrize(("photos", "status", "message"), [
    ([photo()] * 4, 422, "每个问题最多附 3 张图片。"),
    ([photo(), samples.PHP], 415, "文件内容不是允许的图片格式"),
])
def test_ask_form_refuses_bad_photos_and_keeps_the_text(client, login, student, photos, status,
                                                        message):
    login(student)
    response = ask_form(client, photos)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html and "这道应用题怎么列方程" in html
    assert db.session.query(Question).count() == 0 and nothing_stored()


def test_preview_checks_photos_but_stores_nothing(client, login, student):
    login(student)
    response = ask_form(client, [photo()], action="preview")
    assert response.status_code == 200
    assert "已检查 1 张图片" in response.get_data(as_text=True)
    assert db.session.query(Question).count() == 0 and nothing_stored()


def test_body_far_over_three_photos_is_413_before_parsing(client, login, student):
    login(student)
    response = ask_form(client, [b"0" * (3 * LIMITS["image"] + 100 * 1024)])
    assert response.status_code == 413 and "文件太大" in response.get_data(as_text=True)
    assert db.session.query(Question).count() == 0


def followup_form(client, question_id, photos: list[bytes], body: str = "第二步为什么这样做"):
    data = {"body": body, "photos": [(io.BytesIO(p), f"f{i}.jpg") for i, p in enumerate(photos)]}
    return client.post(f"/qa/{question_id}/followup", data=data,
                       content_type="multipart/form-data")


def test_follow_up_form_attaches_photos(client, login, answered_question, student):
    login(student)
    page = client.get(f"/qa/{answered_question.id}").get_data(as_text=True)
    form = re.search(r'<form[^>]*action="/qa/\d+/followup"[^>]*>', page).group(0)
    assert 'enctype="multipart/form-data"' in form and REMINDER in page
    assert followup_form(client, answered_question.id, [photo(), photo()]).status_code == 302
    entry = db.session.scalars(select(Followup)).one()
    photos = services.photos_of(answered_question)[entry.id]
    assert len(photos) == 2
    page = client.get(f"/qa/{answered_question.id}").get_data(as_text=True)
    assert f'src="/media/{photos[0].id}"' in page and 'alt="追问附图 2"' in page


def test_follow_up_form_refuses_a_fourth_photo(client, login, answered_question, student):
    login(student)
    response = followup_form(client, answered_question.id, [photo()] * 4)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "每个问题最多附 3 张图片。" in html or "最多附 3 张" in html
    assert db.session.query(Followup).count() == 0 and nothing_stored()


def test_follow_up_form_refuses_a_forged_photo(client, login, answered_question, student):
    login(student)
    response = followup_form(client, answered_question.id, [samples.SVG])
    assert response.status_code == 415
    assert "文件内容不是允许的图片格式" in response.get_data(as_text=True)
    assert db.session.query(Followup).count() == 0 and nothing_stored()
