"""The JSON API's door at /api/v1: one blueprint that every feature adds its routes to.

Features put their routes on `bp` from their own `api` module, imported by their `init_app`;
the app factory mounts the blueprint once every feature is in (`register`). Errors are JSON
(hplearn.errors maps DomainError and HTTP errors for /api/ paths); `@login_required` answers
401 JSON here (accounts' unauthorized handler).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, request

bp = Blueprint("api", __name__)
URL_PREFIX = "/api/v1"


def openapi_path() -> Path:
    """Where the API's OpenAPI description lives: docs/openapi.yaml of the checkout."""
    return Path(current_app.root_path).parent / "docs" / "openapi.yaml"


@bp.get("/openapi.yaml")
def openapi_document():
    """The OpenAPI description of this API, for district systems and their tools."""
    path = openapi_path()
    if not path.is_file():
        abort(404, description="这个安装没有附带接口说明（docs/openapi.yaml）。")
    response = Response(path.read_bytes(), mimetype="application/yaml")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


def json_object() -> dict | None:
    """The request's JSON object body, or None when it is missing or not an object."""
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


def register(app: Flask) -> None:
    """Mount the API after every feature has added its routes."""
    app.register_blueprint(bp, url_prefix=URL_PREFIX)
