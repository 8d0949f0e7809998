"""Public catalog pages: home, browse, topics, resources, platforms."""

import json

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup

from hplearn import usage
from hplearn.cache import catalog_cache
from hplearn.catalog import covers, services
from hplearn.pagination import parse_page

bp = Blueprint("catalog", __name__)


def _page_request():
    return parse_page(
        request.args,
        default_per_page=current_app.config["PER_PAGE"],
        max_per_page=current_app.config["MAX_PER_PAGE"],
    )


@bp.get("/")
def home():
    """The home page: search, topics, browse by stage, grade and subject, platforms, newest."""
    return render_template(
        "catalog/home.html",
        topics=services.all_topics(),
        subjects=services.home_subjects(current_user),
        platforms=services.all_platforms(),
        newest=services.newest_resources(),
    )


@bp.get("/browse")
def browse():
    """Browse published resources by 学段/年级/学科/专题/类型/版本."""
    filters = services.with_default_school_type(services.parse_filters(request.args), current_user)
    sort = services.parse_sort(request.args, default="recommended")
    page_request = _page_request()
    facets = services.facet_counts(filters)
    return render_template(
        "catalog/browse.html",
        page=services.published_resources(filters, page_request, sort=sort),
        filters=filters,
        sort=sort,
        sorts=services.SORTS,
        facets=facets,
        filters_form=_browse_filters_form(filters, sort, facets),
    )


def _browse_filters_form(filters, sort, facets) -> Markup:
    # Dozens of options with counts: rendered once per process, filters, sort and generation.
    key = "browse-form:" + json.dumps([request.script_root, filters.as_args(), sort],
                                      ensure_ascii=False, sort_keys=True)
    return catalog_cache().memo(key, lambda: Markup(render_template(
        "catalog/_browse_filters.html", filters=filters, sort=sort, sorts=services.SORTS,
        facets=facets)))


@bp.get("/topics/<slug>")
def topic(slug):
    """One topic (专题) and its resources."""
    found = services.topic_by_slug(slug)
    if found is None:
        abort(404, description="没有找到这个专题。")
    page_request = _page_request()
    page = services.published_resources(services.ResourceFilters(topic=found.slug), page_request)
    return render_template("catalog/topic.html", topic=found, page=page)


@bp.get("/resources/<int:resource_id>")
def resource(resource_id):
    """One resource: player, document, article or outbound link."""
    found = services.get_visible_resource(resource_id, current_user)
    usage.resource_viewed.send(found, user=current_user)
    return render_template(
        "catalog/resource.html",
        resource=found,
        platform=services.platform_for_url(found.url),
    )


@bp.get("/covers/<int:resource_id>")
def cover(resource_id):
    """A resource's cover, fetched and shrunk by this server (the placeholder if it has none)."""
    found = services.get_visible_resource(resource_id, current_user)
    image = covers.cover_for(found.cover_url)
    # Covers are a few kilobytes: read whole, no file handle outlives the request.
    response = Response(image.path.read_bytes(), mimetype=image.mimetype)
    response.add_etag()
    response.make_conditional(request)
    # A real cover never changes under its address; the placeholder may become one later.
    response.cache_control.max_age = 3600 if image.placeholder else 7 * 24 * 3600
    response.cache_control.public = True
    return response


@bp.get("/platforms")
def platforms():
    """The directory of national, municipal and district platforms."""
    return render_template("catalog/platforms.html", platforms=services.all_platforms())
