"""Uploads: checking a file from its content, storing it under a generated name, size limits."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import unicodedata
import uuid
from pathlib import Path

import filetype
from flask import current_app

from hplearn import policy
from hplearn.audit.services import record
from hplearn.bodylimits import BodyLimit, describe_size
from hplearn.errors import DomainError
from hplearn.extensions import db
from hplearn.media import captions
from hplearn.media.models import MEDIA_KINDS, Media

CHUNK_SIZE = 1024 * 1024
FORM_MARGIN = 64 * 1024  # an upload form's other fields, and multipart's own bytes
SNIFF_SIZE = 8192
# What each kind may contain, detected from the bytes: content type -> stored extension.
ALLOWED_TYPES = {
    "video": {"video/mp4": "mp4", "video/webm": "webm"},
    "document": {"application/pdf": "pdf"},
    "image": {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"},
    "captions": {"text/vtt": "vtt"},
}
_STORAGE_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{2,4}$")
_UNSAFE_NAME_CHARS = set('\\/:*?"<>|;')


class MediaError(DomainError):
    """An upload or request the media rules refuse; its message is shown to the user."""

    status = 422
    code = "unprocessable"


class MediaTooLarge(MediaError):
    status = 413
    code = "too_large"


class MediaTypeRefused(MediaError):
    status = 415
    code = "unsupported_media_type"


class MediaNotFound(MediaError):
    status = 404
    code = "not_found"


class MediaForbidden(MediaError):
    status = 403
    code = "forbidden"


class MediaStorageFull(MediaError):
    status = 507
    code = "storage_full"


def media_root() -> Path:
    """The folder holding every media file (created on first use).

    MEDIA_DIR (shared storage when several app servers run) or the instance folder's media/.
    """
    root = Path(current_app.config.get("MEDIA_DIR") or Path(current_app.instance_path) / "media")
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


def upload_body_limit(kind: str | None = None) -> int:
    """The largest body of an upload request (of this kind, or of any kind), in bytes.

    The file's limit and a margin for the form's other fields.
    """
    return (size_limit(kind) if kind else largest_limit()) + FORM_MARGIN


def body_too_large(content_length: int | None, kind: str | None = None) -> bool:
    """Whether a request body is bigger than an upload (of this kind, or of any kind) may be.

    Such bodies are refused before they are parsed.
    """
    return content_length is not None and content_length > upload_body_limit(kind)


def upload_route(kind: str | None = None) -> BodyLimit:
    """The body limit of a route that uploads a file of this kind (hplearn.bodylimits)."""
    return BodyLimit(lambda: upload_body_limit(kind), lambda: too_large(kind))


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
    return MediaTooLarge(f"文件太大：这类文件最大 {describe_size(limit)}。")


def too_large(kind: str | None = None) -> MediaTooLarge:
    """The error for a file of this kind (or of any kind) over its size limit, naming the limit."""
    return _too_large(size_limit(kind) if kind else largest_limit())


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
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            current_app.logger.error("media upload refused, storage full: %s", error)
            raise MediaStorageFull(
                "服务器的存储空间已满，文件没有保存。请稍后再试，或联系区管理员。"
            ) from error
        raise
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
    return save_upload(actor, stream, client_name, _check_kind(kind), school_id=actor.school_id)


def save_upload(actor, stream, client_name: str | None, kind: str, *, school_id,
                question=None, followup_id: int | None = None) -> Media:
    """Store a file whose upload the caller has already allowed, and audit it.

    actor: who uploads. kind: one of MEDIA_KINDS (its types and size limit apply).
    school_id: the school the file belongs to.
    question: the Q&A question an answer image or a student's photo is for (its readers alone
    may see the file). followup_id: the follow-up a student's photo belongs to.
    """
    storage_name, content_type, size, sha256 = _write_file(stream, kind, size_limit(kind))
    extension = storage_name.rsplit(".", 1)[1]
    media = Media(
        kind=kind, content_type=content_type, size=size, sha256=sha256,
        storage_name=storage_name, original_name=display_name(client_name, extension),
        school_id=school_id, uploaded_by_id=actor.id, question=question, followup_id=followup_id,
    )
    db.session.add(media)
    details = {"question_id": question.id} if question is not None else {}
    if followup_id is not None:
        details["followup_id"] = followup_id
    try:
        db.session.flush()
        record(actor, "media.upload", media, kind=kind, size=size, name=media.original_name,
               **details)
        db.session.commit()
    except Exception:
        db.session.rollback()
        (media_root() / storage_name).unlink(missing_ok=True)
        raise
    return media
