"""Media rules: checking and storing uploads, who may read them, playback positions, views."""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app
from sqlalchemy import select, update

from hplearn import policy
from hplearn.audit.services import record
from hplearn.catalog.models import Resource
from hplearn.extensions import db
from hplearn.media import captions
from hplearn.media.models import MEDIA_KINDS, Media, PlaybackPosition

CHUNK_SIZE = 1024 * 1024
SNIFF_SIZE = 8192
MAX_POSITION_SECONDS = 24 * 3600
# What each kind may contain, detected from the bytes: content type -> stored extension.
ALLOWED_TYPES = {
    "video": {"video/mp4": "mp4", "video/webm": "webm"},
    "document": {"application/pdf": "pdf"},
    "image": {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"},
    "captions": {"text/vtt": "vtt"},
}
_STORAGE_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{2,4}$")
_UNSAFE_NAME_CHARS = set('\\/:*?"<>|;')


class MediaError(Exception):
    """An upload or request the media rules refuse; its message is shown to the user."""

    status = 422


class MediaTooLarge(MediaError):
    status = 413


class MediaTypeRefused(MediaError):
    status = 415


class MediaNotFound(MediaError):
    status = 404


class MediaForbidden(MediaError):
    status = 403


def media_root() -> Path:
    """The folder holding every media file (created on first use)."""
    root = Path(current_app.instance_path) / "media"
    root.mkdir(parents=True, exist_ok=True)
    return root


def media_path(media: Media) -> Path:
    """The file of a media row; refuses anything but a generated name."""
    if not _STORAGE_NAME.match(media.storage_name):
        raise MediaNotFound("没有找到这个文件。")
    return media_root() / media.storage_name


def size_limit(kind: str) -> int:
    """The configured maximum size in bytes for one kind."""
    return int(current_app.config["MEDIA_MAX_BYTES"][kind])


def largest_limit() -> int:
    """The biggest per-kind limit: bodies above it are refused before parsing."""
    return max(int(value) for value in current_app.config["MEDIA_MAX_BYTES"].values())


def body_too_large(content_length: int | None) -> bool:
    """Whether a request body is bigger than any upload may be (refused before it is parsed)."""
    return content_length is not None and content_length > largest_limit() + 64 * 1024


def display_name(client_name: str | None, extension: str) -> str:
    """A safe download name from the client's file name: no path, no control characters."""
    name = (client_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch for ch in name
        if not unicodedata.category(ch).startswith("C") and ch not in _UNSAFE_NAME_CHARS
    )
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip().strip(".").strip()[:100]
    return f"{stem or 'media'}.{extension}"


def _check_kind(kind) -> str:
    if kind not in MEDIA_KINDS:
        raise MediaError(f"文件类别必须是：{'、'.join(MEDIA_KINDS)}。")
    return kind


def _detect(kind: str, head: bytes) -> tuple[str, str]:
    guess = filetype.guess(head)
    allowed = ALLOWED_TYPES[kind]
    if guess is None or guess.mime not in allowed:
        names = "、".join(ext.upper() for ext in allowed.values())
        raise MediaTypeRefused(f"文件内容不是允许的{MEDIA_KINDS[kind]}格式（{names}）。")
    return guess.mime, allowed[guess.mime]


def _too_large(limit: int) -> MediaTooLarge:
    size = f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return MediaTooLarge(f"文件太大：这类文件最大 {size}。")


def _copy_limited(stream, target, limit: int, first: bytes) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    chunk = first
    while chunk:
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        digest.update(chunk)
        target.write(chunk)
        chunk = stream.read(CHUNK_SIZE)
    return size, digest.hexdigest()


def _write_file(stream, kind: str, limit: int) -> tuple[str, str, int, str]:
    """Write the upload to a generated name; return (storage_name, type, size, sha256)."""
    head = stream.read(SNIFF_SIZE)
    if not head:
        raise MediaError("文件是空的。")
    if kind == "captions":
        data = head + stream.read(limit + 1 - len(head))
        if len(data) > limit:
            raise _too_large(limit)
        try:
            head = captions.to_webvtt(data)
        except captions.InvalidCaptions as error:
            raise MediaTypeRefused(str(error)) from error
        content_type, extension, stream = "text/vtt", "vtt", io.BytesIO()
    else:
        content_type, extension = _detect(kind, head)
    storage_name = f"{uuid.uuid4().hex}.{extension}"
    final = media_root() / storage_name
    scratch = final.with_name(f".{storage_name}.part")
    try:
        with open(scratch, "xb") as target:
            size, sha256 = _copy_limited(stream, target, limit, head)
        os.replace(scratch, final)
    finally:
        scratch.unlink(missing_ok=True)
    return storage_name, content_type, size, sha256


def store_upload(actor, stream, client_name: str | None, kind) -> Media:
    """Check an uploaded file from its content and store it under a generated name.

    actor: the admin uploading (policy-checked here).
    stream: a binary file object positioned at the start.
    client_name: the name the browser sent; only used, cleaned, as a download name.
    kind: video, document, image or captions.
    """
    if not policy.can_upload_media(actor):
        raise MediaForbidden("只有学校管理员和区管理员可以上传文件。")
    kind = _check_kind(kind)
    storage_name, content_type, size, sha256 = _write_file(stream, kind, size_limit(kind))
    extension = storage_name.rsplit(".", 1)[1]
    media = Media(
        kind=kind, content_type=content_type, size=size, sha256=sha256,
        storage_name=storage_name, original_name=display_name(client_name, extension),
        school_id=actor.school_id, uploaded_by_id=actor.id,
    )
    db.session.add(media)
    try:
        db.session.flush()
        record(actor, "media.upload", media, kind=kind, size=size, name=media.original_name)
        db.session.commit()
    except Exception:
        db.session.rollback()
        (media_root() / storage_name).unlink(missing_ok=True)
        raise
    return media


def resources_using(media: Media) -> list[Resource]:
    """Resources that show this file (as their video/document or a caption track)."""
    if media.kind != "captions":
        return list(db.session.scalars(select(Resource).where(Resource.media_id == media.id)))
    hosted = db.session.scalars(select(Resource).where(Resource.media_id.is_not(None)))
    return [resource for resource in hosted if media.id in (resource.caption_ids or [])]


def get_visible_media(media_id: int, user) -> Media:
    """The media row if the user may read its bytes; MediaNotFound otherwise (no hint it exists)."""
    media = db.session.get(Media, media_id)
    if media is None or not policy.can_view_media(user, media, resources_using(media)):
        raise MediaNotFound("没有找到这个文件。")
    return media


def manageable_media(user, kind: str | None = None, limit: int = 200) -> list[Media]:
    """Files this admin may attach to resources, newest first."""
    query = select(Media).order_by(Media.id.desc()).limit(limit)
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
    position = db.session.scalar(
        select(PlaybackPosition).where(
            PlaybackPosition.user_id == user.id, PlaybackPosition.media_id == media.id
        )
    )
    if position is None:
        position = PlaybackPosition(user_id=user.id, media_id=media.id)
        db.session.add(position)
    position.seconds = parse_seconds(seconds)
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
    """The one place a view of hosted media is counted (statistics build on this call).

    Counts on the resources showing the file; timestamps are left alone so a view is not an edit.
    """
    if media.kind not in ("video", "document"):
        return
    db.session.execute(
        update(Resource)
        .where(Resource.media_id == media.id)
        .values(view_count=Resource.view_count + 1, updated_at=Resource.updated_at)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    current_app.logger.debug(
        "media view: media=%s user=%s", media.id, getattr(user, "id", None)
    )


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
