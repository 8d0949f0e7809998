"""The /search page."""

from flask import Blueprint, current_app, render_template, request

from hplearn.catalog import services as catalog
from hplearn.pagination import parse_page
from hplearn.search import services

bp = Blueprint("search", __name__)


def parse_search_request(args):
    """The filters, sort and page of a search request; raise InvalidParameter on bad values."""
    filters = catalog.parse_filters(args)
    sort = services.parse_sort(args)
    page = parse_page(
        args,
        default_per_page=current_app.config["PER_PAGE"],
        max_per_page=current_app.config["MAX_PER_PAGE"],
    )
    return filters, sort, page


def run_search(args):
    """Search resources for a request's arguments and announce it for statistics."""
    filters, sort, page = parse_search_request(args)
    results = services.query(
        args.get("q", ""), doc_type="resource", filters=filters.as_args(), sort=sort, page=page
    )
    services.record(results)
    return results


@bp.get("/search")
def search():
    """Search results with facet links, pagination and a "did you mean"."""
    results = run_search(request.args)
    return render_template(
        "search/results.html",
        results=results,
        topics={t.slug: t.name for t in catalog.all_topics()},
        sort_labels=services.SORT_LABELS,
    )
