"""Media rules: who may read a file, playback positions, views, the player (uploads: uploads.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hplearn import policy, usage
from hplearn.catalog.models import Resource
from hplearn.extensions import db
from hplearn.media.models import Media, PlaybackPosition
from hplearn.media.uploads import (  # noqa: F401  (re-exported for views, API and tests)
    MediaError,
    MediaForbidden,
    MediaNotFound,
    MediaTooLarge,
    MediaTypeRefused,
    body_too_large,
    display_name,
    media_path,
    media_root,
    store_upload,
)
from hplearn.timeutil import utcnow

MAX_POSITION_SECONDS = 24 * 3600


def resources_using(media: Media) -> list[Resource]:
    """Resources that show this file (as their video/document or a caption track)."""
    if media.kind != "captions":
        return list(db.session.scalars(select(Resource).where(Resource.media_id == media.id)))
    hosted = db.session.scalars(select(Resource).where(Resource.media_id.is_not(None)))
    return [resource for resource in hosted if media.id in (resource.caption_ids or [])]


def get_visible_media(media_id: int, user) -> Media:
    """The media row if the user may read its bytes; MediaNotFound otherwise (no hint it exists)."""
    media = db.session.get(Media, media_id)
    if media is None or not policy.can_view_media(user, media, resources_using(media), utcnow()):
        raise MediaNotFound("没有找到这个文件。")
    return media


def manageable_media(user, kind: str | None = None, limit: int = 200) -> list[Media]:
    """Files this admin may attach to resources, newest first (answer images are not)."""
    query = select(Media).where(Media.question_id.is_(None)).order_by(Media.id.desc()).limit(limit)
    if kind:
        query = query.where(Media.kind == kind)
    if not policy.is_district_admin(user):
        query = query.where(Media.school_id == user.school_id)
    return list(db.session.scalars(query))


def parse_seconds(value) -> float:
    """A playback position from JSON: a number of seconds within a day."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MediaError("seconds 必须是数字。")
    if not 0 <= value <= MAX_POSITION_SECONDS:
        raise MediaError("seconds 超出范围。")
    return float(value)


def save_position(user, media_id: int, seconds) -> PlaybackPosition:
    """Remember where a student stopped watching a video.

    user: the signed-in student.
    media_id: the video.
    seconds: position from the start (validated here).
    """
    if not policy.can_save_playback_position(user):
        raise MediaForbidden("只有学生账号会记录播放进度。")
    media = get_visible_media(media_id, user)
    if media.kind != "video":
        raise MediaError("只有视频可以记录播放进度。")
    value = parse_seconds(seconds)
    previous = saved_position(user, media)
    try:
        position = _store_position(user.id, media.id, value)
    except IntegrityError:
        # Two first saves at once (pause and leaving the page): the other one created the row.
        db.session.rollback()
        position = _store_position(user.id, media.id, value)
    _record_watch_time(user, media, previous, value)
    return position


# Saves come every ~10 s while playing; a bigger jump is a seek, not watching.
MAX_WATCHED_BETWEEN_SAVES = 60.0


def _record_watch_time(user, media: Media, previous: float, current: float) -> None:
    watched = current - previous
    if not 0 < watched <= MAX_WATCHED_BETWEEN_SAVES:
        return
    for resource in resources_using(media)[:1]:
        usage.video_watched.send(resource, seconds=round(watched), user=user)


def _store_position(user_id: int, media_id: int, seconds: float) -> PlaybackPosition:
    position = db.session.scalar(
        select(PlaybackPosition).where(
            PlaybackPosition.user_id == user_id, PlaybackPosition.media_id == media_id
        )
    )
    if position is None:
        position = PlaybackPosition(user_id=user_id, media_id=media_id)
        db.session.add(position)
    position.seconds = seconds
    db.session.commit()
    return position


def saved_position(user, media: Media) -> float:
    """Where this student stopped last time (0 for others and for a first visit)."""
    if not policy.can_save_playback_position(user):
        return 0.0
    seconds = db.session.scalar(
        select(PlaybackPosition.seconds).where(
            PlaybackPosition.user_id == user.id, PlaybackPosition.media_id == media.id
        )
    )
    return seconds or 0.0


def record_media_view(user, media: Media) -> None:
    """The one place a view of hosted media is counted: as a statistics view of each resource
    showing the file, deduplicated with page views (one per viewer × resource × local day)."""
    if media.kind not in ("video", "document"):
        return
    for resource in resources_using(media):
        usage.resource_viewed.send(resource, user=user)


@dataclass(frozen=True)
class Player:
    """What the video/document block of a resource page needs."""

    src: str | None
    media: Media | None
    caption_ids: tuple[int, ...]
    start_seconds: float
    saves_position: bool


def player_for(resource: Resource, user) -> Player:
    """The source, captions and resume position of a resource's player."""
    if resource.media_id is None:
        return Player(resource.media_url, None, (), 0.0, False)
    media = db.session.get(Media, resource.media_id)
    if media is None:
        return Player(resource.media_url, None, (), 0.0, False)
    caption_ids = tuple(
        caption.id for caption in (db.session.get(Media, i) for i in resource.caption_ids or [])
        if caption is not None and caption.kind == "captions"
    )
    saves = media.kind == "video" and policy.can_save_playback_position(user)
    return Player(None, media, caption_ids, saved_position(user, media), saves)
