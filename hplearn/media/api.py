"""/api/v1/media: uploads by admins."""

from flask import jsonify, request
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.api import bp
from hplearn.errors import json_error
from hplearn.media import services
from hplearn.security import absolute_url


def media_json(media) -> dict:
    """An uploaded file as the API shows it."""
    return {
        "id": media.id,
        "url": absolute_url("media.serve", media_id=media.id),
        "content_type": media.content_type,
        "size": media.size,
        "kind": media.kind,
        "name": media.original_name,
    }


@bp.post("/media")
@login_required
def upload_media():
    """Upload a file (multipart: file, kind); its type is checked from the content."""
    if not policy.can_upload_media(current_user):
        return json_error(403, "只有学校管理员和区管理员可以上传文件。")
    if services.body_too_large(request.content_length):
        return json_error(413, "文件太大。")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return json_error(422, "请选择要上传的文件（字段 file）。", code="invalid_field")
    media = services.store_upload(
        current_user, upload.stream, upload.filename, request.form.get("kind")
    )
    return jsonify(media_json(media)), 201
