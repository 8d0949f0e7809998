"""/api/v1 routes of the learning loop: favourites, history, related resources."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required

from hplearn.api import bp, json_object
from hplearn.catalog import services as catalog
from hplearn.catalog.serializers import resource_json
from hplearn.learning import services


@bp.get("/favourites")
@login_required
def list_favourites():
    """The resources the student keeps, last kept first."""
    return jsonify(results=[resource_json(r) for r in services.favourites(current_user)])


@bp.put("/favourites/<int:resource_id>")
@login_required
def put_favourite(resource_id):
    """Keep a resource (idempotent)."""
    favourite = services.add_favourite(current_user, resource_id)
    return jsonify(resource_id=favourite.resource_id, created_at=favourite.created_at.isoformat())


@bp.delete("/favourites/<int:resource_id>")
@login_required
def delete_favourite(resource_id):
    """Stop keeping a resource."""
    services.remove_favourite(current_user, resource_id)
    return jsonify({})


def _recent_json(item) -> dict:
    return {**resource_json(item.resource), "last_seen_at": item.last_seen_at.isoformat(),
            "video_seconds": item.video_seconds, "pdf_page": item.pdf_page}


@bp.get("/history")
@login_required
def list_history():
    """最近学习, newest first, with the video position or PDF page to resume at."""
    return jsonify(results=[_recent_json(item) for item in services.recent(current_user)])


@bp.put("/history/<int:resource_id>")
@login_required
def put_history(resource_id):
    """Remember the PDF page: {"pdf_page": N}."""
    data = json_object()
    if data is None:
        raise services.PageInvalid("请求内容必须是 JSON 对象，例如 {\"pdf_page\": 12}。")
    visit = services.save_pdf_page(current_user, resource_id, data.get("pdf_page"))
    return jsonify(resource_id=visit.resource_id, pdf_page=visit.pdf_page,
                   last_seen_at=visit.last_seen_at.isoformat())


@bp.get("/resources/<int:resource_id>/related")
def related_resources(resource_id):
    """Resources like this one from the search index (same unit, grade and subject, topic)."""
    resource = catalog.get_visible_resource(resource_id, current_user)
    return jsonify(results=[resource_json(r) for r in services.related(resource)])
