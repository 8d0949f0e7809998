"""/api/v1/resources."""

from flask import current_app, jsonify, request
from flask_login import current_user

from hplearn import usage
from hplearn.api import bp
from hplearn.catalog import services
from hplearn.catalog.serializers import resource_detail_json, resource_json
from hplearn.pagination import parse_page


@bp.get("/resources")
def list_resources():
    """Published resources with the same filters as /browse."""
    filters = services.parse_filters(request.args)
    sort = services.parse_sort(request.args)
    page_request = parse_page(
        request.args,
        default_per_page=current_app.config["PER_PAGE"],
        max_per_page=current_app.config["MAX_PER_PAGE"],
    )
    page = services.published_resources(filters, page_request, sort)
    return jsonify(
        total=page.total,
        page=page.page,
        per_page=page.per_page,
        results=[resource_json(r) for r in page.items],
    )


@bp.get("/resources/<int:resource_id>")
def get_resource(resource_id):
    """One resource with its rendered body."""
    resource = services.get_visible_resource(resource_id, current_user)
    usage.resource_viewed.send(resource, user=current_user)
    return jsonify(resource_detail_json(resource))
