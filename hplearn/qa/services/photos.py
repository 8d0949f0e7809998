"""Photos of the problem: up to PHOTOS_MAX per question and per follow-up, from its asker.

Each photo is re-encoded (hplearn.media.photos: no EXIF or GPS, long side limited) and stored
as a media file naming the question, so only the question's readers see it.
"""

from __future__ import annotations

import io
from datetime import datetime

from sqlalchemy import func, select

from hplearn import policy
from hplearn.extensions import db
from hplearn.media import photos as media_photos
from hplearn.media.models import Media
from hplearn.media.uploads import save_upload, size_limit
from hplearn.qa.models import Followup, Question
from hplearn.qa.services.errors import InvalidQuestion, NotAllowed
from hplearn.qa.services.reading import view_question

PHOTOS_MAX = 3
PRIVACY_REMINDER = "请不要拍到人脸、姓名、学号等个人信息"


def _too_many(followup_id: int | None) -> InvalidQuestion:
    where = "每条追问" if followup_id is not None else "每个问题"
    return InvalidQuestion(f"{where}最多附 {PHOTOS_MAX} 张图片。", "photos")


def prepare_photos(uploads) -> list[media_photos.Photo]:
    """Re-encode the chosen files (pairs of stream and name) before anything is stored.

    Raises InvalidQuestion for more than PHOTOS_MAX, or a MediaError for a bad file.
    """
    if len(uploads) > PHOTOS_MAX:
        raise _too_many(None)
    limit = size_limit("image")
    return [media_photos.reencode(stream, name, limit) for stream, name in uploads]


def _photo_count(question: Question, followup_id: int | None) -> int:
    query = select(func.count(Media.id)).where(
        Media.question_id == question.id, Media.uploaded_by_id == question.asker_id
    )
    if followup_id is None:
        query = query.where(Media.followup_id.is_(None))
    else:
        query = query.where(Media.followup_id == followup_id)
    return db.session.scalar(query) or 0


def store_photos(question: Question, asker, photos, followup_id: int | None = None) -> list[Media]:
    """Store re-encoded photos for the question (or one of its follow-ups), within the limit."""
    if _photo_count(question, followup_id) + len(photos) > PHOTOS_MAX:
        raise _too_many(followup_id)
    return [
        save_upload(asker, _stream(photo), photo.name, "image", school_id=question.school_id,
                    question=question, followup_id=followup_id)
        for photo in photos
    ]


def _stream(photo: media_photos.Photo) -> io.BytesIO:
    return io.BytesIO(photo.data)


def _own_followup(question: Question, followup_id) -> int | None:
    if followup_id in (None, ""):
        return None
    raw = str(followup_id)
    followup = db.session.get(Followup, int(raw)) if raw.isdecimal() and len(raw) < 12 else None
    if followup is None or followup.question_id != question.id:
        raise InvalidQuestion("没有找到这条追问。", "followup_id")
    return followup.id


def attach_photo(question_id: int, student, stream, client_name: str | None,
                 followup_id=None, now: datetime | None = None) -> Media:
    """The asker attaches one photo to their question, or to a follow-up of it (API).

    Raises QuestionNotFound, NotAllowed (not the asker), InvalidQuestion (no file, unknown
    follow-up, a PHOTOS_MAX+1th photo), or a MediaError for the file itself.
    """
    question = view_question(question_id, student, now)
    if not policy.can_attach_photos(student, question):
        raise NotAllowed("只有提问的同学可以给问题附图片。")
    target = _own_followup(question, followup_id)
    if stream is None:
        raise InvalidQuestion("请选择要上传的图片。", "file")
    if _photo_count(question, target) >= PHOTOS_MAX:
        raise _too_many(target)
    photo = media_photos.reencode(stream, client_name, size_limit("image"))
    return store_photos(question, student, [photo], target)[0]


def photos_of(question: Question) -> dict[int | None, list[Media]]:
    """The asker's photos by follow-up id (None: the question's own), oldest first."""
    found: dict[int | None, list[Media]] = {}
    rows = db.session.scalars(
        select(Media).where(Media.question_id == question.id,
                            Media.uploaded_by_id == question.asker_id).order_by(Media.id)
    )
    for media in rows:
        found.setdefault(media.followup_id, []).append(media)
    return found
