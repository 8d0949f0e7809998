"""A student opens today's featured collection, watches a captioned video, and resumes it later."""

from __future__ import annotations

from sqlalchemy import select

from hplearn.extensions import db
from hplearn.media.models import PlaybackPosition
from hplearn.timeutil import local_date, utcnow
from tests import media_samples as samples
from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.conftest import wait_until
from tests.factories import CollectionFactory, ResourceFactory


def saved_seconds(student_id: int) -> float | None:
    """The position the server stored for this student."""
    db.session.expire_all()
    return db.session.scalar(
        select(PlaybackPosition.seconds).where(PlaybackPosition.user_id == student_id)
    )


def is_position_post(response) -> bool:
    """The player's save request."""
    return response.url.endswith("/position") and response.request.method == "POST"


def test_student_watches_featured_video_and_resumes(live_server, page, school, school_admin, student):
    video = samples.store(school_admin, "video", samples.webm(), "国家安全微课.webm")
    captions = samples.store(school_admin, "captions", samples.SRT.encode(), "字幕.srt")
    lesson = ResourceFactory(
        title="国家安全微课", kind="video", school_id=school.id,
        media_id=video.id, caption_ids=[captions.id],
    )
    today = local_date(utcnow())
    CollectionFactory(
        title="国家安全教育日专题", school=school, public=False, stages=["初中"],
        featured_from=today, featured_to=today, resources=[lesson],
    )
    student_id = student.id

    page.goto(live_server.url + "/auth/login")
    page.fill("#username", student.username)
    page.fill("#password", DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")

    page.get_by_role("link", name="国家安全教育日专题").click()
    page.get_by_role("link", name="国家安全微课").click()
    page.wait_for_url(f"**/resources/{lesson.id}")
    wait_until(page, "document.querySelector('track').readyState === 2")
    assert page.evaluate("document.querySelector('video').textTracks[0].language") == "zh"

    with page.expect_response(is_position_post, timeout=20_000) as periodic:
        page.evaluate(
            "() => { const v = document.querySelector('video');"
            " v.muted = true; v.playbackRate = 2; return v.play(); }"
        )
    assert periodic.value.status == 200
    wait_until(page, "document.querySelector('video').currentTime > 13")
    with page.expect_response(is_position_post) as on_pause:
        page.evaluate("document.querySelector('video').pause()")
    assert on_pause.value.status == 200
    stopped_at = saved_seconds(student_id)
    assert stopped_at >= 13

    page.reload()
    wait_until(page, "document.querySelector('video').readyState >= 1")
    resumed_at = page.evaluate("document.querySelector('video').currentTime")
    assert abs(resumed_at - stopped_at) < 1.5
    assert "已从上次看到的" in page.inner_text("main")
