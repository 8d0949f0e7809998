"""Searching resources for a request's arguments: shared by the /search page and the API."""

from flask import current_app

from hplearn.catalog import services as catalog
from hplearn.pagination import parse_page
from hplearn.search import services
from hplearn.vocab import SCHOOL_TYPE_GENERAL, SCHOOL_TYPES

# Words in a query that ask for special-school books (盲校数学): the default 普通 is not applied.
SPECIAL_SCHOOL_WORDS = (*(t for t in SCHOOL_TYPES if t != SCHOOL_TYPE_GENERAL), "培智", "特殊教育", "特教")


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


def run_search(args, *, default_for=None):
    """Search resources for a request's arguments and announce it for statistics.

    default_for: when given, the user whose default school type applies until one is chosen
    (the /search page; the API keeps every school type unless asked).
    """
    filters, sort, page = parse_search_request(args)
    text = args.get("q", "")
    chosen = filters
    if default_for is not None and not any(word in text for word in SPECIAL_SCHOOL_WORDS):
        filters = catalog.with_default_school_type(filters, default_for)
    results = services.query(
        text, doc_type="resource", filters=filters.search_args(), sort=sort, page=page
    )
    if not results.total and filters is not chosen:
        # Nothing for the default school type (低视力 is only in 盲校 books; or an index built
        # before school types were indexed): show what every school type has.
        filters = chosen
        results = services.query(
            text, doc_type="resource", filters=filters.search_args(), sort=sort, page=page
        )
    services.record(results, filters={k: str(v) for k, v in filters.chosen.items()})
    return results
