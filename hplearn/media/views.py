"""Serving media bytes (with Range), saving playback positions, and the admin upload page."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from hplearn import policy
from hplearn.errors import json_error
from hplearn.media import services
from hplearn.media.forms import UploadForm
from hplearn.security import allow_same_origin_framing

bp = Blueprint("media", __name__)
PRIVATE_MAX_AGE = 3600


def media_player(resource):
    """Template helper: the player data (source, captions, resume position) of a resource page."""
    return services.player_for(resource, current_user)


def content_disposition(name: str, attachment: bool) -> str:
    """inline/attachment with an ASCII fallback name and the UTF-8 name (RFC 5987/6266)."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(ch for ch in fallback if ch.isalnum() or ch in "._-").strip(".")
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if not fallback or fallback == extension:
        fallback = f"download.{extension}" if extension else "download"
    disposition = "attachment" if attachment else "inline"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _starts_playback() -> bool:
    # A first request (no Range, or one from byte 0) is a view; seeks and revalidations are not.
    if request.method != "GET" or request.if_none_match or request.if_modified_since:
        return False
    return request.range is None or request.range.ranges[0][0] == 0


def _accel_response(media, prefix: str) -> Response:
    response = Response(status=200, mimetype=media.content_type)
    response.headers["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + media.storage_name
    return response


def _range_not_satisfiable(media) -> Response:
    response = Response("请求的范围超出了文件大小。", status=416, mimetype="text/plain")
    response.headers["Content-Range"] = f"bytes */{media.size}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/media/<int:media_id>")
def serve(media_id):
    """The bytes of a file, to those who may see a resource using it; honours Range."""
    media = services.get_visible_media(media_id, current_user)
    path = services.media_path(media)
    if not path.is_file():
        current_app.logger.error("media file missing: id=%s name=%s", media.id, media.storage_name)
        abort(404)
    if _starts_playback():
        services.record_media_view(current_user, media)
    accel = current_app.config.get("MEDIA_ACCEL_REDIRECT")
    if accel:
        response = _accel_response(media, accel)
    else:
        try:
            response = send_file(
                path, mimetype=media.content_type, conditional=True, etag=media.sha256,
                last_modified=media.created_at, max_age=None,
            )
        except RequestedRangeNotSatisfiable:
            return _range_not_satisfiable(media)
    response.headers["Content-Disposition"] = content_disposition(
        media.original_name, attachment=request.args.get("download") == "1"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    if media.content_type == "application/pdf":
        allow_same_origin_framing(response)  # the resource page's <iframe> viewer
    response.cache_control.no_cache = None
    response.cache_control.private = True
    response.cache_control.max_age = PRIVATE_MAX_AGE
    return response


@bp.post("/media/<int:media_id>/position")
def save_position(media_id):
    """Save where a signed-in student stopped watching (JSON {seconds}, X-CSRFToken header).

    The player's script calls it outside /api/, so it answers its errors as JSON itself.
    """
    if not current_user.is_authenticated:
        return json_error(401)
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or "seconds" not in data:
        return json_error(400, "请求内容必须是 JSON：{\"seconds\": 数字}。")
    try:
        position = services.save_position(current_user, media_id, data["seconds"])
    except services.MediaError as error:
        return json_error(error.status, str(error))
    return jsonify(media_id=media_id, seconds=position.seconds)


@bp.route("/admin/media", methods=["GET", "POST"])
@login_required
def upload():
    """Admins upload videos, PDFs, images and captions, and see what they uploaded."""
    if not policy.can_upload_media(current_user):
        abort(403)
    if request.method == "POST" and services.body_too_large(request.content_length):
        abort(413)
    form = UploadForm()
    status = 200
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            media = services.store_upload(
                current_user, upload_file.stream, upload_file.filename, form.kind.data
            )
        except services.MediaError as error:
            form.file.errors.append(str(error))
            status = error.status
        else:
            flash(f"已上传：{media.original_name}（编号 {media.id}）。", "info")
            return redirect(url_for("media.upload"))
    elif form.errors:
        status = 422
    files = services.manageable_media(current_user)
    return render_template("media/upload.html", form=form, files=files), status
