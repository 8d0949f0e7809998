"""/api/v1/collections."""

from flask import current_app, jsonify, request
from flask_login import current_user, login_required

from hplearn.api import bp
from hplearn.catalog.serializers import resource_json
from hplearn.collections import services
from hplearn.errors import json_error
from hplearn.markup import render_markdown
from hplearn.pagination import parse_page


def collection_json(collection, user) -> dict:
    """A collection as the API shows it, with the resources this user may see."""
    school = collection.school
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "description_html": str(render_markdown(collection.description)),
        "school": {"code": school.code, "name": school.name} if school else None,
        "public": collection.public,
        "stages": list(collection.stages or []),
        "grades": list(collection.grades or []),
        "resources": [resource_json(r) for r in services.visible_resources(collection, user)],
        "featured_from": collection.featured_from.isoformat() if collection.featured_from else None,
        "featured_to": collection.featured_to.isoformat() if collection.featured_to else None,
    }


def _json_body():
    """The request's JSON body, or the 400 response to send instead."""
    data = request.get_json(silent=True)
    if data is None:
        return None, json_error(400, "请求内容必须是 JSON（Content-Type: application/json）。")
    return data, None


@bp.get("/collections")
def list_collections():
    """The collections the caller may see, newest first."""
    page_request = parse_page(
        request.args,
        default_per_page=current_app.config["PER_PAGE"],
        max_per_page=current_app.config["MAX_PER_PAGE"],
    )
    page = services.visible_collections(current_user, page_request)
    return jsonify(
        total=page.total,
        page=page.page,
        per_page=page.per_page,
        results=[collection_json(c, current_user) for c in page.items],
    )


@bp.post("/collections")
@login_required
def create_collection():
    """Create a collection (school and district admins)."""
    data, problem = _json_body()
    if problem:
        return problem
    values = services.parse_collection_input(data, partial=False)
    collection = services.create_collection(current_user, values)
    return jsonify(collection_json(collection, current_user)), 201


@bp.get("/collections/<int:collection_id>")
def get_collection(collection_id):
    """One collection, if the caller may see it."""
    collection = services.get_visible_collection(collection_id, current_user)
    return jsonify(collection_json(collection, current_user))


@bp.patch("/collections/<int:collection_id>")
@login_required
def update_collection(collection_id):
    """Change some fields of a collection (its school's admins, district admins)."""
    data, problem = _json_body()
    if problem:
        return problem
    services.get_editable_collection(collection_id, current_user)
    values = services.parse_collection_input(data, partial=True)
    collection = services.update_collection(current_user, collection_id, values)
    return jsonify(collection_json(collection, current_user))
