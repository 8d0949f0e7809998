"""Searching resources for a request's arguments: shared by the /search page and the API."""

from flask import current_app

from hplearn.catalog import services as catalog
from hplearn.pagination import parse_page
from hplearn.search import services


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
