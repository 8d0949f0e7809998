"""Public catalog pages: home, browse, topics, resources, platforms."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from hplearn.catalog import services
from hplearn.pagination import InvalidParameter, parse_page
from hplearn.stats import events as stats_events

bp = Blueprint("catalog", __name__)


@bp.get("/")
def home():
    """The home page: search, topics, browse by stage, platforms, newest."""
    return render_template(
        "catalog/home.html",
        topics=services.all_topics(),
        platforms=services.all_platforms(),
        newest=services.newest_resources(),
    )


@bp.get("/browse")
def browse():
    """Browse published resources by 学段/年级/学科/专题/类型/版本."""
    try:
        filters = services.parse_filters(request.args)
        page_request = parse_page(request.args, default_per_page=20, max_per_page=50)
    except InvalidParameter as error:
        abort(400, description=str(error))
    sort = request.args.get("sort", "newest")
    page = services.published_resources(filters, page_request, sort=sort)
    return render_template(
        "catalog/browse.html",
        page=page,
        filters=filters,
        sort=sort,
        topics=services.all_topics(),
        subjects=services.facet_values("subject", filters),
        editions=services.facet_values("edition", filters),
    )


@bp.get("/topics/<slug>")
def topic(slug):
    """One topic (专题) and its resources."""
    found = services.topic_by_slug(slug)
    if found is None:
        abort(404)
    try:
        page_request = parse_page(request.args, default_per_page=20, max_per_page=50)
    except InvalidParameter as error:
        abort(400, description=str(error))
    page = services.published_resources(services.ResourceFilters(topic=slug), page_request)
    return render_template("catalog/topic.html", topic=found, page=page)


@bp.get("/resources/<int:resource_id>")
def resource(resource_id):
    """One resource: player, document, article or outbound link."""
    try:
        found = services.get_visible_resource(resource_id, current_user)
    except services.ResourceNotFound:
        abort(404)
    stats_events.record_view(found, user=current_user)
    return render_template("catalog/resource.html", resource=found)


@bp.get("/platforms")
def platforms():
    """The directory of national, municipal and district platforms."""
    return render_template("catalog/platforms.html", platforms=services.all_platforms())
