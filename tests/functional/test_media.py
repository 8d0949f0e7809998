"""Media: uploads checked from their content, stored under generated names, served with Range."""

from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import select

from hplearn.audit.models import AuditEntry
from hplearn.extensions import db
from hplearn.media import services
from hplearn.media.models import Media
from hplearn.stats import events as stats_events
from hplearn.stats.models import StatEvent
from tests import media_samples as samples
from tests.conftest import make_test_config
from tests.factories import ResourceFactory, UserFactory

LIMITS = {"video": 64 * 1024, "document": 16 * 1024, "image": 16 * 1024, "captions": 4 * 1024}


@pytest.fixture
def app_config(tmp_path):
    """Small per-kind limits so oversized uploads are cheap to test."""
    return make_test_config(tmp_path, MEDIA_MAX_BYTES=LIMITS)


def upload(client, kind, data: bytes, name="file.bin"):
    """POST /api/v1/media as multipart."""
    return client.post(
        "/api/v1/media",
        data={"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def video(school_admin):
    """A published video resource of `school` with hosted WebM and captions."""
    media = samples.store(school_admin, "video", samples.webm(), "国家安全教育日.webm")
    captions = samples.store(school_admin, "captions", samples.VTT.encode(), "字幕.vtt")
    resource = ResourceFactory(
        kind="video", title="国家安全教育日", school_id=school_admin.school_id,
        media_id=media.id, caption_ids=[captions.id],
    )
    return resource, media, captions


@pytest.mark.parametrize(("kind", "data", "name", "content_type"), [
    ("video", samples.webm(), "a.webm", "video/webm"),
    ("video", samples.MP4, "a.mp4", "video/mp4"),
    ("document", samples.PDF, "讲义.pdf", "application/pdf"),
    ("image", samples.PNG, "a.png", "image/png"),
    ("image", samples.JPEG, "a.jpg", "image/jpeg"),
    ("image", samples.GIF, "a.gif", "image/gif"),
    ("image", samples.WEBP, "a.webp", "image/webp"),
    ("captions", samples.VTT.encode(), "a.vtt", "text/vtt"),
])
def test_admin_uploads_each_kind(client, login, school_admin, kind, data, name, content_type):
    login(school_admin)
    response = upload(client, kind, data, name)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["content_type"] == content_type
    assert body["url"].endswith(f"/media/{body['id']}")
    media = db.session.get(Media, body["id"])
    assert media.school_id == school_admin.school_id
    assert services.media_path(media).is_file()
    entry = db.session.query(AuditEntry).filter_by(action="media.upload").one()
    assert entry.object_id == media.id and entry.actor_id == school_admin.id


def test_srt_is_converted_to_webvtt(client, login, school_admin):
    login(school_admin)
    body = upload(client, "captions", samples.SRT.encode(), "字幕.srt").get_json()
    media = db.session.get(Media, body["id"])
    text = services.media_path(media).read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:02.500\n第一句")
    assert media.original_name == "字幕.vtt"


@pytest.mark.parametrize(("kind", "data", "name"), [
    ("video", samples.PNG, "movie.mp4"),
    ("document", samples.HTML, "notice.pdf"),
    ("image", samples.HTML, "a.png"),
    ("video", samples.PDF, "a.webm"),
    ("document", b"MZ\x90\x00" + b"\x00" * 100, "a.pdf"),
    ("captions", samples.HTML, "a.vtt"),
    ("captions", b"WEBVTT\n\nnot a timing line --> nope\nhello\n", "a.vtt"),
    ("captions", "WEBVTT\n\n00:00.000 --> 00:01.000\n你好".encode("gbk"), "a.vtt"),
])
def test_forged_uploads_are_refused(client, login, school_admin, kind, data, name):
    login(school_admin)
    response = upload(client, kind, data, name)
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    assert db.session.query(Media).count() == 0
    assert not list(os.listdir(services.media_root()))


@pytest.mark.parametrize(("kind", "data"), [
    ("document", samples.PDF + b"0" * LIMITS["document"]),
    ("captions", samples.VTT.encode() + "字".encode() * LIMITS["captions"]),
    ("video", samples.webm() * 4),
])
def test_oversized_upload_is_refused_and_nothing_is_kept(client, login, school_admin, kind, data):
    login(school_admin)
    response = upload(client, kind, data, "big.bin")
    assert response.status_code == 413
    assert "文件太大：这类文件最大" in response.get_json()["error"]["message"]
    assert db.session.query(Media).count() == 0
    assert os.listdir(services.media_root()) == []


def test_body_bigger_than_every_limit_is_refused_before_parsing(client, login, school_admin):
    login(school_admin)
    response = upload(client, "image", samples.PNG + b"0" * (LIMITS["video"] + 100 * 1024))
    assert response.status_code == 413


@pytest.mark.parametrize(("kind", "data"), [("sound", samples.PNG), ("", samples.PNG)])
def test_unknown_kind_is_refused(client, login, school_admin, kind, data):
    login(school_admin)
    response = upload(client, kind, data, "a.png")
    assert response.status_code == 422


def test_missing_file_is_refused(client, login, school_admin):
    login(school_admin)
    response = client.post("/api/v1/media", data={"kind": "image"})
    assert response.status_code == 422


def test_empty_file_is_refused(client, login, school_admin):
    login(school_admin)
    assert upload(client, "image", b"", "a.png").status_code == 422


@pytest.mark.parametrize("name", [
    "../../etc/passwd.png", "/etc/passwd.png", "..\\..\\windows\\win.ini.png", "a\x00b.png",
    "x" * 5000 + ".png", "....png", "\u202egnp.exe",
])
def test_client_names_never_reach_the_path(client, login, school_admin, name):
    login(school_admin)
    response = upload(client, "image", samples.PNG, name)
    assert response.status_code == 201
    media = db.session.get(Media, response.get_json()["id"])
    assert os.listdir(services.media_root()) == [media.storage_name]
    assert media.storage_name.endswith(".png") and len(media.storage_name) == 36
    assert "/" not in media.original_name and "\\" not in media.original_name
    assert "\x00" not in media.original_name and "\u202e" not in media.original_name
    assert ".." not in media.original_name.rsplit(".", 1)[0][:2]
    assert len(media.original_name) <= 110


@pytest.mark.parametrize("role", ["student", "teacher"])
def test_non_admins_cannot_upload(client, login, school, role):
    user = UserFactory(role=role, school=school)
    login(user)
    assert upload(client, "image", samples.PNG, "a.png").status_code == 403
    assert db.session.query(Media).count() == 0


def test_anonymous_cannot_upload(client):
    assert upload(client, "image", samples.PNG, "a.png").status_code == 401


def test_upload_page_form(client, login, school_admin):
    login(school_admin)
    assert "上传文件" in client.get("/admin/media").get_data(as_text=True)
    response = client.post(
        "/admin/media",
        data={"kind": "document", "file": (io.BytesIO(samples.HTML), "伪装.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 415
    assert "文件内容不是允许的PDF 文档格式" in response.get_data(as_text=True)
    response = client.post(
        "/admin/media",
        data={"kind": "document", "file": (io.BytesIO(samples.PDF), "讲义.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "已上传：讲义.pdf" in response.get_data(as_text=True)


def test_upload_page_is_for_admins_only(client, login, student):
    login(student)
    assert client.get("/admin/media").status_code == 403


# --- serving -------------------------------------------------------------------------------------


def test_full_download_has_safe_headers(client, video):
    _resource, media, _ = video
    response = client.get(f"/media/{media.id}", buffered=True)
    assert response.status_code == 200
    assert response.data == samples.webm()
    assert response.headers["Content-Type"] == "video/webm"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["ETag"] == f'"{media.sha256}"'
    assert "Last-Modified" in response.headers
    assert "private" in response.headers["Cache-Control"]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline; ")
    assert "filename*=UTF-8''%E5%9B%BD%E5%AE%B6" in disposition
    assert 'filename="download.webm"' in disposition


def test_download_link_is_an_attachment(client, video):
    _, media, _ = video
    response = client.get(f"/media/{media.id}?download=1", buffered=True)
    assert response.headers["Content-Disposition"].startswith("attachment; ")


def test_ranges_seek_anywhere(client, video):
    _, media, _ = video
    data = samples.webm()
    for start, end in [(0, 99), (1000, 4095), (len(data) - 10, len(data) - 1)]:
        response = client.get(f"/media/{media.id}", buffered=True, headers={"Range": f"bytes={start}-{end}"})
        assert response.status_code == 206
        assert response.data == data[start:end + 1]
        assert response.headers["Content-Range"] == f"bytes {start}-{end}/{len(data)}"
    open_ended = client.get(f"/media/{media.id}", buffered=True, headers={"Range": "bytes=20000-"})
    assert open_ended.status_code == 206 and open_ended.data == data[20000:]
    suffix = client.get(f"/media/{media.id}", buffered=True, headers={"Range": "bytes=-500"})
    assert suffix.status_code == 206 and suffix.data == data[-500:]


@pytest.mark.parametrize("header", [
    "bytes=999999-", "bytes=999999-1000000", "bytes=500-100", "bytes=abc", "pages=1-2",
    "bytes=--1", "bytes=1-2,x", "bytes=0-1,5-6",
])
def test_unsatisfiable_ranges_are_416(client, video, header):
    # Beyond the end, reversed, malformed, or several ranges at once (players ask for one).
    _, media, _ = video
    response = client.get(f"/media/{media.id}", buffered=True, headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{media.size}"


def test_etag_revalidation_is_304(client, video):
    _, media, _ = video
    etag = client.get(f"/media/{media.id}", buffered=True).headers["ETag"]
    assert client.get(f"/media/{media.id}", buffered=True, headers={"If-None-Match": etag}).status_code == 304


def test_captions_are_served_as_webvtt(client, video):
    _, _, captions = video
    response = client.get(f"/media/{captions.id}", buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/vtt")
    assert response.get_data(as_text=True).startswith("WEBVTT")


def test_unlinked_media_is_only_for_its_admins(client, login, school_admin, other_school, student):
    media = samples.store(school_admin, "document", samples.PDF, "草稿.pdf")
    assert client.get(f"/media/{media.id}", buffered=True).status_code == 404
    login(student)
    assert client.get(f"/media/{media.id}", buffered=True).status_code == 404
    login.logout()
    other_admin = UserFactory(role="school_admin", school=other_school)
    login(other_admin)
    assert client.get(f"/media/{media.id}", buffered=True).status_code == 404
    login.logout()
    login(school_admin)
    assert client.get(f"/media/{media.id}", buffered=True).status_code == 200


def test_media_of_a_draft_resource_is_hidden(client, login, video, student):
    resource, media, captions = video
    resource.status = "draft"
    db.session.commit()
    for media_id in (media.id, captions.id):
        assert client.get(f"/media/{media_id}", buffered=True).status_code == 404
    login(student)
    assert client.get(f"/media/{media.id}", buffered=True).status_code == 404


def test_unknown_media_is_404(client):
    assert client.get("/media/999").status_code == 404


def test_accel_redirect_mode(app, client, video):
    _, media, _ = video
    app.config["MEDIA_ACCEL_REDIRECT"] = "/protected-media/"
    response = client.get(f"/media/{media.id}", buffered=True, headers={"Range": "bytes=0-99"})
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["X-Accel-Redirect"] == f"/protected-media/{media.storage_name}"
    assert response.headers["Content-Type"] == "video/webm"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _rolled_up(runner, resource):
    stats_events.flush()
    result = runner.invoke(args=["stats", "rollup"])
    assert result.exit_code == 0, result.output
    db.session.refresh(resource)
    return resource.view_count


def test_playback_starts_count_as_views_once_per_viewer_and_day(app, client, runner, video):
    resource, media, _ = video
    client.get(f"/media/{media.id}", buffered=True, headers={"Range": "bytes=0-"})
    client.get(f"/media/{media.id}", buffered=True, headers={"Range": "bytes=5000-"})
    client.get(f"/media/{media.id}", buffered=True)
    client.head(f"/media/{media.id}", buffered=True)
    app.test_client().get(f"/media/{media.id}", buffered=True)  # another visitor
    assert _rolled_up(runner, resource) == 2


def test_a_page_view_and_its_playback_count_one_view(client, runner, login, video, student):
    resource, media, _ = video
    login(student)
    assert client.get(f"/resources/{resource.id}").status_code == 200
    client.get(f"/media/{media.id}", buffered=True, headers={"Range": "bytes=0-"})
    assert _rolled_up(runner, resource) == 1


def test_a_racing_first_save_updates_the_row_the_other_request_created(video, student, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from hplearn.media.models import PlaybackPosition

    _, media, _ = video
    calls = []
    original = services._store_position

    def racing(user_id, media_id, seconds):
        # The other request inserts first; our own insert then hits the unique constraint.
        if not calls:
            calls.append("raced")
            db.session.add(PlaybackPosition(user_id=user_id, media_id=media_id, seconds=1.0))
            db.session.commit()
            raise IntegrityError("INSERT INTO playback_positions", {}, Exception("duplicate"))
        return original(user_id, media_id, seconds)

    monkeypatch.setattr(services, "_store_position", racing)
    position = services.save_position(student, media.id, 30)
    assert position.seconds == 30.0
    assert db.session.query(PlaybackPosition).count() == 1


# --- resume position -----------------------------------------------------------------------------


def test_student_position_is_saved_and_shown(client, login, video, student):
    resource, media, _ = video
    login(student)
    response = client.post(f"/media/{media.id}/position", json={"seconds": 42.5})
    assert response.status_code == 200
    assert response.get_json() == {"media_id": media.id, "seconds": 42.5}
    client.post(f"/media/{media.id}/position", json={"seconds": 61})
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert f'src="/media/{media.id}#t=61.0"' in page
    assert 'data-start="61.0"' in page
    assert '<track kind="captions" srclang="zh"' in page


def test_watching_counts_forward_play_but_not_seeks(client, login, video, student):
    resource, media, _ = video
    login(student)
    for seconds in (10, 20, 30, 600, 590, 600):  # play, play, play, seek ahead, seek back, play
        client.post(f"/media/{media.id}/position", json={"seconds": seconds})
    stats_events.flush()
    watched = db.session.scalars(
        select(StatEvent.value).where(StatEvent.kind == "watch", StatEvent.resource_id == resource.id)
    ).all()
    assert sorted(watched) == [10, 10, 10, 10]


@pytest.mark.parametrize("body", [
    {"seconds": -1}, {"seconds": "12"}, {"seconds": True}, {"seconds": 10**9}, {"seconds": None},
])
def test_bad_positions_are_refused(client, login, video, student, body):
    _, media, _ = video
    login(student)
    assert client.post(f"/media/{media.id}/position", json=body).status_code == 422


@pytest.mark.parametrize("body", [[1], {"secs": 1}, "12"])
def test_position_body_must_be_an_object_with_seconds(client, login, video, student, body):
    _, media, _ = video
    login(student)
    assert client.post(f"/media/{media.id}/position", json=body).status_code == 400


def test_position_needs_a_student(client, login, video, teacher):
    _, media, _ = video
    assert client.post(f"/media/{media.id}/position", json={"seconds": 3}).status_code == 401
    login(teacher)
    assert client.post(f"/media/{media.id}/position", json={"seconds": 3}).status_code == 403


def test_position_of_a_hidden_video_is_404(client, login, video, student):
    resource, media, captions = video
    login(student)
    assert client.post(f"/media/{captions.id}/position", json={"seconds": 3}).status_code == 422
    resource.status = "retired"
    db.session.commit()
    assert client.post(f"/media/{media.id}/position", json={"seconds": 3}).status_code == 404


def test_images_are_public_for_covers_and_articles(client, school_admin):
    image = samples.store(school_admin, "image", samples.PNG, "封面.png")
    response = client.get(f"/media/{image.id}", buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
